//! Files served from the binary: the style sheet and the scripts of the
//! pages (the CSP allows scripts and styles from this origin only).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const CSS: &str = include_str!("../assets/kyso.css");
const SIGN_JS: &str = include_str!("../assets/sign.js");
const API_DOCS_JS: &str = include_str!("../assets/api-docs.js");

fn file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
}

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/static/kyso.css",
            get(|| async { file("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/static/sign.js",
            get(|| async { file("text/javascript; charset=utf-8", SIGN_JS) }),
        )
        .route(
            "/static/api-docs.js",
            get(|| async { file("text/javascript; charset=utf-8", API_DOCS_JS) }),
        )
}
