//! Reading and checking the hash-chained audit log.

use axum::extract::State;
use kyso_store::AuditFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log))
        .routes(routes!(verify))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Entries of this agency (required unless the caller is the
    /// department administrator).
    pub agency_id: Option<i64>,
    pub person_id: Option<i64>,
    /// Actions starting with this, e.g. `document.` or `access.denied`.
    pub action: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    /// Entries before this sequence number (paging, newest first).
    pub before_seq: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u64>,
}

// The JSON of kyso_store's audit types, for the API description (the
// answers are those types serialized).

/// One chained entry of the audit log.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditEntry {
    seq: i64,
    #[schema(format = DateTime)]
    at: String,
    person_id: Option<i64>,
    /// Login name, or `system`.
    actor: String,
    role: Option<String>,
    agency_id: Option<i64>,
    /// `document.issue`, `login.failed`, `access.denied`, …
    action: String,
    object_kind: String,
    object_id: String,
    object_sha256: Option<String>,
    request_id: Option<String>,
    detail: Option<String>,
    prev_hash: String,
    hash: String,
}

/// Where the chain breaks.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditBreak {
    /// The first entry that does not verify (or is missing).
    seq: i64,
    reason: String,
}

/// The chain, checked from its first entry.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditCheck {
    entries: i64,
    head_seq: i64,
    head_hash: String,
    /// None when unbroken.
    broken: Option<AuditBreak>,
}

/// The chain and the time-stamps over it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditReport {
    chain: AuditCheck,
    anchors_valid: usize,
    anchors_invalid: Vec<String>,
    last_anchor_seq: Option<i64>,
    #[schema(format = DateTime)]
    last_anchor_time: Option<String>,
}

/// Audit entries the caller may read (the administrator: all; heads and
/// auditors: their agencies'), newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [AuditEntry])))]
async fn log(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<Vec<kyso_store::AuditEntry>>, WebError> {
    let filter = AuditFilter {
        agency_id: q.agency_id,
        person_id: q.person_id,
        action_prefix: q.action,
        object_kind: q.object_kind,
        object_id: q.object_id,
        before_seq: q.before_seq,
        limit: q.limit.unwrap_or(100),
        ..Default::default()
    };
    Ok(axum::Json(s.office.audit_log(&a, filter).await?))
}

/// Check the whole chain and every time-stamp over it (heads, auditors,
/// the administrator).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditReport)))]
async fn verify(
    State(s): State<AppState>,
    Caller(a): Caller,
) -> Result<axum::Json<kyso_office::audit::AuditReport>, WebError> {
    Ok(axum::Json(s.office.verify_audit_as(&a).await?))
}
