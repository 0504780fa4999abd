//! The approver's signature with the token, in the browser: the page
//! shows the document and talks to the local `kyso agent` (its PIN
//! dialog) and to the office's approval API — the four steps of
//! docs/agent-protocol.md, as on `/sign`. The page's script is
//! `/static/approve.js`; its messages come from the catalogue, carried
//! in `data-` attributes.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kyso_office::document::state::Action;
use kyso_office::document::DocumentView;
use kyso_office::Role;

use super::documents::Preview;
use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::middleware::security_headers::CSP_SIGN_PAGE;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/documents/{id}/approve", get(show))
}

#[derive(askama::Template)]
#[template(path = "approve.html")]
struct ApprovePage {
    c: Chrome,
    d: DocumentView,
    priority: &'static str,
    due: String,
    /// The file the approver reads before signing.
    draft_file: Option<(i64, String)>,
    agent: String,
    preview: Option<Preview>,
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let d = match s.office.document(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return page::not_yours(&v.c, e),
    };
    if !d.next_actions.contains(&Action::Approve) || !v.actor.has(Role::Approver, d.agency_id) {
        let e = kyso_office::OfficeError::conflict(
            "wrong-state",
            "văn bản không ở trạng thái chờ ký duyệt của bạn",
            "the document is not waiting for your approval",
        );
        return page::error(&v.c, &e);
    }
    let draft = d.files.iter().rev().find(|f| f.role == "draft");
    let draft_file = draft.map(|f| (f.id, f.name.clone()));
    let preview = draft.and_then(|f| Preview::of(id, f));
    let mut resp = page::ok(&ApprovePage {
        priority: v.c.named("priority", d.priority.code()),
        due: d.due_date.as_deref().map(fmt::when).unwrap_or_default(),
        draft_file,
        agent: "http://127.0.0.1:8765".into(),
        preview,
        d,
        c: v.c,
    });
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_SIGN_PAGE),
    );
    resp.into_response()
}
