//! Security headers on every answer: a strict Content-Security-Policy (no
//! inline script or style anywhere: every page's script and style is a
//! file served from the binary), no framing, no referrer, no sniffing;
//! HSTS when the server is reached over TLS; `Cache-Control: no-store` on
//! the API and the pages behind a login.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The policy of every answer that sets none of its own.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; \
frame-ancestors 'none'; base-uri 'none'";

/// The `/sign` page also talks to the local `kyso agent` on loopback
/// (CSP source lists cannot name an IPv6 literal: `http://[::1]:*` is
/// ignored by browsers with a console error, so the agent is reached over
/// 127.0.0.1 or localhost).
pub const CSP_SIGN_PAGE: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self' http://127.0.0.1:* http://localhost:*; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const HSTS: &str = "max-age=63072000; includeSubDomains";

pub async fn security_headers(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if s.tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let private = path.starts_with("/api/v1/")
        || path == "/sign"
        || path.starts_with("/sign/")
        || path == "/login";
    if private && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
