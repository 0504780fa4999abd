//! The agencies' public portal (R-PORTAL, seed 000 Art. 10; issue 11
//! §5): a clerk or the head of the issuing agency publishes an issued
//! document in one of the portal's sections — work schedules, legal and
//! steering documents, public notices — and anyone reads the agency's page
//! and downloads the issued file, with its verification verdict at the
//! time of publication. Only published documents are ever shown to an
//! anonymous reader; a recalled document leaves the portal with the
//! recall ([`crate::document::issue`]).

use bytes::Bytes;
use kyso_store::office::{agency, blob, document, document_file};
use kyso_store::portal::publication;
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::document::state::State;
use crate::document::{iso, view_number_text};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Who publishes and withdraws an agency's documents.
pub const PUBLISHERS: &[Role] = &[Role::Clerk, Role::Head];

/// Most documents one portal page lists (newest first).
pub const PAGE_LIMIT: u64 = 200;

/// The portal's sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Lịch công tác.
    Schedule,
    /// Văn bản quy phạm pháp luật, chỉ đạo điều hành.
    Legal,
    /// Thông báo.
    Notice,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Schedule, Section::Legal, Section::Notice];

    pub fn code(self) -> &'static str {
        match self {
            Section::Schedule => "schedule",
            Section::Legal => "legal",
            Section::Notice => "notice",
        }
    }

    pub fn parse(s: &str) -> Result<Section> {
        Section::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| {
                OfficeError::invalid(
                    "section",
                    format!("mục trên cổng thông tin không hợp lệ: {s}"),
                    format!("unknown portal section: {s}"),
                )
            })
    }
}

/// A published document as anyone sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublishedDocument {
    pub document_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub section: Section,
    pub type_code: String,
    pub type_name: String,
    /// `01/QĐ-UBND`.
    pub number_text: Option<String>,
    pub subject: String,
    pub issue_place: String,
    /// ISO date printed on the document.
    pub issued_date: Option<String>,
    pub signer_position: Option<String>,
    pub signer_name: Option<String>,
    /// The published (issued) file.
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    /// ETSI indication of the file's verification when it was published.
    pub indication: String,
    pub verdict_vi: String,
    pub verdict_en: String,
    /// ISO 8601 (+07:00).
    pub published_at: String,
}

/// An agency's portal page.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PortalPage {
    pub agency_code: String,
    pub agency_name: String,
    pub address: String,
    pub email: String,
    /// Newest first, at most [`PAGE_LIMIT`].
    pub documents: Vec<PublishedDocument>,
}

/// An agency on the portal's index.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PortalAgency {
    pub code: String,
    pub name: String,
    pub published: u64,
}

/// Whether document `id` is published (for the document's own page).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Publication {
    pub document_id: i64,
    pub section: Section,
    pub published_at: String,
    pub indication: String,
    pub verdict_vi: String,
    pub verdict_en: String,
}

fn publication_view(p: &publication::Model) -> Result<Publication> {
    Ok(Publication {
        document_id: p.document_id,
        section: Section::parse(&p.section)?,
        published_at: iso(p.published_at),
        indication: p.indication.clone(),
        verdict_vi: p.verdict_vi.clone(),
        verdict_en: p.verdict_en.clone(),
    })
}

/// The document's issued file (the newest `sealed` file).
async fn issued_file(
    db: &impl ConnectionTrait,
    doc_id: i64,
) -> Result<Option<document_file::Model>> {
    Ok(document_file::Entity::find()
        .filter(document_file::Column::DocumentId.eq(doc_id))
        .filter(document_file::Column::Role.eq("sealed"))
        .order_by_desc(document_file::Column::Id)
        .one(db)
        .await?)
}

fn not_published() -> OfficeError {
    OfficeError::not_found("văn bản đã đăng", "published document")
}

async fn agency_by_code(db: &impl ConnectionTrait, code: &str) -> Result<agency::Model> {
    agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .filter(agency::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| OfficeError::not_found("cơ quan", "agency"))
}

impl Office {
    /// Publishes issued document `id` in `section` of its agency's portal
    /// page: the issued file is verified now and the verdict kept with the
    /// publication. Clerks and heads of the issuing agency; once per
    /// document (409 when it is already published).
    pub async fn publish(&self, actor: &Actor, id: i64, section: Section) -> Result<Publication> {
        self.guard(actor, "document.publish", async || {
            actor.require_scope(Scope::Write)?;
            let db = self.store.connection();
            let d = self.document_model(db, actor, id).await?;
            actor.require_any(PUBLISHERS, d.agency_id)?;
            if State::parse(&d.state)? != State::Issued {
                return Err(OfficeError::conflict(
                    "not-issued",
                    "chỉ văn bản đã phát hành (và chưa thu hồi) mới được đăng lên cổng thông tin",
                    "only an issued (and not recalled) document can be published on the portal",
                ));
            }
            let file = issued_file(db, id).await?.ok_or_else(|| {
                OfficeError::internal("publish", format!("document {id} has no issued file"))
            })?;
            let bytes = self.blobs.get(&file.blob_sha256).await?;
            let report = self.verify_pdf_bytes(&bytes).await?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    // Locks the document: a recall waits, then finds the row.
                    let d = self.document_for_update(tx, actor, id).await?;
                    if State::parse(&d.state)? != State::Issued {
                        return Err(OfficeError::conflict(
                            "not-issued",
                            "văn bản đã bị thu hồi",
                            "the document was recalled",
                        ));
                    }
                    if publication::Entity::find_by_id(id).one(tx).await?.is_some() {
                        return Err(OfficeError::conflict(
                            "already-published",
                            "văn bản đã được đăng trên cổng thông tin",
                            "the document is already published on the portal",
                        ));
                    }
                    let p = publication::ActiveModel {
                        document_id: Set(id),
                        agency_id: Set(d.agency_id),
                        section: Set(section.code().into()),
                        blob_sha256: Set(file.blob_sha256.clone()),
                        indication: Set(report.indication.as_str().into()),
                        verdict_vi: Set(report.message_vi.clone()),
                        verdict_en: Set(report.message_en.clone()),
                        published_by: Set(actor.person_id),
                        published_at: Set(now.unix_timestamp()),
                    }
                    .insert(tx)
                    .await?;
                    let role = actor.require_any(PUBLISHERS, d.agency_id)?.role;
                    record(
                        tx,
                        actor,
                        Entry::new("document.publish", "document", id)
                            .agency(d.agency_id)
                            .role(role)
                            .sha256(&file.blob_sha256)
                            .detail(format!(
                                "{}: {}",
                                section.code(),
                                report.indication.as_str()
                            )),
                        now,
                    )
                    .await?;
                    publication_view(&p)
                })
                .await
        })
        .await
    }

    /// Withdraws document `id` from the portal.
    pub async fn unpublish(&self, actor: &Actor, id: i64) -> Result<()> {
        self.guard(actor, "document.unpublish", async || {
            actor.require_scope(Scope::Write)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let d = self.document_for_update(tx, actor, id).await?;
                    let role = actor.require_any(PUBLISHERS, d.agency_id)?.role;
                    let gone = publication::Entity::delete_by_id(id).exec(tx).await?;
                    if gone.rows_affected == 0 {
                        return Err(not_published());
                    }
                    record(
                        tx,
                        actor,
                        Entry::new("document.unpublish", "document", id)
                            .agency(d.agency_id)
                            .role(role),
                        now,
                    )
                    .await?;
                    Ok(())
                })
                .await
        })
        .await
    }

    /// Whether document `id` is published, for someone who may read it.
    pub async fn publication(&self, actor: &Actor, id: i64) -> Result<Option<Publication>> {
        let db = self.store.connection();
        self.document_model(db, actor, id).await?;
        publication::Entity::find_by_id(id)
            .one(db)
            .await?
            .as_ref()
            .map(publication_view)
            .transpose()
    }

    /// The agencies with published documents (public).
    pub async fn portal_agencies(&self) -> Result<Vec<PortalAgency>> {
        let db = self.store.connection();
        let agencies = agency::Entity::find()
            .filter(agency::Column::Active.eq(true))
            .order_by_asc(agency::Column::Code)
            .all(db)
            .await?;
        let mut out = Vec::new();
        for a in agencies {
            let n = publication::Entity::find()
                .filter(publication::Column::AgencyId.eq(a.id))
                .count(db)
                .await?;
            if n > 0 {
                out.push(PortalAgency {
                    code: a.code,
                    name: a.name,
                    published: n,
                });
            }
        }
        Ok(out)
    }

    /// Agency `code`'s portal page (public): its published documents,
    /// newest first, of `section` or of every section.
    pub async fn portal_page(&self, code: &str, section: Option<Section>) -> Result<PortalPage> {
        let db = self.store.connection();
        let a = agency_by_code(db, code).await?;
        let mut q = publication::Entity::find().filter(publication::Column::AgencyId.eq(a.id));
        if let Some(s) = section {
            q = q.filter(publication::Column::Section.eq(s.code()));
        }
        let rows = q
            .order_by_desc(publication::Column::PublishedAt)
            .order_by_desc(publication::Column::DocumentId)
            .limit(PAGE_LIMIT)
            .all(db)
            .await?;
        let mut documents = Vec::with_capacity(rows.len());
        for p in &rows {
            documents.push(self.published_document(db, &a, p).await?);
        }
        Ok(PortalPage {
            agency_code: a.code,
            agency_name: a.name,
            address: a.address,
            email: a.email,
            documents,
        })
    }

    async fn published_document(
        &self,
        db: &impl ConnectionTrait,
        a: &agency::Model,
        p: &publication::Model,
    ) -> Result<PublishedDocument> {
        let d = document::Entity::find_by_id(p.document_id)
            .one(db)
            .await?
            .ok_or_else(not_published)?;
        let size = blob::Entity::find_by_id(p.blob_sha256.clone())
            .one(db)
            .await?
            .map(|b| b.size)
            .unwrap_or_default();
        let file_name = issued_file(db, d.id)
            .await?
            .filter(|f| f.blob_sha256 == p.blob_sha256)
            .map(|f| f.name)
            .unwrap_or_else(|| format!("van-ban-{}.pdf", d.id));
        Ok(PublishedDocument {
            document_id: d.id,
            agency_code: a.code.clone(),
            agency_name: a.name.clone(),
            section: Section::parse(&p.section)?,
            type_code: d.type_code.clone(),
            type_name: d.type_name.clone(),
            number_text: view_number_text(&d),
            subject: d.subject.clone(),
            issue_place: d.issue_place.clone(),
            issued_date: d.issued_date.clone(),
            signer_position: d.signer_position.clone(),
            signer_name: d.signer_name.clone(),
            file_name,
            sha256: p.blob_sha256.clone(),
            size,
            indication: p.indication.clone(),
            verdict_vi: p.verdict_vi.clone(),
            verdict_en: p.verdict_en.clone(),
            published_at: iso(p.published_at),
        })
    }

    /// Published document `id` of agency `code` (public): what the
    /// portal says of it and the issued file's bytes. Not found unless
    /// it is published, under that agency.
    pub async fn published_file(&self, code: &str, id: i64) -> Result<(PublishedDocument, Bytes)> {
        let db = self.store.connection();
        let a = agency_by_code(db, code).await?;
        let p = publication::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|p| p.agency_id == a.id)
            .ok_or_else(not_published)?;
        let doc = self.published_document(db, &a, &p).await?;
        let bytes = self.blobs.get(&p.blob_sha256).await?;
        Ok((doc, bytes))
    }

    /// The publication of the stored file `sha256`, if that file is a
    /// published document's (for the public verification by hash).
    pub async fn publication_of_file(&self, sha256: &str) -> Result<Option<PublishedDocument>> {
        let db = self.store.connection();
        let Some(p) = publication::Entity::find()
            .filter(publication::Column::BlobSha256.eq(sha256))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let a = agency::Entity::find_by_id(p.agency_id)
            .one(db)
            .await?
            .ok_or_else(not_published)?;
        self.published_document(db, &a, &p).await.map(Some)
    }
}

/// Deletes document `id`'s publication in `tx` (a recall takes it off the
/// portal); whether there was one.
pub(crate) async fn withdraw(tx: &impl ConnectionTrait, id: i64) -> Result<bool> {
    Ok(publication::Entity::delete_by_id(id)
        .exec(tx)
        .await?
        .rows_affected
        > 0)
}
