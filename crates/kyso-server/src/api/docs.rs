//! `GET /api/openapi.json` (the description, OpenAPI 3.1) and `GET
//! /api/docs`: a page of our own, served from the binary with its script
//! (no CDN, no inline script or style), that lists the operations from
//! the description and can try them with an API token or a session.

use std::sync::Arc;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

pub fn routes(spec: utoipa::openapi::OpenApi) -> Router<AppState> {
    let json: Arc<[u8]> = serde_json::to_vec(&spec).unwrap_or_default().into();
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || {
                let json = json.clone();
                async move { openapi_json(&json) }
            }),
        )
        .route("/api/docs", get(page))
}

fn openapi_json(json: &[u8]) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json.to_vec()).into_response()
}

async fn page() -> Html<&'static str> {
    Html(include_str!("../assets/api-docs.html"))
}
