//! Logging in and out, and the language switch. `GET /login` shows the
//! form; `POST /login` checks the origin (a cross-site post is refused),
//! counts against the per-address limit of logins, opens the session
//! (cookie) and sends the browser on to `next`. The form needs no
//! JavaScript. `POST /logout` ends the session; `POST /lang` switches
//! between Vietnamese and English (kept with the account, or in a cookie
//! for a visitor).

use axum::extract::{Extension, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::person::PersonUpdate;
use serde::Deserialize;

use super::i18n::Lang;
use super::local_path;
use super::page::{self, Chrome, Visitor};
use crate::extract::{ClientIp, Query};
use crate::middleware::authn::{clear_cookie, session_cookie, Credential};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(form).post(submit))
        .route("/logout", post(logout))
        .route("/lang", post(switch_lang))
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    message: Option<String>,
}

fn page(c: Chrome, status: StatusCode, next: &str, message: Option<String>) -> Response {
    page::render(
        status,
        &LoginPage {
            c,
            next: next.to_string(),
            message,
        },
    )
}

async fn form(Visitor { c }: Visitor, Query(n): Query<Next>) -> Response {
    let next = n.next.as_deref().and_then(local_path).unwrap_or("/");
    page(c, StatusCode::OK, next, None)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Whether a form post comes from this site's own page.
pub(crate) fn same_site(headers: &HeaderMap) -> bool {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    // A browser says where the request comes from (Fetch Metadata); with
    // `Referrer-Policy: no-referrer` its `Origin` is `null`, so this
    // answer comes first.
    if let Some(site) = get("sec-fetch-site") {
        return site == "same-origin" || site == "none";
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
    Visitor { c }: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        let m = c.t("login.bad_form").to_string();
        return page(c, StatusCode::BAD_REQUEST, "/", Some(m));
    };
    let next = f
        .next
        .as_deref()
        .and_then(local_path)
        .unwrap_or("/")
        .to_string();
    if !same_site(&headers) {
        let m = c.t("login.cross_site").to_string();
        return page(c, StatusCode::FORBIDDEN, &next, Some(m));
    }
    if let Err(e) = crate::api::auth::login_allowed(&s, ip) {
        let m = c.pick(&e.error.vi, &e.error.en).to_string();
        return page(c, e.status(), &next, Some(m));
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
        Err(e) => {
            let m = c.pick(&e.vi, &e.en).to_string();
            page(c, crate::error::WebError::status_of(e.kind), &next, Some(m))
        }
    }
}

async fn logout(State(s): State<AppState>, Extension(cred): Extension<Credential>) -> Response {
    if let Credential::Session { info, secret } = cred {
        if let Err(e) = s.office.logout(&secret, &info.actor).await {
            tracing::warn!(error = %e.message(), "logout");
        }
    }
    (
        [(header::SET_COOKIE, clear_cookie(s.tls))],
        Redirect::to("/login?ok=logged-out"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    next: Option<String>,
}

/// The language switch. From a page of the office it comes through htmx
/// (so with the session's CSRF header); the answer then asks htmx for a
/// full load of the page (`HX-Redirect`), whose whole frame — `<html
/// lang>`, menus — changes language.
async fn switch_lang(
    State(s): State<AppState>,
    Extension(cred): Extension<Credential>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    let next = f
        .next
        .as_deref()
        .and_then(local_path)
        .unwrap_or("/")
        .to_string();
    if let Credential::Session { info, .. } = &cred {
        let u = PersonUpdate {
            language: Some(lang.code().to_string()),
            ..PersonUpdate::default()
        };
        if let Err(e) = s
            .office
            .update_person(&info.actor, info.actor.person_id, u)
            .await
        {
            tracing::warn!(error = %e.message(), "language");
        }
    }
    let cookie = page::lang_cookie(lang, s.tls);
    if headers.contains_key("hx-request") {
        let to = axum::http::HeaderValue::from_str(&next)
            .unwrap_or(axum::http::HeaderValue::from_static("/"));
        return (
            axum::http::StatusCode::NO_CONTENT,
            [(header::SET_COOKIE, cookie)],
            [(axum::http::HeaderName::from_static("hx-redirect"), to)],
        )
            .into_response();
    }
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}
