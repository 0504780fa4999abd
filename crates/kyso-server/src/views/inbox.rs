//! Incoming documents: the queue of each agency with the verification on
//! arrival as a green or red badge and its sentence, one incoming
//! document with its signature cards, and the recipient's actions
//! (register — with the next incoming number shown —, reject with a
//! reason, accept or refuse a recall).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::delivery::{DeliveryAction, InboxFilter, IncomingView};
use kyso_office::register::Direction;
use serde::Deserialize;

use super::cards::{Badge, Verdict};
use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(list))
        .route("/inbox/{id}", get(show))
        .route("/inbox/{id}/{action}", post(act))
}

/// A line of the incoming queue.
pub struct InRow {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub sender: String,
    pub arrived: String,
    pub status_code: String,
    pub status: &'static str,
    pub badge: Badge,
    pub frozen: bool,
}

impl InRow {
    pub fn of(i: &IncomingView, c: &Chrome) -> InRow {
        InRow {
            id: i.id,
            number: i.number_text.clone().unwrap_or_default(),
            subject: i.subject.clone(),
            sender: i.sender_name.clone(),
            arrived: fmt::when(&i.arrived_at),
            status_code: i.status.clone(),
            status: c.named("status", &i.status),
            badge: Badge::of_code(&i.verification, c.lang),
            frozen: i.frozen,
        }
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    q: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "inbox.html")]
struct ListPage {
    c: Chrome,
    incoming: Vec<InRow>,
    status: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
}

const STATUSES: [&str; 9] = ["01", "02", "03", "04", "05", "06", "13", "15", "16"];

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Response {
    let status = q.status.clone().filter(|x| STATUSES.contains(&x.as_str()));
    let f = InboxFilter {
        status: status.clone(),
        q: q.q.clone().filter(|x| !x.trim().is_empty()),
        limit: Some(200),
        ..InboxFilter::default()
    };
    let items = match s.office.inbox(&v.actor, &f).await {
        Ok(i) => i,
        Err(e) => return page::error(&v.c, &e),
    };
    page::ok(&ListPage {
        incoming: items.iter().map(|i| InRow::of(i, &v.c)).collect(),
        status: status.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        statuses: STATUSES
            .iter()
            .map(|x| (*x, v.c.named("status", x)))
            .collect(),
        c: v.c,
    })
}

struct FileRow {
    id: i64,
    code: String,
    role: &'static str,
    name: String,
    size: String,
}

/// What the recipient may do now.
#[derive(Default)]
struct Can {
    register: bool,
    reject: bool,
    answer_recall: bool,
}

#[derive(askama::Template)]
#[template(path = "incoming.html")]
struct IncomingPage {
    c: Chrome,
    i: IncomingView,
    row: InRow,
    v: Option<Verdict>,
    verify_error: Option<String>,
    files: Vec<FileRow>,
    history: Vec<(String, &'static str, String)>,
    can: Can,
    next_number: Option<i64>,
    issued: String,
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let i = match s.office.incoming(&v.actor, id).await {
        Ok(i) => i,
        Err(e) => return page::not_yours(&v.c, e),
    };
    let (verdict, verify_error) = match s
        .office
        .verify_signed_file(&v.actor, i.document_id, &i.files)
        .await
    {
        Ok(r) => (r.map(|(_, r)| Verdict::of(&r, v.c.lang)), None),
        Err(e) => (None, Some(v.c.pick(&e.vi, &e.en).to_string())),
    };
    let can = Can {
        register: i.status == "01" && !i.frozen,
        reject: i.status == "01" && !i.frozen,
        answer_recall: i.status == "13",
    };
    let next_number = if can.register {
        s.office
            .next_register_number(&v.actor, i.agency_id, Direction::In)
            .await
            .ok()
    } else {
        None
    };
    let c = v.c;
    page::ok(&IncomingPage {
        row: InRow::of(&i, &c),
        v: verdict,
        verify_error,
        files: i
            .files
            .iter()
            .map(|f| FileRow {
                id: f.id,
                code: f.role.clone(),
                role: c.named("file", &f.role),
                name: f.name.clone(),
                size: fmt::size(f.size),
            })
            .collect(),
        history: i
            .events
            .iter()
            .map(|e| {
                (
                    e.status.clone(),
                    c.named("status", &e.status),
                    fmt::when(&e.at),
                )
            })
            .collect(),
        can,
        next_number,
        issued: i.issued_date.as_deref().map(fmt::when).unwrap_or_default(),
        i,
        c,
    })
}

#[derive(Deserialize, Default)]
struct ActForm {
    reason: Option<String>,
}

async fn act(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    let (a, done) = match action.as_str() {
        "register" => (DeliveryAction::Register, "registered"),
        "reject" => (DeliveryAction::Reject, "rejected"),
        "accept-recall" => (DeliveryAction::AcceptRecall, "recall-accepted"),
        "refuse-recall" => (DeliveryAction::RefuseRecall, "recall-refused"),
        _ => {
            return page::error(
                &v.c,
                &kyso_office::OfficeError::not_found("thao tác", "action"),
            )
        }
    };
    let reason = f.reason.as_deref().filter(|r| !r.trim().is_empty());
    match s
        .office
        .act_on_incoming(&v.actor, id, a, reason, None)
        .await
    {
        Ok(_) => page::done(&format!("/inbox/{id}"), done),
        Err(e) => page::not_yours(&v.c, e),
    }
}
