//! Sealing and issuing many documents at once (issue 11 §6): the clerk
//! chooses, among the documents waiting for a number, the seal or the
//! issue in their agencies, those to finish; the page then works through
//! them one request at a time — each one the office's own use cases
//! (number and seal, then issue), each answered with its result — and
//! shows the progress as it goes, so a long batch never freezes the page
//! and a refusal of one document stops none of the others. The state is
//! in the page, not in a server process: any replica answers any step.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::document::state::{transition, Action, State as DocState};
use kyso_office::document::{DocumentFilter, DocumentSummary};
use kyso_office::{Actor, Role};
use serde::Deserialize;

use super::page::{self, Chrome, Viewer};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents/batch", get(choose).post(start))
        .route("/documents/batch/step", post(step))
}

/// Most documents in one batch.
const MAX_BATCH: usize = 100;

/// The states a document may wait in for the clerk's number, seal or
/// issue.
const WAITING: [DocState; 4] = [
    DocState::Draft,
    DocState::Approved,
    DocState::Numbered,
    DocState::Sealed,
];

/// Whether `a` may finish `d` in a batch: a clerk of its agency, and its
/// state allows numbering, sealing or issuing next.
fn finishable(a: &Actor, d: &DocumentSummary) -> bool {
    a.has(Role::Clerk, d.agency_id)
        && [Action::Number, Action::Seal, Action::Issue]
            .iter()
            .any(|x| transition(d.flow, d.state, *x).is_ok())
}

/// A document as the batch lists it.
struct Item {
    id: i64,
    label: String,
}

fn label(c: &Chrome, d: &DocumentSummary) -> String {
    let head = d.number_text.clone().unwrap_or_else(|| d.type_code.clone());
    format!(
        "{head} — {} ({})",
        d.subject,
        c.named("state", d.state.code())
    )
}

#[derive(askama::Template)]
#[template(path = "batch.html")]
struct ChoosePage {
    c: Chrome,
    items: Vec<Item>,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "batch_run.html")]
struct RunPage {
    c: Chrome,
    items: Vec<Item>,
    next: Next,
}

/// The element that asks for the next step (or says the batch is over).
struct Next {
    /// The ids still to do, comma-separated; empty when done.
    ids: String,
    total: usize,
    done: usize,
    failed: usize,
}

/// One step's answer: the item's line, the progress, and what comes next
/// (out-of-band swaps, htmx).
#[derive(askama::Template)]
#[template(path = "_batch_step.html")]
struct StepFragment {
    c: Chrome,
    id: i64,
    ok: bool,
    message: String,
    next: Next,
}

async fn candidates(s: &AppState, v: &Viewer) -> Result<Vec<Item>, kyso_office::OfficeError> {
    let mut items = Vec::new();
    for state in WAITING {
        let f = DocumentFilter {
            state: Some(state),
            limit: Some(MAX_BATCH as u64),
            ..DocumentFilter::default()
        };
        for d in s.office.list_documents(&v.actor, &f).await? {
            if finishable(&v.actor, &d) {
                items.push(Item {
                    id: d.id,
                    label: label(&v.c, &d),
                });
            }
        }
    }
    items.sort_by_key(|i| i.id);
    Ok(items)
}

async fn choose(State(s): State<AppState>, v: Viewer) -> Response {
    choose_page(&s, v, None).await
}

async fn choose_page(s: &AppState, v: Viewer, error: Option<String>) -> Response {
    if !v.actor.memberships.iter().any(|m| m.role == Role::Clerk) {
        return page::error(
            &v.c,
            &kyso_office::OfficeError::forbidden(
                "chỉ văn thư đóng dấu và phát hành văn bản",
                "only clerks seal and issue documents",
            ),
        );
    }
    match candidates(s, &v).await {
        Ok(items) => page::ok(&ChoosePage {
            items,
            error,
            c: v.c,
        }),
        Err(e) => page::error(&v.c, &e),
    }
}

/// The chosen documents (`id=3&id=5…`), started.
async fn start(State(s): State<AppState>, v: Viewer, body: String) -> Response {
    let mut ids: Vec<i64> = serde_urlencoded::from_str::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, x)| x.parse().ok())
        .collect();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_BATCH {
        let why = if ids.is_empty() {
            v.c.t("batch.nothing_chosen").to_string()
        } else {
            format!("{} {MAX_BATCH}", v.c.t("batch.too_many"))
        };
        return choose_page(&s, v, Some(why)).await;
    }
    // The labels as the list showed them; an id not among them is left
    // to the office, which refuses it in its own step.
    let known = match candidates(&s, &v).await {
        Ok(k) => k,
        Err(e) => return page::error(&v.c, &e),
    };
    let items = ids
        .iter()
        .map(|id| Item {
            id: *id,
            label: known
                .iter()
                .find(|k| k.id == *id)
                .map(|k| k.label.clone())
                .unwrap_or_else(|| format!("#{id}")),
        })
        .collect();
    page::ok(&RunPage {
        next: Next {
            ids: join(&ids),
            total: ids.len(),
            done: 0,
            failed: 0,
        },
        items,
        c: v.c,
    })
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

#[derive(Deserialize)]
struct StepForm {
    ids: String,
    total: usize,
    done: usize,
    failed: usize,
}

/// Numbers, seals and issues the first of `ids` (what its state still
/// needs), and answers with its line and the next step.
async fn step(State(s): State<AppState>, v: Viewer, Form(f): Form<StepForm>) -> Response {
    let ids: Vec<i64> = f
        .ids
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .take(MAX_BATCH)
        .collect();
    let Some((&id, rest)) = ids.split_first() else {
        return page::error(
            &v.c,
            &kyso_office::OfficeError::invalid(
                "batch-empty",
                "không còn văn bản nào trong lượt này",
                "no document left in this batch",
            ),
        );
    };
    let result = finish(&s, &v.actor, id).await;
    let (ok, message) = match &result {
        Ok(number) => (true, format!("{number} — {}", v.c.t("batch.issued"))),
        Err(e) => (false, page::message(&v.c, e)),
    };
    page::ok(&StepFragment {
        id,
        ok,
        message,
        next: Next {
            ids: join(rest),
            total: f.total.max(ids.len()),
            done: f.done + 1,
            failed: f.failed + usize::from(!ok),
        },
        c: v.c,
    })
}

/// Document `id` numbered and sealed when it still needs it, then issued:
/// its number.
async fn finish(s: &AppState, a: &Actor, id: i64) -> Result<String, kyso_office::OfficeError> {
    let d = s.office.document(a, id).await?;
    if d.next_actions
        .iter()
        .any(|x| matches!(x, Action::Number | Action::Seal))
    {
        s.office.number_and_seal(a, id).await?;
    }
    let d = s.office.issue(a, id).await?;
    Ok(d.number_text.unwrap_or_default())
}
