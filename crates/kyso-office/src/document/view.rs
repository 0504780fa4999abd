//! How documents are shown: one document with its files, recipients and
//! what may be done next; lists with filters.

use std::collections::HashMap;

use kyso_store::office::{
    agency, blob, delivery, delivery_event, document, document_file, document_recipient, person,
};
use kyso_store::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::metadata::{fold, format_number, Priority};
use super::state::{allowed_actions, Action, Flow, State};
use crate::actor::{Actor, Scope};
use crate::error::{OfficeError, Result};
use crate::Office;

/// A file of a document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FileView {
    pub id: i64,
    /// draft, approved, sealed, attachment, attachment-sealed,
    /// attachment-signature, verification.
    pub role: String,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub parent_sha256: Option<String>,
    pub created_at: String,
}

/// What happened at one recipient (the sender's view).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecipientView {
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub delivery_id: Option<i64>,
    /// Current status code (01 … 16), once issued.
    pub status: Option<String>,
    pub status_name: Option<String>,
    pub events: Vec<crate::delivery::EventView>,
}

/// A document as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub flow: Flow,
    pub state: State,
    pub state_name: String,
    pub type_code: String,
    pub type_name: String,
    pub subject: String,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub due_date: Option<String>,
    pub page_count: i32,
    pub copies: i32,
    pub language: String,
    pub issue_place: String,
    pub signer_position: Option<String>,
    pub signer_name: Option<String>,
    pub drafter_id: i64,
    pub drafter_name: String,
    pub approver_id: Option<i64>,
    pub clerk_id: Option<i64>,
    pub number: Option<i64>,
    pub notation: Option<String>,
    /// `01/QĐ-UBND` once numbered.
    pub number_text: Option<String>,
    pub register_year: Option<i32>,
    pub issued_date: Option<String>,
    pub issued_at: Option<String>,
    pub replaces_id: Option<i64>,
    pub relation: Option<String>,
    pub comment: Option<String>,
    pub layout: Option<super::layout::Layout>,
    pub created_at: String,
    pub updated_at: String,
    pub files: Vec<FileView>,
    pub recipients: Vec<RecipientView>,
    /// Actions the document's state allows next (the actor's roles decide
    /// whether they may take them).
    pub next_actions: Vec<Action>,
    /// Warnings of the request that returned this view (e.g. a scan under
    /// 200 dpi, [`crate::scan`]); kept in its audit entry, not shown again.
    pub warnings: Vec<String>,
}

/// A line of a list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: i64,
    pub agency_id: i64,
    pub flow: Flow,
    pub state: State,
    pub state_name: String,
    pub type_code: String,
    pub subject: String,
    pub priority: Priority,
    pub number_text: Option<String>,
    pub due_date: Option<String>,
    pub issued_at: Option<String>,
    pub updated_at: String,
}

/// Filters for [`Office::list_documents`].
#[derive(Clone, Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct DocumentFilter {
    pub agency_id: Option<i64>,
    pub state: Option<State>,
    /// Words of the subject or number, without regard to accents.
    pub q: Option<String>,
    /// Only the documents the caller drafted ("my drafts").
    #[serde(default)]
    pub mine: Option<bool>,
    /// Documents with a smaller id (paging, newest first).
    pub before_id: Option<i64>,
    pub limit: Option<u64>,
}

pub(crate) fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|t| {
            t.to_offset(crate::clock::VIETNAM)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

pub(crate) fn number_text(d: &document::Model) -> Option<String> {
    match (d.number, &d.notation) {
        (Some(n), Some(nt)) => Some(format!("{}/{nt}", format_number(n))),
        _ => None,
    }
}

fn summary(d: &document::Model) -> Result<DocumentSummary> {
    let state = State::parse(&d.state)?;
    Ok(DocumentSummary {
        id: d.id,
        agency_id: d.agency_id,
        flow: Flow::parse(&d.flow)?,
        state,
        state_name: state.name_vi().to_string(),
        type_code: d.type_code.clone(),
        subject: d.subject.clone(),
        priority: Priority::parse(&d.priority),
        number_text: number_text(d),
        due_date: d.due_date.clone(),
        issued_at: d.issued_at.map(iso),
        updated_at: iso(d.updated_at),
    })
}

impl Office {
    /// The view of `d`.
    pub(crate) async fn document_view(
        &self,
        db: &impl ConnectionTrait,
        d: document::Model,
    ) -> Result<DocumentView> {
        let a = self.agency_model(db, d.agency_id).await?;
        let drafter = person::Entity::find_by_id(d.drafter_id).one(db).await?;
        let files = document_file::Entity::find()
            .filter(document_file::Column::DocumentId.eq(d.id))
            .order_by_asc(document_file::Column::Id)
            .all(db)
            .await?;
        let shas: Vec<String> = files.iter().map(|f| f.blob_sha256.clone()).collect();
        let blobs: HashMap<String, blob::Model> = blob::Entity::find()
            .filter(blob::Column::Sha256.is_in(shas))
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.sha256.clone(), b))
            .collect();
        let recips = document_recipient::Entity::find()
            .filter(document_recipient::Column::DocumentId.eq(d.id))
            .all(db)
            .await?;
        let ids: Vec<i64> = recips.iter().map(|r| r.agency_id).collect();
        let agencies: HashMap<i64, agency::Model> = agency::Entity::find()
            .filter(agency::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let deliveries: HashMap<i64, delivery::Model> = delivery::Entity::find()
            .filter(delivery::Column::DocumentId.eq(d.id))
            .all(db)
            .await?
            .into_iter()
            .map(|x| (x.agency_id, x))
            .collect();
        let dids: Vec<i64> = deliveries.values().map(|x| x.id).collect();
        let mut events: HashMap<i64, Vec<crate::delivery::EventView>> = HashMap::new();
        for e in delivery_event::Entity::find()
            .filter(delivery_event::Column::DeliveryId.is_in(dids))
            .order_by_asc(delivery_event::Column::Id)
            .all(db)
            .await?
        {
            events
                .entry(e.delivery_id)
                .or_default()
                .push(crate::delivery::event_view(&e));
        }
        let mut recipients = Vec::new();
        for r in recips {
            let ag = agencies.get(&r.agency_id);
            let dl = deliveries.get(&r.agency_id);
            recipients.push(RecipientView {
                agency_id: r.agency_id,
                agency_code: ag.map(|a| a.code.clone()).unwrap_or_default(),
                agency_name: ag.map(|a| a.name.clone()).unwrap_or_default(),
                delivery_id: dl.map(|x| x.id),
                status: dl.map(|x| x.status.clone()),
                status_name: dl.map(|x| crate::delivery::status_name_vi(&x.status).to_string()),
                events: dl.and_then(|x| events.remove(&x.id)).unwrap_or_default(),
            });
        }
        let flow = Flow::parse(&d.flow)?;
        let state = State::parse(&d.state)?;
        Ok(DocumentView {
            id: d.id,
            agency_id: d.agency_id,
            agency_code: a.code,
            agency_name: a.name,
            flow,
            state,
            state_name: state.name_vi().to_string(),
            type_code: d.type_code.clone(),
            type_name: d.type_name.clone(),
            subject: d.subject.clone(),
            category_id: d.category_id,
            priority: Priority::parse(&d.priority),
            due_date: d.due_date.clone(),
            page_count: d.page_count,
            copies: d.copies,
            language: d.language.clone(),
            issue_place: d.issue_place.clone(),
            signer_position: d.signer_position.clone(),
            signer_name: d.signer_name.clone(),
            drafter_id: d.drafter_id,
            drafter_name: drafter.map(|p| p.full_name).unwrap_or_default(),
            approver_id: d.approver_id,
            clerk_id: d.clerk_id,
            number: d.number,
            notation: d.notation.clone(),
            number_text: number_text(&d),
            register_year: d.register_year,
            issued_date: d.issued_date.clone(),
            issued_at: d.issued_at.map(iso),
            replaces_id: d.replaces_id,
            relation: d.relation.clone(),
            comment: d.comment.clone(),
            layout: d
                .layout
                .as_deref()
                .and_then(|l| serde_json::from_str(l).ok()),
            created_at: iso(d.created_at),
            updated_at: iso(d.updated_at),
            files: files
                .into_iter()
                .map(|f| {
                    let b = blobs.get(&f.blob_sha256);
                    FileView {
                        id: f.id,
                        role: f.role,
                        name: f.name,
                        size: b.map(|b| b.size).unwrap_or_default(),
                        media_type: b.map(|b| b.media_type.clone()).unwrap_or_default(),
                        sha256: f.blob_sha256,
                        parent_sha256: f.parent_sha256,
                        created_at: iso(f.created_at),
                    }
                })
                .collect(),
            recipients,
            next_actions: allowed_actions(flow, state),
            warnings: Vec::new(),
        })
    }

    /// One document the actor may see.
    pub async fn document(&self, actor: &Actor, id: i64) -> Result<DocumentView> {
        actor.require_scope(Scope::Read)?;
        let db = self.store.connection();
        let d = self.document_model(db, actor, id).await?;
        self.document_view(db, d).await
    }

    /// Documents of the actor's agencies (or of one of them), newest first.
    pub async fn list_documents(
        &self,
        actor: &Actor,
        f: &DocumentFilter,
    ) -> Result<Vec<DocumentSummary>> {
        actor.require_scope(Scope::Read)?;
        let visible: Vec<i64> = actor
            .memberships
            .iter()
            .filter(|m| super::READERS.contains(&m.role))
            .map(|m| m.agency_id)
            .collect();
        let agencies = match f.agency_id {
            Some(a) if visible.contains(&a) => vec![a],
            Some(_) => {
                return Err(OfficeError::forbidden(
                    "chỉ xem được văn bản của cơ quan mình",
                    "you may only list your own agencies' documents",
                ))
            }
            None => visible,
        };
        let mut q = document::Entity::find()
            .filter(document::Column::AgencyId.is_in(agencies))
            .order_by_desc(document::Column::Id);
        if let Some(s) = f.state {
            q = q.filter(document::Column::State.eq(s.code()));
        }
        if let Some(b) = f.before_id {
            q = q.filter(document::Column::Id.lt(b));
        }
        if f.mine == Some(true) {
            q = q.filter(document::Column::DrafterId.eq(actor.person_id));
        }
        let limit = f.limit.unwrap_or(50).clamp(1, 500);
        let needle = f.q.as_deref().map(fold).filter(|s| !s.is_empty());
        let mut out = Vec::new();
        let mut last = None;
        // Accent-insensitive matching is done here, page by page.
        loop {
            let mut page_q = q.clone();
            if let Some(l) = last {
                page_q = page_q.filter(document::Column::Id.lt(l));
            }
            let page = page_q.limit(500).all(self.store.connection()).await?;
            if page.is_empty() {
                break;
            }
            last = page.last().map(|d| d.id);
            for d in &page {
                let hit = needle.as_ref().is_none_or(|n| {
                    fold(&d.subject).contains(n.as_str())
                        || number_text(d).is_some_and(|t| fold(&t).contains(n.as_str()))
                });
                if hit {
                    out.push(summary(d)?);
                    if out.len() as u64 >= limit {
                        return Ok(out);
                    }
                }
            }
            if needle.is_none() {
                break;
            }
        }
        Ok(out)
    }
}
