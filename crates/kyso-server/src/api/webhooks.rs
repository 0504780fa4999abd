//! Webhooks for integrations (an agency's IT officer).

use axum::extract::State;
use axum::http::StatusCode;
use kyso_office::webhook::{NewWebhook, WebhookView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Json, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(delete))
}

#[derive(Deserialize, IntoParams)]
pub struct WebhookQuery {
    pub agency_id: i64,
}

/// The webhooks of an agency (never their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(WebhookQuery),
    responses((status = 200, body = [WebhookView])))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<WebhookQuery>,
) -> Result<axum::Json<Vec<WebhookView>>, WebError> {
    Ok(axum::Json(s.office.list_webhooks(&a, q.agency_id).await?))
}

/// Register a webhook; its HMAC secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = WebhookView)))]
async fn create(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewWebhook>,
) -> Result<(StatusCode, axum::Json<WebhookView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.create_webhook(&a, n).await?),
    ))
}

/// Remove a webhook.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id")),
    responses((status = 204, description = "removed")))]
async fn delete(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    s.office.delete_webhook(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
