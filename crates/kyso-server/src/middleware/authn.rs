//! Who is calling: the session cookie `kyso_session` (a browser, after a
//! login) or `Authorization: Bearer kyso_…` (an integration or the CLI,
//! with an API token). Resolved once per request through the office
//! (sessions and tokens live in the database, so any replica answers) and
//! left in the request's extensions as a [`Credential`]; handlers take it
//! with the [`crate::extract::Caller`] extractor, which answers 401 when
//! there is none.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use kyso_office::auth::SessionInfo;
use kyso_office::{Actor, OfficeError};
use time::OffsetDateTime;

use super::request_id::RequestId;
use crate::AppState;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "kyso_session";

/// How the request authenticated.
#[derive(Clone, Debug)]
pub enum Credential {
    Anonymous,
    /// A browser session: unsafe methods must echo its CSRF token.
    Session {
        info: SessionInfo,
        secret: String,
    },
    /// An API token: no CSRF check (a browser never sends it by itself).
    Token(Actor),
    /// A cookie or token was given but is not valid (expired, revoked…).
    Refused(OfficeError),
}

impl Credential {
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Credential::Session { info, .. } => Some(&info.actor),
            Credential::Token(a) => Some(a),
            _ => None,
        }
    }
}

/// The bearer token of `Authorization`, if any; `Err` for another scheme.
fn bearer(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let v = headers.get(header::AUTHORIZATION)?;
    let s = v.to_str().ok()?;
    let (scheme, rest) = s.split_once(' ').unwrap_or((s, ""));
    if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
        Some(Ok(rest.trim().to_string()))
    } else {
        Some(Err(()))
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|v| !v.is_empty() && v.len() <= 200)
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Path=/,
/// Secure over TLS, expiring with the session.
pub fn session_cookie(secret: &str, expires: OffsetDateTime, secure: bool) -> HeaderValue {
    let max_age = (expires - OffsetDateTime::now_utc()).whole_seconds().max(0);
    let v = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    HeaderValue::from_static(if secure {
        "kyso_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
    } else {
        "kyso_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    })
}

pub async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let rid = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let credential = match bearer(req.headers()) {
        Some(Ok(token)) => match s.office.token_actor(&token, rid).await {
            Ok(a) => Credential::Token(a),
            Err(e) => Credential::Refused(e),
        },
        Some(Err(())) => Credential::Refused(OfficeError::unauthenticated(
            "chỉ chấp nhận Authorization: Bearer <mã truy cập>",
            "only Authorization: Bearer <API token> is accepted",
        )),
        None => match cookie(req.headers(), SESSION_COOKIE) {
            Some(secret) => match s.office.session(&secret, rid).await {
                Ok(info) => Credential::Session { info, secret },
                Err(e) => Credential::Refused(e),
            },
            None => Credential::Anonymous,
        },
    };
    req.extensions_mut().insert(credential);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_bearers_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kyso_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer kyso_x"),
        );
        assert_eq!(bearer(&h), Some(Ok("kyso_x".into())));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eA=="),
        );
        assert_eq!(bearer(&h), Some(Err(())));
        let c = session_cookie("s", OffsetDateTime::now_utc(), true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("Secure"));
    }
}
