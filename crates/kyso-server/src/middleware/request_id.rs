//! The request id: taken from the client's `X-Request-Id` when it is a
//! sane token, else made here; sent back in `X-Request-Id`, carried by the
//! request's tracing span, put in every error body and in the audit
//! entries the request causes (through the office's `Actor`).

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request this task is answering.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The request id, as a request extension.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// A client's id is kept when it is 1–64 characters of `[A-Za-z0-9._:-]`.
fn acceptable(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    ok.then(|| s.to_string())
}

fn fresh() -> String {
    let mut raw = [0u8; 12];
    if kyso_crypto::random_bytes(&mut raw).is_err() {
        // The id only correlates logs; a clock-based one will do.
        let t = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        return format!("t{t:x}");
    }
    hex::encode(raw)
}

pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(acceptable)
        .unwrap_or_else(fresh);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    let started = Instant::now();
    let mut resp = CURRENT
        .scope(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let _enter = span.enter();
    let status = resp.status();
    let ms = started.elapsed().as_millis();
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), ms, "answered");
    } else {
        tracing::debug!(status = status.as_u16(), ms, "answered");
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_ids_are_kept() {
        let ok = |s: &str| acceptable(&HeaderValue::from_str(s).unwrap());
        assert_eq!(ok("abc-123_x.y:z").as_deref(), Some("abc-123_x.y:z"));
        assert_eq!(ok(""), None);
        assert_eq!(ok("has space"), None);
        assert_eq!(ok(&"a".repeat(65)), None);
        assert_eq!(fresh().len(), 24);
    }
}
