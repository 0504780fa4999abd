//! The drafter's new document: the main PDF and attachments, the
//! metadata of Decree 30/2020 (type, subject, category, priority, due
//! date), the recipients chosen from the agency tree (searchable), the
//! flow. The form is checked here first, with a message in the person's
//! language next to each field; the office then checks everything again
//! (and its refusals are shown above the form).

use axum::extract::{DefaultBodyLimit, Multipart, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use kyso_office::agency::AgencyView;
use kyso_office::document::draft::{NewDraft, Upload, MAX_ATTACHMENTS};
use kyso_office::document::metadata::{fold, DocumentMetadata, Priority};
use kyso_office::document::state::Flow;
use kyso_office::{Actor, Role};

use super::page::{self, Chrome, Viewer};
use crate::{limits, AppState};

pub fn routes(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/documents/new", get(form).post(create))
        .route("/documents/new/agencies", get(agencies))
        .route("/documents/{id}/revise", axum::routing::post(revise))
        .layer(DefaultBodyLimit::max(limits::multipart(max_upload)))
}

/// An agency of the recipients' tree.
pub struct AgencyItem {
    id: i64,
    name: String,
    code: String,
    depth: usize,
    checked: bool,
    shown: bool,
}

/// The tree: every agency under its parent, in code order, `depth` deep.
fn tree(all: &[AgencyView], chosen: &[i64], q: &str, own: &[i64]) -> Vec<AgencyItem> {
    let needle = fold(q.trim());
    let mut out = Vec::new();
    for (a, d) in super::agency_tree::in_tree_order(all) {
        if !a.active || own.contains(&a.id) {
            continue;
        }
        let hit = needle.is_empty()
            || fold(&a.name).contains(&needle)
            || a.code.to_lowercase().contains(&needle)
            || fold(&a.short_name).contains(&needle);
        out.push(AgencyItem {
            id: a.id,
            name: a.name.clone(),
            code: a.code.clone(),
            depth: d,
            checked: chosen.contains(&a.id),
            shown: hit || chosen.contains(&a.id),
        });
    }
    out
}

/// What the drafter typed, to show it again.
#[derive(Default, Clone)]
pub struct Entered {
    agency_id: i64,
    flow: String,
    type_code: String,
    subject: String,
    category: String,
    priority: String,
    due: String,
    recipients: Vec<i64>,
}

/// The messages next to the fields.
#[derive(Default)]
pub struct FieldErrors {
    subject: Option<&'static str>,
    type_code: Option<&'static str>,
    file: Option<&'static str>,
    attachment: Option<&'static str>,
    due: Option<&'static str>,
    agency: Option<&'static str>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.subject.is_some()
            || self.type_code.is_some()
            || self.file.is_some()
            || self.attachment.is_some()
            || self.due.is_some()
            || self.agency.is_some()
    }
}

#[derive(askama::Template)]
#[template(path = "new_document.html")]
struct NewPage {
    c: Chrome,
    e: Entered,
    err: FieldErrors,
    /// The office's refusal, if it refused.
    refusal: Option<String>,
    agencies: Vec<(i64, String)>,
    types: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    priorities: Vec<(&'static str, &'static str)>,
    tree: Vec<AgencyItem>,
    q: String,
    max_attachments: usize,
}

/// The agencies where the person drafts (a drafter: both flows; a clerk:
/// the one-signature flow of a scanned original, R-FLOW-SEAL).
fn drafting_agencies(a: &Actor) -> Vec<(i64, String)> {
    let mut v: Vec<(i64, String)> = a
        .memberships
        .iter()
        .filter(|m| matches!(m.role, Role::Drafter | Role::Clerk))
        .map(|m| (m.agency_id, m.agency_name.clone()))
        .collect();
    v.dedup_by_key(|x| x.0);
    v
}

async fn new_page(
    s: &AppState,
    v: Viewer,
    e: Entered,
    err: FieldErrors,
    refusal: Option<String>,
) -> Response {
    let agencies = drafting_agencies(&v.actor);
    if agencies.is_empty() {
        let e = kyso_office::OfficeError::forbidden(
            "chỉ chuyên viên soạn thảo (hoặc văn thư, với bản quét) mới tạo được văn bản",
            "only drafters (or clerks, for a scanned original) create documents",
        );
        return page::error(&v.c, &e);
    }
    let lang = v.c.lang;
    let types = match s.office.document_types(&v.actor).await {
        Ok(t) => t
            .into_iter()
            .map(|t| {
                let name = lang.pick(&t.name_vi, &t.name_en).to_string();
                (t.code, name)
            })
            .collect(),
        Err(e) => return page::error(&v.c, &e),
    };
    let agency_id = if e.agency_id == 0 {
        agencies[0].0
    } else {
        e.agency_id
    };
    let categories = s
        .office
        .categories(&v.actor, Some(agency_id))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let name = if lang == super::i18n::Lang::En && !c.name_en.is_empty() {
                c.name_en
            } else {
                c.name_vi
            };
            (c.code, name)
        })
        .collect();
    let all = s
        .office
        .list_agencies(&v.actor, None)
        .await
        .unwrap_or_default();
    let own: Vec<i64> = vec![agency_id];
    let status = if err.any() || refusal.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    page::render(
        status,
        &NewPage {
            priorities: ["thuong", "khan", "thuong_khan", "hoa_toc"]
                .iter()
                .map(|p| (*p, v.c.named("priority", p)))
                .collect(),
            tree: tree(&all, &e.recipients, "", &own),
            q: String::new(),
            agencies,
            types,
            categories,
            e: Entered { agency_id, ..e },
            err,
            refusal,
            max_attachments: MAX_ATTACHMENTS,
            c: v.c,
        },
    )
}

async fn form(State(s): State<AppState>, v: Viewer) -> Response {
    let e = Entered {
        flow: "two".into(),
        priority: "thuong".into(),
        type_code: "CV".into(),
        ..Entered::default()
    };
    new_page(&s, v, e, FieldErrors::default(), None).await
}

#[derive(askama::Template)]
#[template(path = "_agencies.html")]
struct AgencyList {
    c: Chrome,
    tree: Vec<AgencyItem>,
}

/// The recipients' tree filtered by `q`, the chosen ones kept (htmx).
async fn agencies(State(s): State<AppState>, v: Viewer, RawQuery(raw): RawQuery) -> Response {
    let mut q = String::new();
    let mut chosen = Vec::new();
    let mut agency_id = 0;
    for (k, val) in form_pairs(raw.as_deref().unwrap_or("")) {
        match k.as_str() {
            "q" => q = val,
            "recipient" => chosen.extend(val.parse::<i64>().ok()),
            "agency_id" => agency_id = val.parse().unwrap_or(0),
            _ => {}
        }
    }
    let all = match s.office.list_agencies(&v.actor, None).await {
        Ok(a) => a,
        Err(e) => return page::error(&v.c, &e),
    };
    page::ok(&AgencyList {
        tree: tree(&all, &chosen, &q, &[agency_id]),
        c: v.c,
    })
}

/// `a=1&b=x+y` → pairs, percent-decoded.
fn form_pairs(raw: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw).unwrap_or_default()
}

/// `dd/mm/yyyy` (or `yyyy-mm-dd`) → `yyyy-mm-dd`.
pub fn due_date(s: &str) -> Option<String> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('/').collect();
    let (d, m, y) = match parts.as_slice() {
        [d, m, y] => (*d, *m, *y),
        _ => {
            let p: Vec<&str> = s.split('-').collect();
            match p.as_slice() {
                [y, m, d] if y.len() == 4 => (*d, *m, *y),
                _ => return None,
            }
        }
    };
    let (d, m, y): (u8, u8, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

fn is_pdf(b: &[u8]) -> bool {
    b.len() > 8 && b[..1024.min(b.len())].windows(5).any(|w| w == b"%PDF-")
}

async fn create(
    State(s): State<AppState>,
    v: Viewer,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let mut e = Entered::default();
    let mut err = FieldErrors::default();
    let mut main: Option<Upload> = None;
    let mut attachments = Vec::new();
    let max = s.office.config().max_upload;
    let Ok(mut mp) = mp else {
        err.file = Some(v.c.t("form.err.body"));
        return new_page(&s, v, e, err, None).await;
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                err.file = Some(v.c.t("form.err.too_large"));
                return new_page(&s, v, e, err, None).await;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let bytes: Bytes = match field.bytes().await {
            Ok(b) => b,
            Err(_) => {
                err.file = Some(v.c.t("form.err.too_large"));
                return new_page(&s, v, e, err, None).await;
            }
        };
        if bytes.len() > max {
            err.file = Some(v.c.t("form.err.too_large"));
            continue;
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "agency_id" => e.agency_id = text().parse().unwrap_or(0),
            "flow" => e.flow = text(),
            "type_code" => e.type_code = text(),
            "subject" => e.subject = text(),
            "category" => e.category = text(),
            "priority" => e.priority = text(),
            "due_date" => e.due = text(),
            "recipient" => e.recipients.extend(text().parse::<i64>().ok()),
            "file" if !bytes.is_empty() => {
                main = Some(Upload {
                    name: file_name.unwrap_or_else(|| "document.pdf".into()),
                    media_type: content_type.unwrap_or_else(|| "application/pdf".into()),
                    bytes,
                })
            }
            "attachment" if !bytes.is_empty() => {
                if attachments.len() >= MAX_ATTACHMENTS {
                    err.attachment = Some(v.c.t("form.err.too_many_attachments"));
                } else {
                    attachments.push(Upload {
                        name: file_name.unwrap_or_else(|| "attachment".into()),
                        media_type: content_type
                            .unwrap_or_else(|| "application/octet-stream".into()),
                        bytes,
                    });
                }
            }
            _ => {}
        }
    }
    let c = &v.c;
    if e.subject.chars().count() < 5 {
        err.subject = Some(c.t(if e.subject.is_empty() {
            "form.err.subject_required"
        } else {
            "form.err.subject_short"
        }));
    }
    if e.type_code.is_empty() {
        err.type_code = Some(c.t("form.err.type_required"));
    }
    match &main {
        None => err.file = Some(c.t("form.err.file_required")),
        Some(f) if !is_pdf(&f.bytes) => err.file = Some(c.t("form.err.not_pdf")),
        _ => {}
    }
    let due = if e.due.is_empty() {
        None
    } else {
        match due_date(&e.due) {
            Some(d) => Some(d),
            None => {
                err.due = Some(c.t("form.err.due_format"));
                None
            }
        }
    };
    if !drafting_agencies(&v.actor)
        .iter()
        .any(|(id, _)| *id == e.agency_id)
    {
        err.agency = Some(c.t("form.err.agency"));
    }
    let flow = if e.flow == "seal" {
        Flow::Seal
    } else {
        Flow::Two
    };
    let (Some(main), false) = (main, err.any()) else {
        return new_page(&s, v, e, err, None).await;
    };
    let metadata = DocumentMetadata {
        type_code: e.type_code.clone(),
        subject: e.subject.clone(),
        category: Some(e.category.clone()).filter(|x| !x.is_empty()),
        priority: Priority::parse(&e.priority),
        secrecy: Default::default(),
        due_date: due,
        copies: None,
        language: None,
        issue_place: None,
        recipients: e.recipients.clone(),
        layout: None,
        replaces_id: None,
        relation: None,
    };
    let draft = NewDraft {
        agency_id: e.agency_id,
        flow,
        metadata,
        main,
        attachments,
    };
    match s.office.create_draft(&v.actor, draft, None).await {
        Ok(d) => page::done(&format!("/documents/{}", d.id), "created"),
        Err(x) => {
            let m = v.c.pick(&x.vi, &x.en).to_string();
            new_page(&s, v, e, err, Some(m)).await
        }
    }
}

/// A corrected draft (a draft, or one the approver returned): a new main
/// PDF and, when given, new attachments replacing the old ones; the
/// metadata stays. The office keeps every earlier file.
async fn revise(
    State(s): State<AppState>,
    v: Viewer,
    axum::extract::Path(id): axum::extract::Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let bad = |vi: &'static str, en: &'static str| {
        kyso_office::OfficeError::invalid("bad-revision", vi, en)
    };
    let Ok(mut mp) = mp else {
        return page::error(
            &v.c,
            &bad("không đọc được biểu mẫu", "the form cannot be read"),
        );
    };
    let max = s.office.config().max_upload;
    let (mut main, mut attachments) = (None, Vec::new());
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return page::error(&v.c, &bad("tệp quá lớn", "the file is too large")),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            return page::error(&v.c, &bad("tệp quá lớn", "the file is too large"));
        };
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > max {
            return page::error(&v.c, &bad("tệp quá lớn", "the file is too large"));
        }
        match name.as_str() {
            "file" => {
                main = Some(Upload {
                    name: file_name.unwrap_or_else(|| "document.pdf".into()),
                    media_type: "application/pdf".into(),
                    bytes,
                })
            }
            "attachment" if attachments.len() < MAX_ATTACHMENTS => attachments.push(Upload {
                name: file_name.unwrap_or_else(|| "attachment".into()),
                media_type: content_type.unwrap_or_else(|| "application/octet-stream".into()),
                bytes,
            }),
            _ => {}
        }
    }
    let Some(main) = main.filter(|m| is_pdf(&m.bytes)) else {
        return page::error(
            &v.c,
            &bad("cần tải lên bản PDF đã sửa", "upload the corrected PDF"),
        );
    };
    let attachments = (!attachments.is_empty()).then_some(attachments);
    match s
        .office
        .revise_draft(&v.actor, id, None, Some(main), attachments)
        .await
    {
        Ok(_) => page::done(&format!("/documents/{id}"), "revised"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_read_the_vietnamese_way() {
        assert_eq!(due_date("09/01/2027").as_deref(), Some("2027-01-09"));
        assert_eq!(due_date("9/1/2027").as_deref(), Some("2027-01-09"));
        assert_eq!(due_date("2027-01-09").as_deref(), Some("2027-01-09"));
        assert_eq!(due_date("31/02/2027"), None);
        assert_eq!(due_date("tomorrow"), None);
        assert!(is_pdf(b"%PDF-1.7\n%..."));
        assert!(!is_pdf(b"PK\x03\x04 not a pdf"));
    }
}
