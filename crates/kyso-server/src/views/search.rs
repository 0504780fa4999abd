//! Search: one box for words (accents optional), filters (agency,
//! register, year, type, category, status, signer, date range), results
//! by relevance then date with the matched words marked in the subject
//! and in a fragment of the text.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyso_office::document::state::State as DocState;
use kyso_office::search::{SearchFilter, SearchHitView, SnippetView};
use serde::Deserialize;

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// The form, every field a string (an empty field is no filter).
#[derive(Deserialize, Default)]
struct Form {
    q: Option<String>,
    agency_id: Option<String>,
    register: Option<String>,
    year: Option<String>,
    #[serde(rename = "type")]
    type_code: Option<String>,
    category_id: Option<String>,
    status: Option<String>,
    signer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<String>,
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn number<T: std::str::FromStr>(s: &Option<String>) -> Option<T> {
    text(s).and_then(|s| s.parse().ok())
}

/// A piece of a snippet, marked when it matched.
struct Piece {
    text: String,
    mark: bool,
}

fn pieces(s: &SnippetView) -> Vec<Piece> {
    s.parts()
        .into_iter()
        .map(|(t, mark)| Piece {
            text: t.to_string(),
            mark,
        })
        .collect()
}

/// A result line.
struct Hit {
    number: String,
    type_code: String,
    type_name: String,
    agency: String,
    subject: Vec<Piece>,
    text: Vec<Piece>,
    state_code: String,
    state: &'static str,
    signer: String,
    date: String,
    incoming: bool,
    /// Where it opens: the document, or the agency's incoming record.
    href: String,
}

impl Hit {
    fn of(h: &SearchHitView, c: &Chrome) -> Hit {
        Hit {
            number: h.number_text.clone().unwrap_or_default(),
            type_code: h.type_code.clone(),
            type_name: h.type_name.clone(),
            agency: h.agency_name.clone(),
            subject: pieces(&h.subject),
            text: pieces(&h.text),
            state_code: h.state.clone(),
            state: c.named("state", &h.state),
            signer: h.signer.clone().unwrap_or_default(),
            date: h
                .issued_date
                .as_deref()
                .map(fmt::day)
                .unwrap_or_else(|| fmt::day(&h.updated_at)),
            incoming: h.incoming,
            href: match (h.incoming, h.delivery_id) {
                (true, Some(d)) => format!("/inbox/{d}"),
                _ => format!("/documents/{}", h.id),
            },
        }
    }
}

#[derive(askama::Template)]
#[template(path = "search.html")]
struct SearchPageView {
    c: Chrome,
    q: String,
    agency_id: String,
    register: String,
    year: String,
    type_code: String,
    category_id: String,
    status: String,
    signer: String,
    from: String,
    to: String,
    agencies: Vec<(String, String)>,
    types: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    /// Whether a search was asked (else only the form).
    asked: bool,
    total: u64,
    hits: Vec<Hit>,
    /// Links to the previous and next pages, when there are.
    prev: Option<String>,
    next: Option<String>,
}

const PAGE: u32 = 20;

async fn search(State(s): State<AppState>, v: Viewer, Query(form): Query<Form>) -> Response {
    let filter = SearchFilter {
        q: text(&form.q),
        agency_id: number(&form.agency_id),
        register: text(&form.register),
        year: number(&form.year),
        type_code: text(&form.type_code),
        category_id: number(&form.category_id),
        status: text(&form.status),
        signer: text(&form.signer),
        from: text(&form.from),
        to: text(&form.to),
        offset: number(&form.offset),
        limit: Some(PAGE),
    };
    let asked = filter.q.is_some()
        || filter.agency_id.is_some()
        || filter.register.is_some()
        || filter.year.is_some()
        || filter.type_code.is_some()
        || filter.category_id.is_some()
        || filter.status.is_some()
        || filter.signer.is_some()
        || filter.from.is_some()
        || filter.to.is_some();
    let (total, hits, offset) = if asked {
        let r = crate::api::search::run(&s, &v.actor, &filter).await;
        if let Err(e) = &r {
            s.office
                .record_refusal(&v.actor, "document.search", e)
                .await;
        }
        match r {
            Ok(p) => (
                p.total,
                p.hits.iter().map(|h| Hit::of(h, &v.c)).collect(),
                p.offset,
            ),
            Err(e) => return page::error(&v.c, &e),
        }
    } else {
        (0, Vec::new(), 0)
    };
    // The agencies whose documents the person reads (the roles that read
    // outgoing and incoming documents are the same).
    let mut agencies: Vec<(String, String)> = v
        .actor
        .memberships
        .iter()
        .filter(|m| kyso_office::document::READERS.contains(&m.role))
        .map(|m| (m.agency_id.to_string(), m.agency_name.clone()))
        .collect();
    agencies.sort();
    agencies.dedup_by(|a, b| a.0 == b.0);
    let name = |vi: String, en: String| {
        if en.is_empty() {
            vi
        } else {
            v.c.pick(&vi, &en).to_string()
        }
    };
    let types = s.office.document_types(&v.actor).await.unwrap_or_default();
    let types = types
        .into_iter()
        .map(|t| (t.code, name(t.name_vi, t.name_en)))
        .collect();
    let categories = s
        .office
        .categories(&v.actor, None)
        .await
        .unwrap_or_default();
    let categories = categories
        .into_iter()
        .map(|t| (t.id.to_string(), name(t.name_vi, t.name_en)))
        .collect();
    let states = DocState::ALL
        .iter()
        .map(|x| (x.code(), v.c.named("state", x.code())))
        .collect();
    let link = |at: u32| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, val) in [
            ("q", &form.q),
            ("agency_id", &form.agency_id),
            ("register", &form.register),
            ("year", &form.year),
            ("type", &form.type_code),
            ("category_id", &form.category_id),
            ("status", &form.status),
            ("signer", &form.signer),
            ("from", &form.from),
            ("to", &form.to),
        ] {
            if let Some(x) = text(val) {
                pairs.push((k, x));
            }
        }
        pairs.push(("offset", at.to_string()));
        format!(
            "/search?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let prev = (offset > 0).then(|| link(offset.saturating_sub(PAGE)));
    let next = (u64::from(offset + PAGE) < total).then(|| link(offset + PAGE));
    page::ok(&SearchPageView {
        q: form.q.clone().unwrap_or_default(),
        agency_id: text(&form.agency_id).unwrap_or_default(),
        register: text(&form.register).unwrap_or_default(),
        year: text(&form.year).unwrap_or_default(),
        type_code: text(&form.type_code).unwrap_or_default(),
        category_id: text(&form.category_id).unwrap_or_default(),
        status: text(&form.status).unwrap_or_default(),
        signer: text(&form.signer).unwrap_or_default(),
        from: text(&form.from).unwrap_or_default(),
        to: text(&form.to).unwrap_or_default(),
        agencies,
        types,
        categories,
        states,
        asked,
        total,
        hits,
        prev,
        next,
        c: v.c,
    })
}
