//! Records files (hồ sơ) for clerks, heads and auditors: the agency's
//! list of files of a year with the form that opens one, and each file
//! with its documents in order, the form that files another, closing,
//! and the hand-over export (ZIP). The register page's export of a
//! register year is here too.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::archive::export::ExportSelection;
use kyso_office::records_file::{Access, Fileable, NewRecordsFile, RecordsFileView};
use kyso_office::register::Direction;
use kyso_office::Role;
use serde::Deserialize;

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::extract::{Path, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/records", get(list).post(create))
        .route("/records/{id}", get(show))
        .route("/records/{id}/documents", post(add))
        .route("/records/{id}/close", post(close))
        .route("/records/{id}/export", get(export_file))
        .route("/registers/archive", get(export_register))
}

/// The retention periods the form offers (the Ministry's tables use
/// these), `permanent` first.
const RETENTIONS: &[&str] = &[
    "permanent",
    "70",
    "50",
    "30",
    "20",
    "15",
    "10",
    "5",
    "3",
    "2",
];

#[derive(Deserialize, Default)]
struct ListQuery {
    agency_id: Option<i64>,
    year: Option<i32>,
}

/// A file as a row or a heading shows it.
struct FileRow {
    id: i64,
    code: String,
    title: String,
    retention: String,
    access: &'static str,
    documents: usize,
    pages: i64,
    closed: bool,
    dates: String,
}

struct ItemRow {
    position: i32,
    document_id: i64,
    number_text: String,
    subject: String,
    date: String,
    pages: i32,
    incoming: bool,
}

#[derive(askama::Template)]
#[template(path = "records.html")]
struct ListPage {
    c: Chrome,
    agencies: Vec<(i64, String)>,
    agency_id: i64,
    year: i32,
    years: Vec<i32>,
    files: Vec<FileRow>,
    can_keep: bool,
    retentions: Vec<(&'static str, String)>,
    f: NewForm,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "records_file.html")]
struct FilePage {
    c: Chrome,
    f: FileRow,
    year: i32,
    agency_id: i64,
    language: String,
    keywords: String,
    note: String,
    items: Vec<ItemRow>,
    can_keep: bool,
    candidates: Vec<Fileable>,
}

fn retention_text(c: &Chrome, code: &str) -> String {
    if code == "permanent" {
        c.t("records.permanent").to_string()
    } else {
        format!("{code} {}", c.t("records.years"))
    }
}

fn row(c: &Chrome, f: &RecordsFileView) -> FileRow {
    let dates = match (&f.start_date, &f.end_date) {
        (Some(a), Some(b)) if a == b => fmt::day(a),
        (Some(a), Some(b)) => format!("{} – {}", fmt::day(a), fmt::day(b)),
        _ => String::new(),
    };
    FileRow {
        id: f.id,
        code: f.code.clone(),
        title: f.title.clone(),
        retention: retention_text(c, &f.retention),
        access: c.named("records.access", f.access.code()),
        documents: f.documents.len(),
        pages: f.page_count,
        closed: f.closed_at.is_some(),
        dates,
    }
}

/// The agencies whose files the person reads (clerk, head, auditor), and
/// whether they keep (clerk, head) the chosen one's.
fn agencies(v: &Viewer) -> Vec<(i64, String)> {
    let mut a: Vec<(i64, String)> = v
        .actor
        .memberships
        .iter()
        .filter(|m| matches!(m.role, Role::Clerk | Role::Head | Role::Auditor))
        .map(|m| (m.agency_id, m.agency_name.clone()))
        .collect();
    a.dedup_by_key(|x| x.0);
    a
}

fn keeps(v: &Viewer, agency_id: i64) -> bool {
    v.actor.has(Role::Clerk, agency_id) || v.actor.has(Role::Head, agency_id)
}

fn this_year() -> i32 {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .year()
}

fn not_yours(c: &Chrome) -> Response {
    page::error(
        c,
        &kyso_office::OfficeError::forbidden(
            "chỉ văn thư, thủ trưởng hoặc kiểm tra viên xem được hồ sơ của cơ quan",
            "only clerks, heads and auditors read the agency's records files",
        ),
    )
}

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Response {
    list_page(&s, v, q, None, None).await
}

/// The list of `q`'s agency and year; with the form as it was sent and
/// why it was refused.
async fn list_page(
    s: &AppState,
    v: Viewer,
    q: ListQuery,
    form: Option<NewForm>,
    error: Option<String>,
) -> Response {
    let agencies = agencies(&v);
    let Some(first) = agencies.first().map(|a| a.0) else {
        return not_yours(&v.c);
    };
    let agency_id = q
        .agency_id
        .filter(|id| agencies.iter().any(|a| a.0 == *id))
        .unwrap_or(first);
    let now = this_year();
    let year = q
        .year
        .filter(|y| (2000..=now + 1).contains(y))
        .unwrap_or(now);
    let f = form.unwrap_or_else(|| NewForm {
        agency_id,
        year,
        retention: "permanent".into(),
        access: "public".into(),
        ..NewForm::default()
    });
    let files = match s.office.records_files(&v.actor, agency_id, year).await {
        Ok(f) => f,
        Err(e) => return page::error(&v.c, &e),
    };
    page::ok(&ListPage {
        files: files.iter().map(|f| row(&v.c, f)).collect(),
        can_keep: keeps(&v, agency_id),
        retentions: RETENTIONS
            .iter()
            .map(|r| (*r, retention_text(&v.c, r)))
            .collect(),
        agencies,
        agency_id,
        year,
        years: (now - 4..=now + 1).rev().collect(),
        f,
        error,
        c: v.c,
    })
}

#[derive(Deserialize, Default)]
struct NewForm {
    agency_id: i64,
    year: i32,
    #[serde(default)]
    number: String,
    notation: String,
    title: String,
    retention: String,
    access: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    note: String,
}

impl NewForm {
    fn parse(&self) -> Result<NewRecordsFile, kyso_office::OfficeError> {
        let number = match self.number.trim() {
            "" => None,
            n => Some(n.parse::<i32>().map_err(|_| {
                kyso_office::OfficeError::invalid(
                    "number",
                    format!("số hồ sơ không hợp lệ: {n}"),
                    format!("invalid file number: {n}"),
                )
            })?),
        };
        Ok(NewRecordsFile {
            agency_id: self.agency_id,
            year: self.year,
            number,
            notation: self.notation.clone(),
            title: self.title.clone(),
            retention: self.retention.clone(),
            access: Access::parse(&self.access)?,
            language: None,
            keywords: self.keywords.clone(),
            note: self.note.clone(),
        })
    }
}

async fn create(State(s): State<AppState>, v: Viewer, Form(f): Form<NewForm>) -> Response {
    let r = match f.parse() {
        Ok(n) => s.office.create_records_file(&v.actor, n).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(r) => page::done(&format!("/records/{}", r.id), "records-created"),
        Err(e) => {
            let msg = page::message(&v.c, &e);
            let q = ListQuery {
                agency_id: Some(f.agency_id),
                year: Some(f.year),
            };
            list_page(&s, v, q, Some(f), Some(msg)).await
        }
    }
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    let f = match s.office.records_file(&v.actor, id).await {
        Ok(f) => f,
        Err(e) => return page::error(&v.c, &e),
    };
    let can_keep = keeps(&v, f.agency_id) && f.closed_at.is_none();
    let candidates = if can_keep {
        match s.office.fileable_documents(&v.actor, id).await {
            Ok(c) => c,
            Err(e) => return page::error(&v.c, &e),
        }
    } else {
        Vec::new()
    };
    let items = f
        .documents
        .iter()
        .map(|d| ItemRow {
            position: d.position,
            document_id: d.document_id,
            number_text: d.number_text.clone().unwrap_or_default(),
            subject: format!("{} {}", d.type_name, d.subject),
            date: d.issued_date.as_deref().map(fmt::day).unwrap_or_default(),
            pages: d.page_count,
            incoming: d.incoming,
        })
        .collect();
    page::ok(&FilePage {
        f: row(&v.c, &f),
        year: f.year,
        agency_id: f.agency_id,
        language: f.language.clone(),
        keywords: f.keywords.clone(),
        note: f.note.clone(),
        items,
        can_keep,
        candidates,
        c: v.c,
    })
}

#[derive(Deserialize)]
struct AddForm {
    document_id: i64,
}

async fn add(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<AddForm>,
) -> Response {
    match s.office.file_document(&v.actor, id, f.document_id).await {
        Ok(_) => page::done(&format!("/records/{id}"), "records-added"),
        Err(e) => page::error(&v.c, &e),
    }
}

async fn close(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.close_records_file(&v.actor, id).await {
        Ok(_) => page::done(&format!("/records/{id}"), "records-closed"),
        Err(e) => page::error(&v.c, &e),
    }
}

async fn export_file(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    crate::api::archive::export_zip(&s, &v.actor, &ExportSelection::RecordsFile(id))
        .await
        .unwrap_or_else(|e| page::error(&v.c, &e))
}

#[derive(Deserialize)]
struct RegisterQuery {
    agency_id: i64,
    direction: String,
    year: i32,
}

/// The hand-over export of a register year, from the register page.
async fn export_register(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<RegisterQuery>,
) -> Response {
    let sel = ExportSelection::Register {
        agency_id: q.agency_id,
        direction: if q.direction == "in" {
            Direction::In
        } else {
            Direction::Out
        },
        year: q.year,
    };
    crate::api::archive::export_zip(&s, &v.actor, &sel)
        .await
        .unwrap_or_else(|e| page::error(&v.c, &e))
}
