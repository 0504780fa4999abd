//! The long-term validity schedule of stored documents (archive
//! renewal).

use axum::extract::State;
use kyso_office::archive::ltv::ArchiveStatus;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}

#[derive(Deserialize, IntoParams)]
pub struct ArchiveQuery {
    /// This agency's documents (required unless the caller is the
    /// department administrator, who sees every agency's without it).
    pub agency_id: Option<i64>,
}

/// Documents whose long-term (B-LTA) file is due for a new archive
/// time-stamp, up to date, or whose last renewal failed (with its error);
/// heads, auditors and IT officers read their agency's, the administrator
/// any agency's or all.
#[utoipa::path(get, path = "/api/v1/archive/status", tag = "archive", params(ArchiveQuery),
    responses((status = 200, body = ArchiveStatus)))]
async fn status(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<ArchiveQuery>,
) -> Result<axum::Json<ArchiveStatus>, WebError> {
    Ok(axum::Json(s.office.archive_status(&a, q.agency_id).await?))
}
