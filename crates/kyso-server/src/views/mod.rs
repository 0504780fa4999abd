//! The web office (DESIGN §2): server-rendered pages (askama templates
//! under `crates/kyso-server/templates/`, one module a screen here),
//! htmx and one style sheet served from the binary, every text from the
//! message catalogues ([`i18n`]), Vietnamese first. Each handler calls
//! one use case of `kyso-office` with the logged-in person
//! ([`page::Viewer`]); the pages carry the session's CSRF token for
//! htmx, the strict CSP allows no inline script or style.

pub mod admin;
pub mod agency_tree;
pub mod approve;
pub mod archive;
pub mod assets;
pub mod audit;
pub mod batch;
pub mod cards;
pub mod desk;
pub mod desk_calendar;
pub mod desk_devices;
pub mod desk_report;
pub mod documents;
pub mod drafting;
pub mod fmt;
pub mod home;
pub mod i18n;
pub mod inbox;
pub mod login;
pub mod notifications;
pub mod page;
pub mod portal;
pub mod profile;
pub mod records;
pub mod registers;
pub mod search;
pub mod sign;
pub mod verify;

use axum::Router;

use crate::AppState;

/// Every page of the web office (behind the authentication and CSRF
/// layers of [`crate::router`]).
pub fn routes(max_upload: usize) -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(documents::routes())
        .merge(drafting::routes(max_upload))
        .merge(approve::routes())
        .merge(inbox::routes())
        .merge(registers::routes())
        .merge(search::routes())
        .merge(audit::routes())
        .merge(archive::routes())
        .merge(records::routes())
        .merge(batch::routes())
        .merge(desk::routes())
        .merge(desk_devices::routes())
        .merge(desk_calendar::routes())
        .merge(desk_report::routes())
        .merge(verify::routes())
        .merge(portal::routes())
        .merge(notifications::routes())
        .merge(profile::routes())
        .merge(admin::routes())
        .merge(login::routes())
}

/// `s` safe inside HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A local path to go to after logging in: `/` followed by path
/// characters only (no `//host`, no scheme, no query tricks).
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 200
        && next
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_redirect_targets() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(local_path("/sign"), Some("/sign"));
        assert_eq!(local_path("//evil.example/x"), None);
        assert_eq!(local_path("https://evil.example"), None);
        assert_eq!(local_path("/a?b=c"), None);
        assert_eq!(local_path("/\\evil"), None);
    }
}
