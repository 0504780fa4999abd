//! The agencies' public portal (R-PORTAL): `/portal` lists the agencies
//! that publish, `/portal/{code}` an agency's published documents by
//! section with their verification verdict and the issued file to
//! download. Anyone reads it; only what a clerk or head published is
//! there. The document page's publish / withdraw box is here too.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::document::state::State as DocState;
use kyso_office::document::DocumentView;
use kyso_office::portal::{PublishedDocument, Section, PUBLISHERS};
use kyso_office::Actor;
use serde::Deserialize;

use super::cards::Badge;
use super::fmt;
use super::page::{self, Chrome, Viewer, Visitor};
use crate::extract::{Path, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(index))
        .route("/portal/{code}", get(agency_page))
        .route("/portal/{code}/{id}/file", get(file))
        .route("/documents/{id}/publish", post(publish))
        .route("/documents/{id}/unpublish", post(unpublish))
}

/// A section as the pages name it.
fn section_name(c: &Chrome, s: Section) -> &'static str {
    c.named("section", s.code())
}

/// The publish box of the document page.
pub struct PortalBox {
    /// Where and since when it is published.
    pub published: Option<(String, String)>,
    /// The person may publish or withdraw it.
    pub can_publish: bool,
    /// The sections to choose from (code, name).
    pub sections: Vec<(&'static str, &'static str)>,
}

impl PortalBox {
    pub async fn of(s: &AppState, c: &Chrome, a: &Actor, d: &DocumentView) -> PortalBox {
        let published = match s.office.publication(a, d.id).await {
            Ok(Some(p)) => Some((
                section_name(c, p.section).to_string(),
                fmt::when(&p.published_at),
            )),
            _ => None,
        };
        let publisher = PUBLISHERS.iter().any(|r| a.has(*r, d.agency_id));
        PortalBox {
            can_publish: publisher && (d.state == DocState::Issued || published.is_some()),
            published,
            sections: Section::ALL
                .iter()
                .map(|s| (s.code(), section_name(c, *s)))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct PublishForm {
    section: String,
}

async fn publish(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> Response {
    let section = match Section::parse(&f.section) {
        Ok(x) => x,
        Err(e) => return page::error(&v.c, &e),
    };
    match s.office.publish(&v.actor, id, section).await {
        Ok(_) => page::done(&format!("/documents/{id}"), "published"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

async fn unpublish(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.unpublish(&v.actor, id).await {
        Ok(()) => page::done(&format!("/documents/{id}"), "unpublished"),
        Err(e) => page::not_yours(&v.c, e),
    }
}

#[derive(askama::Template)]
#[template(path = "portal_index.html")]
struct IndexPage {
    c: Chrome,
    agencies: Vec<kyso_office::portal::PortalAgency>,
}

async fn index(State(s): State<AppState>, Visitor { c }: Visitor) -> Response {
    match s.office.portal_agencies().await {
        Ok(agencies) => page::ok(&IndexPage { c, agencies }),
        Err(e) => page::error(&c, &e),
    }
}

/// One line of an agency's page.
struct Row {
    id: i64,
    section: &'static str,
    number: String,
    type_name: String,
    subject: String,
    issued: String,
    signer: String,
    published: String,
    badge: Badge,
    verdict: String,
    file_name: String,
    size: String,
    sha256: String,
}

fn row(c: &Chrome, d: &PublishedDocument) -> Row {
    Row {
        id: d.document_id,
        section: section_name(c, d.section),
        number: d.number_text.clone().unwrap_or_default(),
        type_name: d.type_name.clone(),
        subject: d.subject.clone(),
        issued: d.issued_date.as_deref().map(fmt::when).unwrap_or_default(),
        signer: match (&d.signer_position, &d.signer_name) {
            (Some(p), Some(n)) => format!("{p} {n}"),
            (None, Some(n)) => n.clone(),
            _ => String::new(),
        },
        published: fmt::when(&d.published_at),
        badge: Badge::of_code(&d.indication, c.lang),
        verdict: fmt::times_in(c.pick(&d.verdict_vi, &d.verdict_en)),
        file_name: d.file_name.clone(),
        size: fmt::size(d.size),
        sha256: d.sha256.clone(),
    }
}

#[derive(Deserialize, Default)]
struct SectionQuery {
    section: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "portal.html")]
struct AgencyPage {
    c: Chrome,
    code: String,
    name: String,
    address: String,
    email: String,
    section: String,
    sections: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
}

async fn agency_page(
    State(s): State<AppState>,
    Visitor { c }: Visitor,
    Path(code): Path<String>,
    Query(q): Query<SectionQuery>,
) -> Response {
    let section = match q.section.as_deref().filter(|x| !x.is_empty()) {
        None => None,
        Some(x) => match Section::parse(x) {
            Ok(s) => Some(s),
            Err(e) => return page::error(&c, &e),
        },
    };
    let p = match s.office.portal_page(&code, section).await {
        Ok(p) => p,
        Err(e) => return page::error(&c, &e),
    };
    page::ok(&AgencyPage {
        rows: p.documents.iter().map(|d| row(&c, d)).collect(),
        code: p.agency_code,
        name: p.agency_name,
        address: p.address,
        email: p.email,
        section: section.map(|s| s.code().to_string()).unwrap_or_default(),
        sections: Section::ALL
            .iter()
            .map(|s| (s.code(), section_name(&c, *s)))
            .collect(),
        c,
    })
}

async fn file(
    State(s): State<AppState>,
    Visitor { c }: Visitor,
    Path((code, id)): Path<(String, i64)>,
) -> Response {
    match s.office.published_file(&code, id).await {
        Ok((d, bytes)) => crate::api::portal::pdf_response(&d.file_name, bytes),
        Err(e) => page::error(&c, &e),
    }
}
