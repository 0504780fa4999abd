//! The dashboard: what waits for the person — documents whose next step
//! is theirs (by their roles), counted by state and priority, overdue
//! first — and the incoming documents waiting at their agencies.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyso_office::delivery::InboxFilter;
use kyso_office::document::state::State as DocState;
use kyso_office::document::{DocumentFilter, DocumentSummary};
use kyso_office::{Actor, Role};

use super::documents::{is_overdue, Row};
use super::fmt;
use super::inbox::InRow;
use super::page::{self, Chrome, Viewer};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

/// Whether the next step of `d` is the actor's.
fn waits_for(a: &Actor, d: &DocumentSummary) -> bool {
    let has = |r: Role| a.has(r, d.agency_id);
    match d.state {
        DocState::Draft | DocState::Returned => has(Role::Drafter),
        DocState::Submitted => has(Role::Approver),
        DocState::Approved | DocState::Numbered | DocState::Sealed => has(Role::Clerk),
        _ => false,
    }
}

const PRIORITIES: [&str; 4] = ["hoa_toc", "thuong_khan", "khan", "thuong"];

/// One line of the count table: a state, its count by priority.
struct CountRow {
    state_code: &'static str,
    state: &'static str,
    by_priority: Vec<usize>,
    total: usize,
}

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    c: Chrome,
    priorities: Vec<&'static str>,
    counts: Vec<CountRow>,
    overdue: usize,
    rows: Vec<Row>,
    incoming: Vec<InRow>,
}

fn rank(p: &str) -> usize {
    PRIORITIES
        .iter()
        .position(|x| *x == p)
        .unwrap_or(PRIORITIES.len())
}

async fn dashboard(State(s): State<AppState>, v: Viewer) -> Response {
    let f = DocumentFilter {
        limit: Some(500),
        ..DocumentFilter::default()
    };
    let docs = match s.office.list_documents(&v.actor, &f).await {
        Ok(d) => d,
        Err(e) => return page::error(&v.c, &e),
    };
    let today = fmt::today_iso(s.office.now());
    let mut mine: Vec<&DocumentSummary> = docs.iter().filter(|d| waits_for(&v.actor, d)).collect();
    mine.sort_by(|a, b| {
        is_overdue(b, &today)
            .cmp(&is_overdue(a, &today))
            .then(rank(a.priority.code()).cmp(&rank(b.priority.code())))
            .then(
                a.due_date
                    .as_deref()
                    .unwrap_or("9999")
                    .cmp(b.due_date.as_deref().unwrap_or("9999")),
            )
            .then(b.id.cmp(&a.id))
    });
    let counts = DocState::ALL
        .iter()
        .filter_map(|st| {
            let of_state: Vec<_> = mine.iter().filter(|d| d.state == *st).collect();
            (!of_state.is_empty()).then(|| CountRow {
                state_code: st.code(),
                state: v.c.named("state", st.code()),
                by_priority: PRIORITIES
                    .iter()
                    .map(|p| of_state.iter().filter(|d| d.priority.code() == *p).count())
                    .collect(),
                total: of_state.len(),
            })
        })
        .collect();
    let overdue = mine.iter().filter(|d| is_overdue(d, &today)).count();
    let receives = v.actor.has_anywhere(Role::Clerk) || v.actor.has_anywhere(Role::Head);
    let incoming = if receives {
        let mut all = Vec::new();
        for status in ["01", "13"] {
            let f = InboxFilter {
                status: Some(status.into()),
                limit: Some(50),
                ..InboxFilter::default()
            };
            if let Ok(items) = s.office.inbox(&v.actor, &f).await {
                all.extend(items.iter().map(|i| InRow::of(i, &v.c)));
            }
        }
        all
    } else {
        Vec::new()
    };
    page::ok(&Dashboard {
        priorities: PRIORITIES
            .iter()
            .map(|p| v.c.named("priority", p))
            .collect(),
        counts,
        overdue,
        rows: mine.iter().map(|d| Row::of(d, &v.c, &today)).collect(),
        incoming,
        c: v.c,
    })
}
