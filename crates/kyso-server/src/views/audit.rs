//! The audit log for heads of agency, auditors and the administrator:
//! entries with filters (agency, action, object), and the check of the
//! whole hash chain and its time-stamps.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyso_office::Role;
use kyso_store::AuditFilter;
use serde::Deserialize;

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(show))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    agency_id: Option<i64>,
    action: Option<String>,
    object_kind: Option<String>,
    object_id: Option<String>,
    check: Option<String>,
}

struct EntryRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    detail: String,
}

/// The result of the chain check.
struct Check {
    ok: bool,
    entries: i64,
    head: String,
    anchors_valid: usize,
    problems: Vec<String>,
    last_anchor: String,
}

#[derive(askama::Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    agencies: Vec<(i64, String)>,
    agency_id: i64,
    action: String,
    object_kind: String,
    object_id: String,
    rows: Vec<EntryRow>,
    check: Option<Check>,
}

async fn show(State(s): State<AppState>, v: Viewer, Query(q): Query<AuditQuery>) -> Response {
    let admin = v.actor.has_anywhere(Role::DeptAdmin);
    let mut agencies: Vec<(i64, String)> = v
        .actor
        .memberships
        .iter()
        .filter(|m| admin || matches!(m.role, Role::Head | Role::Auditor))
        .map(|m| (m.agency_id, m.agency_name.clone()))
        .collect();
    agencies.dedup_by_key(|a| a.0);
    let Some(first) = agencies.first().map(|a| a.0) else {
        return page::error(
            &v.c,
            &kyso_office::OfficeError::forbidden(
                "chỉ thủ trưởng, kiểm tra viên hoặc quản trị xem được nhật ký",
                "only heads, auditors or the administrator read the audit log",
            ),
        );
    };
    let agency_id = q
        .agency_id
        .filter(|id| agencies.iter().any(|a| a.0 == *id))
        .unwrap_or(first);
    let nonempty = |s: &Option<String>| s.clone().filter(|x| !x.trim().is_empty());
    let filter = AuditFilter {
        agency_id: Some(agency_id),
        action_prefix: nonempty(&q.action),
        object_kind: nonempty(&q.object_kind),
        object_id: nonempty(&q.object_id),
        limit: 200,
        ..Default::default()
    };
    let entries = match s.office.audit_log(&v.actor, filter).await {
        Ok(e) => e,
        Err(e) => return page::error(&v.c, &e),
    };
    let check = if q.check.is_some() {
        match s.office.verify_audit_as(&v.actor).await {
            Ok(r) => Some(Check {
                ok: r.ok(),
                entries: r.chain.entries,
                head: r.chain.head_hash.clone(),
                anchors_valid: r.anchors_valid,
                problems: r
                    .chain
                    .broken
                    .iter()
                    .map(|b| format!("#{}: {}", b.seq, b.reason))
                    .chain(r.anchors_invalid.iter().cloned())
                    .collect(),
                last_anchor: r
                    .last_anchor_time
                    .map(fmt::datetime)
                    .unwrap_or_else(|| "—".into()),
            }),
            Err(e) => return page::error(&v.c, &e),
        }
    } else {
        None
    };
    page::ok(&AuditPage {
        agencies,
        agency_id,
        action: q.action.unwrap_or_default(),
        object_kind: q.object_kind.unwrap_or_default(),
        object_id: q.object_id.unwrap_or_default(),
        rows: entries
            .iter()
            .map(|e| EntryRow {
                seq: e.seq,
                at: fmt::datetime(e.at),
                actor: e.event.actor.clone(),
                action: e.event.action.clone(),
                object: format!("{} {}", e.event.object_kind, e.event.object_id),
                detail: e.event.detail.clone().unwrap_or_default(),
            })
            .collect(),
        check,
        c: v.c,
    })
}
