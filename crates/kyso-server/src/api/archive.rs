//! The long-term validity schedule of stored documents (archive
//! renewal).

use axum::extract::State;
use kyso_office::archive::ltv::ArchiveStatus;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::Caller;
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}

/// Documents whose long-term (B-LTA) file is due for a new archive
/// time-stamp, up to date, or whose last renewal failed (with its error);
/// the administrator sees every agency's, heads, auditors and IT officers
/// their agencies'.
#[utoipa::path(get, path = "/api/v1/archive/status", tag = "archive",
    responses((status = 200, body = ArchiveStatus)))]
async fn status(
    State(s): State<AppState>,
    Caller(a): Caller,
) -> Result<axum::Json<ArchiveStatus>, WebError> {
    Ok(axum::Json(s.office.archive_status(&a).await?))
}
