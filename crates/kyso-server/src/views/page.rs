//! What every page of the web office shares: who is looking ([`Viewer`]
//! for the pages behind the login, [`Visitor`] for the public ones), the
//! frame around the content ([`Chrome`]: language, the person, the menu
//! of their roles, the session's CSRF token for htmx), and the answers
//! (a rendered template, an error page in the person's language, a
//! redirect after an action).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kyso_office::{Actor, ErrorKind, OfficeError, Role};

use super::i18n::Lang;
use super::local_path;
use crate::error::WebError;
use crate::middleware::authn::{cookie, Credential};

/// The cookie that keeps an anonymous visitor's language; a person's
/// language is kept with their account.
pub const LANG_COOKIE: &str = "kyso_lang";

/// The menu: which parts of the office the person's roles open.
#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub draft: bool,
    pub approve: bool,
    pub clerk: bool,
    pub audit: bool,
    pub archive: bool,
    pub admin: bool,
    pub desk: bool,
    pub desk_report: bool,
}

impl Nav {
    fn of(a: &Actor) -> Nav {
        Nav {
            draft: a.has_anywhere(Role::Drafter) || a.has_anywhere(Role::Clerk),
            approve: a.has_anywhere(Role::Approver),
            clerk: a.has_anywhere(Role::Clerk) || a.has_anywhere(Role::Head),
            audit: a.has_anywhere(Role::Auditor) || a.has_anywhere(Role::Head),
            archive: [Role::Head, Role::Auditor, Role::ItOfficer, Role::DeptAdmin]
                .iter()
                .any(|r| a.has_anywhere(*r)),
            admin: super::admin::opens(a),
            desk: super::desk::opens(a),
            desk_report: super::desk_report::opens(a),
        }
    }
}

/// The logged-in person as the header shows them.
#[derive(Clone, Debug)]
pub struct UserBox {
    pub name: String,
    /// `văn thư — UBND tỉnh Ninh Bình; …`
    pub roles: String,
}

/// The frame of every page.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub lang: Lang,
    pub user: Option<UserBox>,
    /// The session's CSRF token (sent by htmx as `X-CSRF-Token`).
    pub csrf: String,
    /// This page's path (the language switch comes back here).
    pub path: String,
    /// The message of the action that led here (`?ok=…`).
    pub flash: Option<&'static str>,
    pub nav: Nav,
}

impl Chrome {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }
    /// One of an office message's two languages.
    pub fn pick<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }
    /// The catalogue text of `prefix.code` (states, statuses, roles …).
    pub fn named(&self, prefix: &str, code: &str) -> &'static str {
        let key = format!("{prefix}.{code}");
        if self.lang.has(&key) {
            self.lang.t(&key)
        } else {
            self.lang.t("common.unknown")
        }
    }
}

fn flash(parts: &Parts, lang: Lang) -> Option<&'static str> {
    let q = parts.uri.query()?;
    let v = q.split('&').find_map(|kv| kv.strip_prefix("ok="))?;
    let key = format!("ok.{v}");
    (v.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && lang.has(&key)).then(|| lang.t(&key))
}

fn path_of(parts: &Parts) -> String {
    local_path(parts.uri.path()).unwrap_or("/").to_string()
}

fn roles_line(a: &Actor, lang: Lang) -> String {
    a.memberships
        .iter()
        .map(|m| {
            format!(
                "{} — {}",
                lang.t(&format!("role.{}", m.role.code())),
                m.agency_name
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A person logged in with a browser session. Anyone else is sent to
/// the login form, which brings them back here.
pub struct Viewer {
    pub actor: Actor,
    pub c: Chrome,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let Some(Credential::Session { info, .. }) = parts.extensions.get::<Credential>() else {
            let next = path_of(parts);
            return Err(Redirect::to(&format!("/login?next={next}")).into_response());
        };
        let a = info.actor.clone();
        let lang = Lang::parse(&a.language).unwrap_or_default();
        let c = Chrome {
            lang,
            user: Some(UserBox {
                name: a.full_name.clone(),
                roles: roles_line(&a, lang),
            }),
            csrf: info.csrf.clone(),
            path: path_of(parts),
            flash: flash(parts, lang),
            nav: Nav::of(&a),
        };
        Ok(Viewer { actor: a, c })
    }
}

/// Anyone (the public pages): the language from the account when logged
/// in, else from the visitor's cookie.
pub struct Visitor {
    pub c: Chrome,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Response> {
        if let Ok(v) = Viewer::from_request_parts(parts, s).await {
            return Ok(Visitor { c: v.c });
        }
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default();
        Ok(Visitor {
            c: Chrome {
                lang,
                user: None,
                csrf: String::new(),
                path: path_of(parts),
                flash: flash(parts, lang),
                nav: Nav::default(),
            },
        })
    }
}

/// A rendered page with `status`.
pub fn render<T: askama::Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            WebError::from(OfficeError::internal("template", e)).into_response()
        }
    }
}

pub fn ok<T: askama::Template>(t: &T) -> Response {
    render(StatusCode::OK, t)
}

/// The error page.
#[derive(askama::Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    pub request_id: String,
}

/// `e` as a page in the viewer's language (never a stack trace: the
/// office's message and the request id to quote).
pub fn error(c: &Chrome, e: &OfficeError) -> Response {
    let status = WebError::status_of(e.kind);
    let title = match e.kind {
        ErrorKind::Forbidden => "error.forbidden",
        ErrorKind::NotFound => "error.not_found",
        ErrorKind::Invalid => "error.invalid",
        ErrorKind::Conflict => "error.conflict",
        ErrorKind::TooLarge => "error.too_large",
        ErrorKind::TooManyRequests => "error.too_many",
        _ => "error.general",
    };
    let message = if e.kind == ErrorKind::Internal {
        c.t("error.internal").to_string()
    } else {
        c.pick(&e.vi, &e.en).to_string()
    };
    render(
        status,
        &ErrorPage {
            c: c.clone(),
            status: status.as_u16(),
            title: c.t(title),
            message,
            request_id: crate::middleware::request_id::current().unwrap_or_default(),
        },
    )
}

/// A document or incoming document the person may not see: 403, whether
/// it belongs to another agency or does not exist (the office answers
/// "not found" for both, so that ids tell nothing).
pub fn not_yours(c: &Chrome, e: OfficeError) -> Response {
    if e.kind == ErrorKind::NotFound {
        let e = OfficeError::forbidden(
            "Bạn không có quyền xem văn bản này (văn bản của cơ quan khác, hoặc không tồn tại).",
            "You may not see this document (it belongs to another agency, or does not exist).",
        );
        return error(c, &e);
    }
    error(c, &e)
}

/// An office error as one sentence in the page's language (an internal
/// failure only as "an error on the server": details stay in the log).
pub fn message(c: &Chrome, e: &OfficeError) -> String {
    if e.kind == ErrorKind::Internal {
        c.t("error.internal").to_string()
    } else {
        c.pick(&e.vi, &e.en).to_string()
    }
}

/// After an action: to `to` with the message `ok.<what>`.
pub fn done(to: &str, what: &str) -> Response {
    Redirect::to(&format!("{to}?ok={what}")).into_response()
}

/// `Set-Cookie` for the visitor's language (a year).
pub fn lang_cookie(lang: Lang, secure: bool) -> HeaderValue {
    let v = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{}",
        lang.code(),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""))
}

/// A file to download.
pub fn download(name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CONTENT_DISPOSITION,
                crate::api::content_disposition(name),
            ),
        ],
        bytes,
    )
        .into_response()
}
