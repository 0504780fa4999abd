//! A minimal login form (`GET /login`, `POST /login`) for the pages that
//! need a session (the browser-signing page); the full web UI is built
//! later. The form posts no JavaScript: the cookie is set by the answer
//! and the browser is sent on to `next`. A cross-site post is refused
//! (`Origin` / `Sec-Fetch-Site`), and logins count against the same
//! per-address limit as the API's.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::{escape, local_path};
use crate::extract::{ClientIp, Query};
use crate::middleware::authn::session_cookie;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/login", get(form).post(submit))
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

const PAGE: &str = include_str!("../assets/login.html");

fn page(status: StatusCode, next: &str, message: Option<&str>) -> Response {
    let msg = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let html = PAGE
        .replace("{{NEXT}}", &escape(next))
        .replace("{{MESSAGE}}", &msg);
    (status, Html(html)).into_response()
}

async fn form(Query(n): Query<Next>) -> Response {
    let next = n.next.as_deref().and_then(local_path).unwrap_or("/sign");
    page(StatusCode::OK, next, None)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Whether a form post comes from this site's own page.
fn same_site(headers: &HeaderMap) -> bool {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site").is_some_and(|v| v == "cross-site" || v == "same-site") {
        return false;
    }
    match (get("origin"), get("host")) {
        (Some(origin), Some(host)) => {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
        (Some(_), None) => false,
        (None, _) => true,
    }
}

async fn submit(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return page(
            StatusCode::BAD_REQUEST,
            "/sign",
            Some("Biểu mẫu không hợp lệ / the form is not valid"),
        );
    };
    let next = f
        .next
        .as_deref()
        .and_then(local_path)
        .unwrap_or("/sign")
        .to_string();
    if !same_site(&headers) {
        return page(
            StatusCode::FORBIDDEN,
            &next,
            Some(
                "Yêu cầu đăng nhập từ trang khác bị từ chối / a login from another site is refused",
            ),
        );
    }
    if let Err(e) = crate::api::auth::login_allowed(&s, ip) {
        return page(e.status(), &next, Some(&e.error.message()));
    }
    let rid = crate::middleware::request_id::current();
    match s.office.login(&f.username, &f.password, rid).await {
        Ok(o) => (
            [(
                header::SET_COOKIE,
                session_cookie(&o.session_secret, o.expires_at, s.tls),
            )],
            Redirect::to(&next),
        )
            .into_response(),
        Err(e) => page(
            crate::error::WebError::status_of(e.kind),
            &next,
            Some(&e.message()),
        ),
    }
}
