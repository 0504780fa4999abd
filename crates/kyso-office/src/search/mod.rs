//! Search (issue 13 §3, DESIGN §11): documents found by their metadata and
//! the text of their PDF, accent-insensitive the Vietnamese way, with
//! filters, ranked by relevance then date, with highlighted snippets.
//!
//! The index is kyso-store's [`SearchIndex`] in the data directory, one per
//! replica, fed from the database ([`feed`]); the text of each stored PDF
//! is extracted once and kept in the database ([`extract`]). A person finds
//! only the documents of their agencies: those an agency of theirs issued
//! or drafted (roles that read its documents) and those delivered to it
//! (roles that read its incoming documents) — the same rule as listing.

pub mod extract;
pub mod feed;

use std::collections::HashMap;

use kyso_store::office::{agency, delivery, document};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use kyso_store::search::{RegisterSide, SearchIndex, SearchQuery, Snippet};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::document::{iso, view_number_text as number_text};
use crate::error::{OfficeError, Result};
use crate::Office;

/// What to search for (`GET /api/v1/documents/search`).
#[derive(Clone, Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct SearchFilter {
    /// Words of the subject, number, signer, type, agencies or text;
    /// accents optional (`quyet dinh` finds `Quyết định`); `"a phrase"`,
    /// `-excluded`.
    pub q: Option<String>,
    /// Issued by or delivered to this agency (one of the caller's).
    pub agency_id: Option<i64>,
    /// `out`: numbered in an outgoing register of the caller's agencies;
    /// `in`: delivered to one of them.
    pub register: Option<String>,
    /// Register year (or the year of the document's date).
    pub year: Option<i32>,
    /// Type code, e.g. `QĐ`, `CV`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub type_code: Option<String>,
    pub category_id: Option<i64>,
    /// Workflow state: `draft`, `issued`, … .
    pub status: Option<String>,
    /// Words of the signer's name.
    pub signer: Option<String>,
    /// Document date from (inclusive), `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Document date to (inclusive), `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Skip this many hits (paging).
    pub offset: Option<u32>,
    /// Hits per page, 1–100 (default 20).
    pub limit: Option<u32>,
}

/// Text with the matched words marked.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct SnippetView {
    pub text: String,
    /// `[start, end)` byte offsets into `text` of each matched word.
    pub highlights: Vec<[usize; 2]>,
}

impl From<Snippet> for SnippetView {
    fn from(s: Snippet) -> Self {
        SnippetView {
            text: s.text,
            highlights: s.highlights.into_iter().map(|(a, b)| [a, b]).collect(),
        }
    }
}

impl SnippetView {
    /// The text cut into `(piece, marked)` parts, for rendering.
    pub fn parts(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        let mut at = 0;
        for [a, b] in &self.highlights {
            let (a, b) = (*a, *b);
            if a < at || b > self.text.len() || a > b {
                continue;
            }
            let (Some(before), Some(mark)) = (self.text.get(at..a), self.text.get(a..b)) else {
                continue;
            };
            if !before.is_empty() {
                out.push((before, false));
            }
            out.push((mark, true));
            at = b;
        }
        if let Some(rest) = self.text.get(at..) {
            if !rest.is_empty() {
                out.push((rest, false));
            }
        }
        out
    }
}

/// One document found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchHitView {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub type_code: String,
    pub type_name: String,
    /// `01/QĐ-UBND` once numbered.
    pub number_text: Option<String>,
    /// The subject, matched words marked.
    pub subject: SnippetView,
    /// A fragment of the text around the matches (empty when the text did
    /// not match, or the document is a scan without text).
    pub text: SnippetView,
    pub state: String,
    pub signer: Option<String>,
    /// Issue date (`YYYY-MM-DD`), when issued.
    pub issued_date: Option<String>,
    pub updated_at: String,
    /// Whether it reached the caller's agency as an incoming document
    /// (rather than being one of its own).
    pub incoming: bool,
    /// The caller's agency's incoming record of it
    /// (`/api/v1/inbox/{delivery_id}`), when it was delivered there.
    pub delivery_id: Option<i64>,
    pub score: f32,
}

/// A page of results.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// Documents matching in all.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub hits: Vec<SearchHitView>,
}

impl Office {
    /// Searches the documents `actor` may see. A filter on an agency not
    /// theirs is refused (403), as for listing (the caller audits it).
    pub async fn search_documents(
        &self,
        actor: &Actor,
        index: &SearchIndex,
        f: &SearchFilter,
    ) -> Result<SearchPage> {
        actor.require_scope(Scope::Read)?;
        let issuer_visible = agencies_with(actor, crate::document::READERS);
        let recipient_visible = agencies_with(actor, crate::delivery::INCOMING_READERS);
        if let Some(a) = f.agency_id {
            if !issuer_visible.contains(&a) && !recipient_visible.contains(&a) {
                return Err(OfficeError::forbidden(
                    "chỉ tìm được văn bản của cơ quan mình",
                    "you may only search your own agencies' documents",
                ));
            }
        }
        let register = match f.register.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("out") => Some(RegisterSide::Out),
            Some("in") => Some(RegisterSide::In),
            Some(_) => {
                return Err(OfficeError::invalid(
                    "bad-register",
                    "sổ phải là out (văn bản đi) hoặc in (văn bản đến)",
                    "register must be out or in",
                ))
            }
        };
        let date = |s: &Option<String>, vi: &str, en: &str| -> Result<Option<i64>> {
            match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => {
                    let d = crate::document::metadata::parse_date(s, vi, en)?;
                    Ok(Some(yyyymmdd(d)))
                }
            }
        };
        let limit = f.limit.unwrap_or(20).clamp(1, 100);
        let offset = f.offset.unwrap_or(0).min(10_000);
        let text = f.q.clone().unwrap_or_default();
        if text.chars().count() > 500 {
            return Err(OfficeError::invalid(
                "query-too-long",
                "câu tìm kiếm quá dài (tối đa 500 ký tự)",
                "the query is too long (500 characters at most)",
            ));
        }
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let q = SearchQuery {
            text,
            issuer_visible,
            recipient_visible: recipient_visible.clone(),
            agency: f.agency_id,
            register,
            year: f.year,
            type_code: nonempty(&f.type_code),
            category_id: f.category_id,
            state: nonempty(&f.status),
            signer: nonempty(&f.signer),
            date_from: date(&f.from, "từ ngày", "from")?,
            date_to: date(&f.to, "đến ngày", "to")?,
            offset: offset as usize,
            limit: limit as usize,
        };
        let results = index
            .search(&q)
            .map_err(|e| OfficeError::internal("search index", e))?;
        let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
        let db = self.store.connection();
        let docs: HashMap<i64, document::Model> = document::Entity::find()
            .filter(document::Column::Id.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
        let mut deliveries: HashMap<i64, i64> = HashMap::new();
        for d in delivery::Entity::find()
            .filter(delivery::Column::DocumentId.is_in(ids.clone()))
            .filter(delivery::Column::AgencyId.is_in(recipient_visible.clone()))
            .all(db)
            .await?
        {
            deliveries.entry(d.document_id).or_insert(d.id);
        }
        let agency_ids: Vec<i64> = docs.values().map(|d| d.agency_id).collect();
        let names: HashMap<i64, String> = agency::Entity::find()
            .filter(agency::Column::Id.is_in(agency_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let mut hits = Vec::with_capacity(results.hits.len());
        for h in results.hits {
            // A document removed since it was indexed is left out.
            let Some(d) = docs.get(&h.id) else { continue };
            hits.push(SearchHitView {
                id: d.id,
                agency_id: d.agency_id,
                agency_name: names.get(&d.agency_id).cloned().unwrap_or_default(),
                type_code: d.type_code.clone(),
                type_name: d.type_name.clone(),
                number_text: number_text(d),
                subject: h.subject.into(),
                text: h.text.into(),
                state: d.state.clone(),
                signer: d.signer_name.clone(),
                issued_date: d.issued_date.clone(),
                updated_at: iso(d.updated_at),
                incoming: !q.issuer_visible.contains(&d.agency_id),
                delivery_id: deliveries.get(&d.id).copied(),
                score: h.score,
            });
        }
        Ok(SearchPage {
            total: results.total as u64,
            offset,
            limit,
            hits,
        })
    }
}

fn agencies_with(actor: &Actor, roles: &[crate::role::Role]) -> Vec<i64> {
    let mut v: Vec<i64> = actor
        .memberships
        .iter()
        .filter(|m| roles.contains(&m.role))
        .map(|m| m.agency_id)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A date as the index keeps it: `YYYYMMDD`.
pub(crate) fn yyyymmdd(d: time::Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(u8::from(d.month())) * 100 + i64::from(d.day())
}
