//! CSRF protection for browser sessions: a request with an unsafe method
//! (anything but GET, HEAD, OPTIONS) authenticated by the session cookie
//! must carry `X-CSRF-Token` equal to the session's token (given at
//! login; pages carry it in a `<meta name="csrf-token">`). API tokens need
//! none: a browser never attaches them by itself. Logins are exempt (they
//! open a new session; the JSON login cannot be posted cross-site without
//! a CORS preflight, the login form checks the request's origin).
//! Refusals are 403 `csrf` and are audited: JSON for the API, and for a
//! page's form (a browser asking for HTML) a page in the person's
//! language that says what happened and how to go on.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kyso_office::{ErrorKind, Office, OfficeError};

use super::authn::Credential;
use crate::error::WebError;
use crate::AppState;

pub const HEADER: HeaderName = HeaderName::from_static("x-csrf-token");

/// Paths that open a session and are not checked.
const EXEMPT: &[&str] = &["/api/v1/auth/login", "/login"];

/// A page's request (not the API's) from a browser that accepts HTML.
fn wants_html(req: &Request) -> bool {
    !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

pub async fn csrf(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || EXEMPT.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    if let Some(Credential::Session { info, .. }) = req.extensions().get::<Credential>() {
        let given = req
            .headers()
            .get(&HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !Office::csrf_matches(info, given) {
            let e = OfficeError::new(
                ErrorKind::Forbidden,
                "csrf",
                "thiếu hoặc sai mã chống giả mạo (X-CSRF-Token) của phiên đăng nhập",
                "the session's anti-forgery token (X-CSRF-Token) is missing or wrong",
            );
            s.office
                .record_refusal(&info.actor, &format!("csrf {}", req.uri().path()), &e)
                .await;
            if wants_html(&req) {
                let (mut parts, _) = req.into_parts();
                if let Ok(v) = crate::views::page::Viewer::from_request_parts(&mut parts, &s).await
                {
                    let e = OfficeError::new(
                        ErrorKind::Forbidden,
                        "csrf",
                        "Biểu mẫu đã cũ hoặc phiên làm việc đã đổi (thiếu mã chống giả mạo), nên thao tác chưa được thực hiện. Hãy tải lại trang rồi làm lại.",
                        "The form is out of date or the session changed (the anti-forgery token is missing), so nothing was done. Reload the page and try again.",
                    );
                    return crate::views::page::error(&v.c, &e);
                }
            }
            return WebError::from(e).into_response();
        }
    }
    next.run(req).await
}
