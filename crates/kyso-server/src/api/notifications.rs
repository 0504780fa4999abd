//! `/api/v1/me/notifications`: what happened lately that concerns the
//! caller — arrivals and recall requests at their agencies, assignments,
//! and the statuses of the documents they drafted, approved or sealed —
//! and marking them read.

use axum::extract::State;
use axum::http::StatusCode;
use kyso_office::notification::Notifications;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(seen))
}

#[derive(Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// Most notifications (1–200, default 50).
    pub limit: Option<u64>,
}

/// The caller's notifications of the last 30 days, newest first, with
/// how many are unread.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "auth",
    params(NotificationQuery),
    responses((status = 200, body = Notifications)))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<NotificationQuery>,
) -> Result<axum::Json<Notifications>, WebError> {
    Ok(axum::Json(
        s.office.notifications(&a, q.limit.unwrap_or(50)).await?,
    ))
}

/// Marks the caller's notifications read, up to now.
#[utoipa::path(post, path = "/api/v1/me/notifications/seen", tag = "auth",
    responses((status = 204, description = "marked read")))]
async fn seen(State(s): State<AppState>, Caller(a): Caller) -> Result<StatusCode, WebError> {
    s.office.mark_notifications_seen(&a).await?;
    Ok(StatusCode::NO_CONTENT)
}
