//! What every request goes through, outermost first: the request id and
//! its tracing span ([`request_id`]), the security headers
//! ([`security_headers`]), the JSON error shape for answers of the
//! framework under `/api/` ([`api_errors`]); then, on the routes of the
//! office, who is calling ([`authn`]) and the CSRF check for cookie
//! sessions ([`csrf`]). Body limits are set per group of routes
//! (`DefaultBodyLimit`, see [`crate::limits`]); the rest of a refused
//! body is read before the answer ([`drain`]); logins are rate-limited
//! per client address ([`rate_limit`]).

pub mod authn;
pub mod csrf;
pub mod drain;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Under `/api/`, an error answered by the framework itself (unknown
/// route, method not allowed, body too large before a handler ran) gets
/// the API's JSON error shape; its status and headers (`Allow`) stay.
pub async fn api_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (mut parts, _) = resp.into_parts();
    let fresh = crate::error::for_status(status).into_response();
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(ct) = fresh_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, ct.clone());
    }
    Response::from_parts(parts, body)
}
