//! Incoming documents: the queue of each agency with the verification on
//! arrival as a green or red badge and its sentence, one incoming
//! document with its signature cards, and the recipient's actions
//! (register — with the next incoming number shown —, reject with a
//! reason, assign to a person or unit, process, complete, accept or
//! refuse a recall). What the page offers follows the office's delivery
//! rules ([`DELIVERY_RULES`]); the office checks them again.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::delivery::{
    Assignment, DeliveryAction, InboxFilter, IncomingView, Who, DELIVERY_RULES,
};
use kyso_office::register::Direction;
use kyso_office::{Actor, Role};
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
    assign: bool,
    process: bool,
    complete: bool,
    answer_recall: bool,
}

impl Can {
    fn any(&self) -> bool {
        self.register
            || self.reject
            || self.assign
            || self.process
            || self.complete
            || self.answer_recall
    }
}

/// Whether `actor` may take `action` on `i` now (the office's rules).
fn may(actor: &Actor, i: &IncomingView, action: DeliveryAction) -> bool {
    !i.frozen
        && DELIVERY_RULES.iter().any(|(from, a, _, who)| {
            *from == i.status
                && *a == action
                && match who {
                    Who::ClerkOrHead => {
                        actor.has(Role::Clerk, i.agency_id) || actor.has(Role::Head, i.agency_id)
                    }
                    Who::AssigneeOrHead => {
                        i.assigned_person_id == Some(actor.person_id)
                            || actor.has(Role::Head, i.agency_id)
                    }
                }
        })
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
    /// The receiving agency's people, for the assignment (id, name).
    people: Vec<(i64, String)>,
    /// Who it is assigned to (person and/or unit).
    assigned: String,
    preview: Option<super::documents::Preview>,
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let i = match s.office.incoming(&v.actor, id).await {
        Ok(i) => i,
        Err(e) => return page::not_yours(&v.c, e),
    };
    let (verdict, verify_error, verified) = match s
        .office
        .verify_signed_file(&v.actor, i.document_id, &i.files)
        .await
    {
        Ok(Some((f, r))) => (Some(Verdict::of(&r, v.c.lang)), None, Some(f)),
        Ok(None) => (None, None, None),
        Err(e) => (None, Some(v.c.pick(&e.vi, &e.en).to_string()), None),
    };
    let preview = verified
        .as_ref()
        .and_then(|f| super::documents::Preview::of(i.document_id, f));
    let can = Can {
        register: may(&v.actor, &i, DeliveryAction::Register),
        reject: may(&v.actor, &i, DeliveryAction::Reject),
        assign: may(&v.actor, &i, DeliveryAction::Assign),
        process: may(&v.actor, &i, DeliveryAction::Process),
        complete: may(&v.actor, &i, DeliveryAction::Complete),
        answer_recall: may(&v.actor, &i, DeliveryAction::AcceptRecall),
    };
    let people: Vec<(i64, String)> = if can.assign || i.assigned_person_id.is_some() {
        s.office
            .list_people(&v.actor, Some(i.agency_id))
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.id, p.full_name))
            .collect()
    } else {
        Vec::new()
    };
    let assigned = [
        i.assigned_person_id
            .and_then(|id| people.iter().find(|(p, _)| *p == id))
            .map(|(_, n)| n.clone()),
        i.assigned_unit.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" — ");
    let next_number = if can.register {
        s.office
            .next_register_number(&v.actor, i.agency_id, Direction::In)
            .await
            .ok()
    } else {
        None
    };
    let can_assign = can.assign;
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
        people: if can_assign { people } else { Vec::new() },
        assigned,
        preview,
        i,
        c,
    })
}

#[derive(Deserialize, Default)]
struct ActForm {
    reason: Option<String>,
    /// Assignment: a person of the receiving agency (empty: none) …
    person_id: Option<String>,
    /// … and/or a unit, with a note.
    unit: Option<String>,
    note: Option<String>,
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
        "assign" => (DeliveryAction::Assign, "assigned"),
        "process" => (DeliveryAction::Process, "processing"),
        "complete" => (DeliveryAction::Complete, "completed"),
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
    let assignment = (a == DeliveryAction::Assign).then(|| Assignment {
        person_id: f.person_id.as_deref().and_then(|p| p.trim().parse().ok()),
        unit: f.unit.clone().filter(|u| !u.trim().is_empty()),
        note: f.note.clone().filter(|n| !n.trim().is_empty()),
    });
    match s
        .office
        .act_on_incoming(&v.actor, id, a, reason, assignment)
        .await
    {
        Ok(_) => page::done(&format!("/inbox/{id}"), done),
        Err(e) => page::not_yours(&v.c, e),
    }
}
