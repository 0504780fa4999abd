//! The certificate desk's notice log and reports (issue 12 §7–8).

use axum::extract::State;
use kyso_office::desk::NoticeView;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(notices))
}

/// How many notices to list.
#[derive(Deserialize, IntoParams)]
pub struct NoticeQuery {
    /// At most this many (1–1000, default 200).
    pub limit: Option<u64>,
}

/// The e-mail notice log (expiry, state changes, overdue requests),
/// newest first: all of it for the department and the CA, its own for a
/// managing organization.
#[utoipa::path(get, path = "/api/v1/desk/notices", tag = "desk", params(NoticeQuery),
    responses((status = 200, body = [NoticeView])))]
async fn notices(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<NoticeQuery>,
) -> Result<axum::Json<Vec<NoticeView>>, WebError> {
    Ok(axum::Json(
        s.office.desk_notices(&a, q.limit.unwrap_or(200)).await?,
    ))
}
