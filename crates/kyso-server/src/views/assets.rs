//! Files served from the binary: the style sheet and the scripts of the
//! pages (the CSP allows scripts and styles from this origin only).
//! `htmx.min.js` is htmx 2.0.11 as published on the npm registry
//! (package `htmx.org`, Zero-Clause BSD licence, see `htmx.LICENSE`);
//! PDF.js draws the previews (`preview.js`).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const CSS: &str = include_str!("../assets/kyso.css");
const SIGN_JS: &str = include_str!("../assets/sign.js");
const API_DOCS_JS: &str = include_str!("../assets/api-docs.js");
const HTMX_JS: &str = include_str!("../assets/htmx.min.js");
const APPROVE_JS: &str = include_str!("../assets/approve.js");
const PREVIEW_JS: &str = include_str!("../assets/preview.js");
/// PDF.js 5.6.205 as published on the npm registry (package
/// `pdfjs-dist`, `build/`, Apache-2.0 licence, see `pdfjs/LICENSE`). The
/// version is in the path, so the files may be cached for a long time.
const PDFJS: &str = include_str!("../assets/pdfjs/pdf.min.mjs");
const PDFJS_WORKER: &str = include_str!("../assets/pdfjs/pdf.worker.min.mjs");

fn file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
}

/// A file whose path names its version: cached for a year.
fn versioned(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
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
        .route(
            "/static/htmx.min.js",
            get(|| async { file("text/javascript; charset=utf-8", HTMX_JS) }),
        )
        .route(
            "/static/approve.js",
            get(|| async { file("text/javascript; charset=utf-8", APPROVE_JS) }),
        )
        .route(
            "/static/preview.js",
            get(|| async { file("text/javascript; charset=utf-8", PREVIEW_JS) }),
        )
        .route(
            "/static/pdfjs-5.6.205/pdf.min.mjs",
            get(|| async { versioned("text/javascript; charset=utf-8", PDFJS) }),
        )
        .route(
            "/static/pdfjs-5.6.205/pdf.worker.min.mjs",
            get(|| async { versioned("text/javascript; charset=utf-8", PDFJS_WORKER) }),
        )
}
