//! Outgoing documents: the list with filters, one document with its files,
//! recipients and signature cards, and the actions its state and the
//! person's roles allow (submit, cancel, return with a comment, number
//! and seal, issue, recall with a reason). Every action is one use case
//! of the office; its answer is the document again with a message.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::document::state::{Action, Flow, State as DocState};
use kyso_office::document::{DocumentFilter, DocumentSummary, DocumentView, FileView};
use kyso_office::register::Direction;
use kyso_office::{Actor, Role};
use serde::Deserialize;

use super::cards::Verdict;
use super::fmt::{self, action_code};
use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents", get(list))
        .route("/documents/{id}", get(show))
        .route("/documents/{id}/submit", post(submit))
        .route("/documents/{id}/cancel", post(cancel))
        .route("/documents/{id}/return", post(return_draft))
        .route("/documents/{id}/seal", post(seal))
        .route("/documents/{id}/issue", post(issue))
        .route("/documents/{id}/recall", post(recall))
        .route("/documents/{id}/files/{file_id}", get(file))
        .route("/documents/{id}/print", get(print))
        .route("/documents/{id}/report", get(report))
        .route("/documents/{id}/report.json", get(report_json))
}

/// A line of a list of documents.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub type_code: String,
    pub state_code: &'static str,
    pub state: &'static str,
    pub priority_code: &'static str,
    pub priority: &'static str,
    pub due: String,
    pub overdue: bool,
    pub updated: String,
}

impl Row {
    pub fn of(d: &DocumentSummary, c: &Chrome, today: &str) -> Row {
        Row {
            id: d.id,
            number: d.number_text.clone().unwrap_or_default(),
            subject: d.subject.clone(),
            type_code: d.type_code.clone(),
            state_code: d.state.code(),
            state: c.named("state", d.state.code()),
            priority_code: d.priority.code(),
            priority: c.named("priority", d.priority.code()),
            due: d.due_date.as_deref().map(fmt::when).unwrap_or_default(),
            overdue: is_overdue(d, today),
            updated: fmt::when(&d.updated_at),
        }
    }
}

/// Past its due date and not yet out of the office's hands.
pub fn is_overdue(d: &DocumentSummary, today: &str) -> bool {
    let open = !matches!(
        d.state,
        DocState::Issued | DocState::Recalled | DocState::Cancelled
    );
    open && d.due_date.as_deref().is_some_and(|due| due < today)
}

#[derive(Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    q: Option<String>,
    /// `1`: only the documents I drafted.
    mine: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "documents.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    q: String,
    state: String,
    mine: bool,
    states: Vec<(&'static str, &'static str)>,
}

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Response {
    // A filter from the query: an unknown or empty one is no filter (and
    // not an error of the office).
    let state = q
        .state
        .as_deref()
        .and_then(|x| DocState::ALL.into_iter().find(|s| s.code() == x));
    let mine = q.mine.as_deref() == Some("1");
    let f = DocumentFilter {
        state,
        mine: Some(mine),
        q: q.q.clone().filter(|x| !x.trim().is_empty()),
        limit: Some(200),
        ..DocumentFilter::default()
    };
    let docs = match s.office.list_documents(&v.actor, &f).await {
        Ok(d) => d,
        Err(e) => return page::error(&v.c, &e),
    };
    let today = fmt::today_iso(s.office.now());
    let rows = docs.iter().map(|d| Row::of(d, &v.c, &today)).collect();
    let states = DocState::ALL
        .iter()
        .map(|x| (x.code(), v.c.named("state", x.code())))
        .collect();
    page::ok(&ListPage {
        rows,
        q: q.q.unwrap_or_default(),
        state: state.map(|x| x.code().to_string()).unwrap_or_default(),
        mine,
        states,
        c: v.c,
    })
}

/// A file line.
struct FileRow {
    id: i64,
    code: String,
    role: &'static str,
    name: String,
    size: String,
    sha256: String,
    is_pdf: bool,
}

/// The PDF the page previews.
pub struct Preview {
    /// Its download URL (same origin, behind the session).
    pub src: String,
    pub name: String,
}

impl Preview {
    /// File `f` of document `doc`, when it is a PDF.
    pub fn of(doc: i64, f: &FileView) -> Option<Preview> {
        (f.media_type == "application/pdf").then(|| Preview {
            src: format!("/documents/{doc}/files/{}", f.id),
            name: f.name.clone(),
        })
    }
}

/// A recipient line (the sender's view of its statuses).
struct RecipientRow {
    name: String,
    status: String,
    status_code: String,
    history: String,
}

/// What the person may do here now.
#[derive(Default)]
struct Can {
    revise: bool,
    submit: bool,
    cancel: bool,
    back: bool,
    approve: bool,
    seal: bool,
    issue: bool,
    recall: bool,
    /// An issued document: its print-out (R-PRINT).
    print: bool,
}

fn can(a: &Actor, d: &DocumentView) -> Can {
    let has = |r: Role| a.has(r, d.agency_id);
    let next = |x: Action| d.next_actions.contains(&x);
    let mine = d.drafter_id == a.person_id;
    Can {
        revise: next(Action::Revise) && (mine || has(Role::Drafter)),
        submit: next(Action::Submit) && has(Role::Drafter),
        cancel: next(Action::Cancel) && (mine || has(Role::Clerk)),
        back: next(Action::Return) && has(Role::Approver),
        approve: next(Action::Approve) && has(Role::Approver),
        seal: (next(Action::Number) || next(Action::Seal)) && has(Role::Clerk),
        issue: next(Action::Issue) && has(Role::Clerk),
        recall: next(Action::Recall) && has(Role::Clerk),
        print: d.issued_at.is_some(),
    }
}

#[derive(askama::Template)]
#[template(path = "document.html")]
struct DocPage {
    c: Chrome,
    d: DocumentView,
    flow: &'static str,
    state: &'static str,
    priority: &'static str,
    due: String,
    created: String,
    issued: String,
    actions: Vec<&'static str>,
    files: Vec<FileRow>,
    recipients: Vec<RecipientRow>,
    v: Option<Verdict>,
    verify_error: Option<String>,
    can: Can,
    next_number: Option<i64>,
    preview: Option<Preview>,
    portal: super::portal::PortalBox,
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let d = match s.office.document(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return page::not_yours(&v.c, e),
    };
    let (verdict, verify_error, verified) =
        match s.office.verify_signed_file(&v.actor, id, &d.files).await {
            Ok(Some((f, r))) => (Some(Verdict::of(&r, v.c.lang)), None, Some(f)),
            Ok(None) => (None, None, None),
            Err(e) => (None, Some(v.c.pick(&e.vi, &e.en).to_string()), None),
        };
    // The signed file when there is one, else the latest draft.
    let preview = verified
        .as_ref()
        .or_else(|| d.files.iter().rev().find(|f| f.role == "draft"))
        .and_then(|f| Preview::of(id, f));
    let can = can(&v.actor, &d);
    let next_number = if can.seal {
        s.office
            .next_register_number(&v.actor, d.agency_id, Direction::Out)
            .await
            .ok()
    } else {
        None
    };
    let portal = super::portal::PortalBox::of(&s, &v.c, &v.actor, &d).await;
    let c = v.c;
    page::ok(&DocPage {
        portal,
        flow: match d.flow {
            Flow::Two => c.t("flow.two"),
            Flow::Seal => c.t("flow.seal"),
        },
        state: c.named("state", d.state.code()),
        priority: c.named("priority", d.priority.code()),
        due: d.due_date.as_deref().map(fmt::when).unwrap_or_default(),
        created: fmt::when(&d.created_at),
        issued: d.issued_at.as_deref().map(fmt::when).unwrap_or_default(),
        actions: d
            .next_actions
            .iter()
            .map(|a| c.named("action", action_code(*a)))
            .collect(),
        files: d
            .files
            .iter()
            .map(|f| FileRow {
                id: f.id,
                code: f.role.clone(),
                role: c.named("file", &f.role),
                name: f.name.clone(),
                size: fmt::size(f.size),
                sha256: f.sha256.clone(),
                is_pdf: f.media_type == "application/pdf",
            })
            .collect(),
        recipients: d
            .recipients
            .iter()
            .map(|r| RecipientRow {
                name: r.agency_name.clone(),
                status: r
                    .status
                    .as_deref()
                    .map(|x| format!("{x} — {}", c.named("status", x)))
                    .unwrap_or_else(|| c.t("recipient.not_sent").to_string()),
                status_code: r.status.clone().unwrap_or_default(),
                history: r
                    .events
                    .iter()
                    .map(|e| format!("{} {}", e.status, fmt::when(&e.at)))
                    .collect::<Vec<_>>()
                    .join(" → "),
            })
            .collect(),
        v: verdict,
        verify_error,
        can,
        next_number,
        preview,
        d,
        c,
    })
}

fn here(id: i64) -> String {
    format!("/documents/{id}")
}

async fn submit(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.submit_draft(&v.actor, id).await {
        Ok(_) => page::done(&here(id), "submitted"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

async fn cancel(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.cancel_draft(&v.actor, id).await {
        Ok(_) => page::done(&here(id), "cancelled"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

#[derive(Deserialize)]
struct CommentForm {
    comment: String,
}

async fn return_draft(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Response {
    match s.office.return_draft(&v.actor, id, &f.comment).await {
        Ok(_) => page::done(&here(id), "returned"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

async fn seal(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.number_and_seal(&v.actor, id).await {
        Ok(_) => page::done(&here(id), "sealed"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

async fn issue(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.issue(&v.actor, id).await {
        Ok(_) => page::done(&here(id), "issued"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: String,
}

async fn recall(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Response {
    match s.office.recall(&v.actor, id, &f.reason).await {
        Ok(_) => page::done(&here(id), "recalled"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

async fn file(State(s): State<AppState>, v: Viewer, Path((id, fid)): Path<(i64, i64)>) -> Response {
    match s.office.document_file(&v.actor, id, fid).await {
        Ok((f, bytes)) => page::download(&f.name, &f.media_type, bytes.to_vec()),
        Err(e) => page::not_yours(&v.c, e),
    }
}

/// The print-out of an issued document (R-PRINT).
async fn print(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.print_copy(&v.actor, id).await {
        Ok((bytes, name)) => page::download(&name, "application/pdf", bytes),
        Err(e) => page::not_yours(&v.c, e),
    }
}

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    back: String,
    json: String,
    file_name: String,
    v: Verdict,
}

async fn report(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let d = match s.office.document(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return page::not_yours(&v.c, e),
    };
    match s.office.verify_signed_file(&v.actor, id, &d.files).await {
        Ok(Some((f, r))) => page::ok(&ReportPage {
            back: here(id),
            json: format!("/documents/{id}/report.json"),
            file_name: f.name,
            v: Verdict::of(&r, v.c.lang),
            c: v.c,
        }),
        Ok(None) => page::error(
            &v.c,
            &kyso_office::OfficeError::not_found("tệp đã ký", "signed file"),
        ),
        Err(e) => page::error(&v.c, &e),
    }
}

async fn report_json(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let d = match s.office.document(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return page::not_yours(&v.c, e),
    };
    match s.office.verify_signed_file(&v.actor, id, &d.files).await {
        Ok(Some((f, r))) => page::download(
            &format!("{}.report.json", f.name.trim_end_matches(".pdf")),
            "application/json",
            serde_json::to_vec_pretty(&r).unwrap_or_default(),
        ),
        Ok(None) => page::error(
            &v.c,
            &kyso_office::OfficeError::not_found("tệp đã ký", "signed file"),
        ),
        Err(e) => page::error(&v.c, &e),
    }
}
