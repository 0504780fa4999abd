//! Notifications (*Thông báo*): arrivals and recall requests at the
//! person's agencies, assignments, and what became of their documents,
//! newest first, the unread ones marked; the header's count is fetched by
//! htmx when a page loads and every minute.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kyso_office::notification::{Kind, Notification};

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/count", get(count))
        .route("/notifications/seen", post(seen))
}

/// One line of the page.
struct Row {
    kind: &'static str,
    /// `ok`, `warn`, `bad` or `` (the tag's colour).
    class: &'static str,
    what: &'static str,
    at: String,
    number: String,
    subject: String,
    party: String,
    note: String,
    unread: bool,
    link: String,
}

fn class_of(n: &Notification) -> &'static str {
    match (n.kind, n.status.as_deref()) {
        (Kind::Returned, _) | (_, Some("02" | "16")) => "bad",
        (Kind::RecallRequest, _) => "warn",
        (Kind::Arrival | Kind::Assigned, _) => "",
        _ => "ok",
    }
}

fn row(c: &Chrome, n: &Notification) -> Row {
    Row {
        kind: n.kind.code(),
        class: class_of(n),
        // A recipient's new status is named by the status itself.
        what: match (n.kind, n.status.as_deref()) {
            (Kind::Status, Some(st)) => c.named("status", st),
            _ => c.named("notif", n.kind.code()),
        },
        at: fmt::when(&n.at),
        number: n.number_text.clone().unwrap_or_default(),
        subject: n.subject.clone(),
        party: n.agency_name.clone(),
        note: n.note.clone().unwrap_or_default(),
        unread: n.unread,
        link: n.link.clone(),
    }
}

#[derive(askama::Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    unread: usize,
    rows: Vec<Row>,
}

async fn list(State(s): State<AppState>, v: Viewer) -> Response {
    match s.office.notifications(&v.actor, 100).await {
        Ok(n) => page::ok(&NotificationsPage {
            rows: n.items.iter().map(|x| row(&v.c, x)).collect(),
            unread: n.unread,
            c: v.c,
        }),
        Err(e) => page::error(&v.c, &e),
    }
}

/// The header's badge: the unread count, or nothing.
async fn count(State(s): State<AppState>, v: Viewer) -> Response {
    match s.office.notifications(&v.actor, 1).await {
        Ok(n) if n.unread > 0 => Html(format!(
            "<span class=\"count\" id=\"notif-count\">{}</span>",
            n.unread
        ))
        .into_response(),
        _ => Html(String::new()).into_response(),
    }
}

async fn seen(State(s): State<AppState>, v: Viewer) -> Response {
    match s.office.mark_notifications_seen(&v.actor).await {
        Ok(()) => page::done("/notifications", "notifications-seen"),
        Err(e) => page::error(&v.c, &e),
    }
}
