//! Drafting: a new document with its PDF, separate attachments and
//! metadata; revising it; submitting it to the approver; the approver
//! returning it with a comment; cancelling it.

use bytes::Bytes;
use kyso_store::office::{
    agency, category, document, document_file, document_recipient, document_type,
};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};
use kyso_store::BlobRef;
use serde::Deserialize;
use utoipa::ToSchema;

use super::metadata::{clean_text, parse_date, refuse_secret, DocumentMetadata};
use super::state::{transition, Action, Flow, State};
use super::DocumentView;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::upload::{check_pdf_bytes, clean_file_name, too_large};
use crate::Office;

/// Most separate attachments of one document.
pub const MAX_ATTACHMENTS: usize = 20;

/// An uploaded file.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub media_type: String,
    pub bytes: Bytes,
}

/// A new draft.
#[derive(Clone, Debug)]
pub struct NewDraft {
    pub agency_id: i64,
    pub flow: Flow,
    pub metadata: DocumentMetadata,
    pub main: Upload,
    pub attachments: Vec<Upload>,
}

/// A comment with a state change (return, recall, reject).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct Comment {
    pub comment: String,
}

/// Checked metadata, ready to store.
pub(crate) struct Checked {
    pub type_code: String,
    pub type_name: String,
    pub subject: String,
    pub category_id: Option<i64>,
    pub priority: String,
    pub due_date: Option<String>,
    pub copies: i32,
    pub language: String,
    pub issue_place: String,
    pub recipients: Vec<i64>,
    pub layout: Option<String>,
    pub replaces: Option<(i64, String)>,
}

/// The rows of a new draft (see [`Office::insert_document`]).
pub(crate) struct NewRows<'a> {
    pub agency_id: i64,
    pub flow: Flow,
    pub checked: Checked,
    pub pages: usize,
    pub main: (&'a Upload, &'a BlobRef),
    pub attachments: &'a [(Upload, BlobRef)],
}

impl Office {
    /// Checks `m` for a document of `agency_id` (inside `tx`, so the
    /// referenced rows cannot change before the write).
    pub(crate) async fn check_metadata(
        &self,
        tx: &impl ConnectionTrait,
        agency_id: i64,
        m: &DocumentMetadata,
    ) -> Result<Checked> {
        refuse_secret(m.secrecy)?;
        let ty = document_type::Entity::find_by_id(m.type_code.trim().to_string())
            .one(tx)
            .await?
            .ok_or_else(|| {
                OfficeError::invalid(
                    "unknown-type",
                    format!("loại văn bản không có trong danh mục: {}", m.type_code),
                    format!("unknown document type: {}", m.type_code),
                )
            })?;
        let subject = clean_text(&m.subject);
        if subject.is_empty() || subject.chars().count() > 1000 {
            return Err(OfficeError::invalid(
                "bad-subject",
                "trích yếu phải có 1–1000 ký tự",
                "the subject needs 1–1000 characters",
            ));
        }
        let category_id = match m
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => None,
            Some(code) => Some(
                category::Entity::find()
                    .filter(category::Column::Code.eq(code))
                    .filter(category::Column::ScopeAgencyId.is_in([0, agency_id]))
                    .one(tx)
                    .await?
                    .ok_or_else(|| {
                        OfficeError::invalid(
                            "unknown-category",
                            format!("danh mục văn bản không tồn tại: {code}"),
                            format!("unknown category: {code}"),
                        )
                    })?
                    .id,
            ),
        };
        let today = crate::clock::vietnam_date(self.now());
        let due_date = match m.due_date.as_deref().filter(|d| !d.trim().is_empty()) {
            None => None,
            Some(d) => {
                let d = parse_date(d, "hạn xử lý", "the due date")?;
                if d < today {
                    return Err(OfficeError::invalid(
                        "past-due-date",
                        "hạn xử lý đã qua",
                        "the due date is in the past",
                    ));
                }
                Some(super::metadata::iso_date(d))
            }
        };
        let copies = m.copies.unwrap_or(1);
        if !(1..=10_000).contains(&copies) {
            return Err(OfficeError::invalid(
                "bad-copies",
                "số bản phải từ 1 đến 10000",
                "copies must be 1 to 10000",
            ));
        }
        let language = m.language.clone().unwrap_or_else(|| "vi".into());
        if !(2..=8).contains(&language.len())
            || !language
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-')
        {
            return Err(OfficeError::invalid(
                "bad-language",
                "mã ngôn ngữ không hợp lệ (ví dụ vi)",
                "bad language code (e.g. vi)",
            ));
        }
        let issue_place = match &m.issue_place {
            Some(p) => clean_text(p),
            None => self.ca.config().province.clone(),
        };
        if issue_place.is_empty() || issue_place.chars().count() > 100 {
            return Err(OfficeError::invalid(
                "bad-place",
                "địa danh phải có 1–100 ký tự",
                "the place of issue needs 1–100 characters",
            ));
        }
        let mut recipients = m.recipients.clone();
        recipients.sort_unstable();
        recipients.dedup();
        if recipients.len() > 500 {
            return Err(OfficeError::invalid(
                "too-many-recipients",
                "quá nhiều nơi nhận (tối đa 500)",
                "too many recipients (at most 500)",
            ));
        }
        if recipients.contains(&agency_id) {
            return Err(OfficeError::invalid(
                "self-recipient",
                "cơ quan ban hành không thể là nơi nhận",
                "the issuing agency cannot be a recipient",
            ));
        }
        if !recipients.is_empty() {
            let found = agency::Entity::find()
                .filter(agency::Column::Id.is_in(recipients.clone()))
                .filter(agency::Column::Active.eq(true))
                .all(tx)
                .await?;
            if found.len() != recipients.len() {
                let known: Vec<i64> = found.iter().map(|a| a.id).collect();
                let missing: Vec<String> = recipients
                    .iter()
                    .filter(|r| !known.contains(r))
                    .map(|r| r.to_string())
                    .collect();
                return Err(OfficeError::invalid(
                    "unknown-recipient",
                    format!(
                        "nơi nhận không tồn tại hoặc đã ngừng hoạt động: {}",
                        missing.join(", ")
                    ),
                    format!("unknown or inactive recipients: {}", missing.join(", ")),
                ));
            }
        }
        let replaces = match (m.replaces_id, m.relation.as_deref()) {
            (None, None) => None,
            (Some(id), Some(rel @ ("update" | "replace"))) => {
                let old = kyso_store::office::document::Entity::find_by_id(id)
                    .one(tx)
                    .await?
                    .filter(|d| d.agency_id == agency_id)
                    .ok_or_else(|| {
                        OfficeError::not_found("văn bản được thay thế", "document to replace")
                    })?;
                if !matches!(old.state.as_str(), "issued" | "recalled") {
                    return Err(OfficeError::invalid(
                        "not-issued",
                        "chỉ cập nhật hoặc thay thế được văn bản đã phát hành",
                        "only an issued document can be updated or replaced",
                    ));
                }
                Some((id, rel.to_string()))
            }
            _ => {
                return Err(OfficeError::invalid(
                    "bad-relation",
                    "cần cả replaces_id và relation (update hoặc replace)",
                    "both replaces_id and relation (update or replace) are needed",
                ))
            }
        };
        let layout = match &m.layout {
            Some(l) => {
                l.check()?;
                Some(serde_json::to_string(l).map_err(|e| OfficeError::internal("layout", e))?)
            }
            None => None,
        };
        Ok(Checked {
            type_code: ty.code,
            type_name: ty.name_vi,
            subject,
            category_id,
            priority: m.priority.code().to_string(),
            due_date,
            copies,
            language,
            issue_place,
            recipients,
            layout,
            replaces,
        })
    }

    /// Checks and stores the main PDF and the attachments (blobs only;
    /// the rows are written by the caller's transaction).
    pub(crate) async fn store_uploads(
        &self,
        main: &Upload,
        attachments: &[Upload],
    ) -> Result<(BlobRef, usize, Vec<(Upload, BlobRef)>)> {
        if attachments.len() > MAX_ATTACHMENTS {
            return Err(OfficeError::invalid(
                "too-many-attachments",
                format!("tối đa {MAX_ATTACHMENTS} tệp đính kèm"),
                format!("at most {MAX_ATTACHMENTS} attachments"),
            ));
        }
        let dir = self.work_dir()?;
        let limit = self.config.max_upload;
        let facts = check_pdf_bytes(&main.bytes, dir.path(), limit).await?;
        let mut att = Vec::new();
        for a in attachments {
            if a.bytes.len() > limit {
                return Err(too_large(limit));
            }
            if a.bytes.is_empty() {
                return Err(OfficeError::invalid(
                    "empty-file",
                    format!("tệp đính kèm rỗng: {}", a.name),
                    format!("empty attachment: {}", a.name),
                ));
            }
            if a.bytes.starts_with(b"%PDF-") {
                check_pdf_bytes(&a.bytes, dir.path(), limit).await?;
            }
        }
        // Everything checked: only now is anything stored.
        let main_ref = self.blobs.put(main.bytes.clone()).await?;
        for a in attachments {
            let r = self.blobs.put(a.bytes.clone()).await?;
            att.push((a.clone(), r));
        }
        Ok((main_ref, facts.pages, att))
    }

    /// Records the files of a document in `tx`.
    pub(crate) async fn record_files(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        doc_id: i64,
        main: Option<(&Upload, &BlobRef, &str)>,
        attachments: &[(Upload, BlobRef)],
        now: time::OffsetDateTime,
    ) -> Result<()> {
        if let Some((u, r, role)) = main {
            kyso_store::record_blob(tx, r, "application/pdf", None, now).await?;
            insert_file(
                tx,
                doc_id,
                role,
                &clean_file_name(&u.name),
                &r.sha256,
                None,
                Some(actor.person_id),
                now,
            )
            .await?;
        }
        for (u, r) in attachments {
            let media = if u.bytes.starts_with(b"%PDF-") {
                "application/pdf".to_string()
            } else {
                clean_media_type(&u.media_type)
            };
            kyso_store::record_blob(tx, r, &media, None, now).await?;
            insert_file(
                tx,
                doc_id,
                "attachment",
                &clean_file_name(&u.name),
                &r.sha256,
                None,
                Some(actor.person_id),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Writes a new draft's rows in `tx`: the document (state `draft`, the
    /// actor its drafter), its recipients and its files. The caller checks
    /// the actor's right and writes the audit entry.
    pub(crate) async fn insert_document(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        n: NewRows<'_>,
        now: time::OffsetDateTime,
    ) -> Result<document::Model> {
        let c = n.checked;
        let t = now.unix_timestamp();
        let d = document::ActiveModel {
            agency_id: Set(n.agency_id),
            flow: Set(n.flow.code().into()),
            state: Set(State::Draft.code().into()),
            type_code: Set(c.type_code),
            type_name: Set(c.type_name),
            subject: Set(c.subject),
            category_id: Set(c.category_id),
            priority: Set(c.priority),
            due_date: Set(c.due_date),
            page_count: Set(i32::try_from(n.pages).unwrap_or(i32::MAX)),
            copies: Set(c.copies),
            language: Set(c.language),
            issue_place: Set(c.issue_place),
            signer_position: Set(None),
            signer_name: Set(None),
            drafter_id: Set(actor.person_id),
            approver_id: Set(None),
            clerk_id: Set((n.flow == Flow::Seal).then_some(actor.person_id)),
            number: Set(None),
            notation: Set(None),
            register_year: Set(None),
            issued_date: Set(None),
            issued_at: Set(None),
            replaces_id: Set(c.replaces.as_ref().map(|r| r.0)),
            relation: Set(c.replaces.as_ref().map(|r| r.1.clone())),
            layout: Set(c.layout),
            comment: Set(None),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        }
        .insert(tx)
        .await?;
        for r in &c.recipients {
            document_recipient::Entity::insert(document_recipient::ActiveModel {
                document_id: Set(d.id),
                agency_id: Set(*r),
            })
            .exec_without_returning(tx)
            .await?;
        }
        let (main, main_ref) = n.main;
        self.record_files(
            tx,
            actor,
            d.id,
            Some((main, main_ref, "draft")),
            n.attachments,
            now,
        )
        .await?;
        Ok(d)
    }

    /// Creates a draft: a drafter's for the two-signature flow, a clerk's
    /// scanned original for the one-signature flow. With an idempotency
    /// key, a repeated request returns the first draft instead.
    pub async fn create_draft(
        &self,
        actor: &Actor,
        n: NewDraft,
        idempotency_key: Option<&str>,
    ) -> Result<DocumentView> {
        self.guard(actor, "document.create", async || {
            actor.require_scope(Scope::Write)?;
            let role = match n.flow {
                Flow::Two => crate::Role::Drafter,
                Flow::Seal => crate::Role::Clerk,
            };
            actor.require(role, n.agency_id)?;
            refuse_secret(n.metadata.secrecy)?;
            let request_hash = crate::idempotency::request_hash(&[
                b"document.create",
                &n.agency_id.to_le_bytes(),
                n.flow.code().as_bytes(),
                serde_json::to_string(&n.metadata)
                    .unwrap_or_default()
                    .as_bytes(),
                kyso_store::blobs::sha256_hex(&n.main.bytes).as_bytes(),
            ]);
            if let Some(key) = idempotency_key {
                if let Some(id) = self.idempotent_result(actor, key, &request_hash).await? {
                    return self.document(actor, id).await;
                }
            }
            // Everything that can be refused is checked before any byte
            // reaches the blob store (again in the transaction below).
            self.check_metadata(self.store.connection(), n.agency_id, &n.metadata)
                .await?;
            let (main_ref, pages, att) = self.store_uploads(&n.main, &n.attachments).await?;
            let warnings = match n.flow {
                Flow::Seal => self.scan_warnings_of(&n.main.bytes).await?,
                Flow::Two => Vec::new(),
            };
            let now = self.now();
            self.store
                .write(async |tx| {
                    if let Some(key) = idempotency_key {
                        if let Some(id) = self
                            .claim_idempotency(tx, actor, key, &request_hash)
                            .await?
                        {
                            let d = self.document_model(tx, actor, id).await?;
                            return self.document_view(tx, d).await;
                        }
                    }
                    let c = self.check_metadata(tx, n.agency_id, &n.metadata).await?;
                    let d = self
                        .insert_document(
                            tx,
                            actor,
                            NewRows {
                                agency_id: n.agency_id,
                                flow: n.flow,
                                checked: c,
                                pages,
                                main: (&n.main, &main_ref),
                                attachments: &att,
                            },
                            now,
                        )
                        .await?;
                    if let Some(key) = idempotency_key {
                        self.finish_idempotency(tx, actor, key, d.id).await?;
                    }
                    record(
                        tx,
                        actor,
                        Entry::new("document.create", "document", d.id)
                            .agency(n.agency_id)
                            .role(role)
                            .sha256(main_ref.sha256.clone())
                            .detail(
                                [n.flow.code().to_string()]
                                    .into_iter()
                                    .chain(warnings.iter().cloned())
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            ),
                        now,
                    )
                    .await?;
                    let mut view = self.document_view(tx, d).await?;
                    view.warnings = warnings.clone();
                    Ok(view)
                })
                .await
        })
        .await
    }

    /// Revises a draft (or a returned document): a new main file, new
    /// attachments (replacing the old ones) and/or new metadata.
    pub async fn revise_draft(
        &self,
        actor: &Actor,
        id: i64,
        metadata: Option<DocumentMetadata>,
        main: Option<Upload>,
        attachments: Option<Vec<Upload>>,
    ) -> Result<DocumentView> {
        self.guard(actor, "document.revise", async || {
            actor.require_scope(Scope::Write)?;
            if let Some(m) = &metadata {
                refuse_secret(m.secrecy)?;
                let d = self
                    .document_model(self.store.connection(), actor, id)
                    .await?;
                self.check_metadata(self.store.connection(), d.agency_id, m)
                    .await?;
            }
            let stored = match &main {
                Some(u) => Some(
                    self.store_uploads(u, attachments.as_deref().unwrap_or_default())
                        .await?,
                ),
                None => None,
            };
            let att_only = match (&main, &attachments) {
                (None, Some(a)) => Some(self.store_attachments(a).await?),
                _ => None,
            };
            let now = self.now();
            self.store
                .write(async |tx| {
                    let d = self.document_for_update(tx, actor, id).await?;
                    let flow = Flow::parse(&d.flow)?;
                    let rule = transition(flow, State::parse(&d.state)?, Action::Revise)?;
                    actor.require_any(rule.roles, d.agency_id)?;
                    if flow == Flow::Two && d.drafter_id != actor.person_id {
                        return Err(OfficeError::forbidden(
                            "chỉ người soạn thảo được sửa dự thảo của mình",
                            "only its drafter may revise a draft",
                        ));
                    }
                    let mut a: document::ActiveModel = d.clone().into();
                    if let Some(m) = &metadata {
                        let c = self.check_metadata(tx, d.agency_id, m).await?;
                        a.type_code = Set(c.type_code);
                        a.type_name = Set(c.type_name);
                        a.subject = Set(c.subject);
                        a.category_id = Set(c.category_id);
                        a.priority = Set(c.priority);
                        a.due_date = Set(c.due_date);
                        a.copies = Set(c.copies);
                        a.language = Set(c.language);
                        a.issue_place = Set(c.issue_place);
                        a.layout = Set(c.layout);
                        a.replaces_id = Set(c.replaces.as_ref().map(|r| r.0));
                        a.relation = Set(c.replaces.as_ref().map(|r| r.1.clone()));
                        document_recipient::Entity::delete_many()
                            .filter(document_recipient::Column::DocumentId.eq(id))
                            .exec(tx)
                            .await?;
                        for r in &c.recipients {
                            document_recipient::Entity::insert(document_recipient::ActiveModel {
                                document_id: Set(id),
                                agency_id: Set(*r),
                            })
                            .exec_without_returning(tx)
                            .await?;
                        }
                    }
                    if attachments.is_some() {
                        document_file::Entity::delete_many()
                            .filter(document_file::Column::DocumentId.eq(id))
                            .filter(document_file::Column::Role.eq("attachment"))
                            .exec(tx)
                            .await?;
                    }
                    if let Some((main_ref, pages, att)) = &stored {
                        a.page_count = Set(i32::try_from(*pages).unwrap_or(i32::MAX));
                        let u = main.as_ref().expect("stored implies main");
                        self.record_files(tx, actor, id, Some((u, main_ref, "draft")), att, now)
                            .await?;
                    }
                    if let Some(att) = &att_only {
                        self.record_files(tx, actor, id, None, att, now).await?;
                    }
                    a.state = Set(rule.to.code().into());
                    a.updated_at = Set(now.unix_timestamp());
                    let d = a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("document.revise", "document", id).agency(d.agency_id),
                        now,
                    )
                    .await?;
                    self.document_view(tx, d).await
                })
                .await
        })
        .await
    }

    async fn store_attachments(&self, attachments: &[Upload]) -> Result<Vec<(Upload, BlobRef)>> {
        if attachments.len() > MAX_ATTACHMENTS {
            return Err(OfficeError::invalid(
                "too-many-attachments",
                format!("tối đa {MAX_ATTACHMENTS} tệp đính kèm"),
                format!("at most {MAX_ATTACHMENTS} attachments"),
            ));
        }
        let dir = self.work_dir()?;
        for a in attachments {
            if a.bytes.len() > self.config.max_upload {
                return Err(too_large(self.config.max_upload));
            }
            if a.bytes.starts_with(b"%PDF-") {
                check_pdf_bytes(&a.bytes, dir.path(), self.config.max_upload).await?;
            }
        }
        let mut out = Vec::new();
        for a in attachments {
            out.push((a.clone(), self.blobs.put(a.bytes.clone()).await?));
        }
        Ok(out)
    }

    /// A plain state change by the rules' roles, with a comment kept.
    pub(crate) async fn simple_transition(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        comment: Option<&str>,
        audit_action: &'static str,
    ) -> Result<DocumentView> {
        self.guard(actor, audit_action, async || {
            actor.require_scope(Scope::Write)?;
            let comment = comment.map(clean_text);
            if let Some(c) = &comment {
                if c.is_empty() || c.chars().count() > 2000 {
                    return Err(OfficeError::invalid(
                        "bad-comment",
                        "ý kiến phải có 1–2000 ký tự",
                        "the comment needs 1–2000 characters",
                    ));
                }
            }
            let now = self.now();
            self.store
                .write(async |tx| {
                    let d = self.document_for_update(tx, actor, id).await?;
                    let flow = Flow::parse(&d.flow)?;
                    let rule = transition(flow, State::parse(&d.state)?, action)?;
                    let m = actor.require_any(rule.roles, d.agency_id)?;
                    let role = m.role;
                    if action == Action::Submit && d.drafter_id != actor.person_id {
                        return Err(OfficeError::forbidden(
                            "chỉ người soạn thảo được trình dự thảo của mình",
                            "only its drafter may submit a draft",
                        ));
                    }
                    let mut a: document::ActiveModel = d.clone().into();
                    a.state = Set(rule.to.code().into());
                    a.updated_at = Set(now.unix_timestamp());
                    if comment.is_some() {
                        a.comment = Set(comment.clone());
                    }
                    let d = a.update(tx).await?;
                    let mut e = Entry::new(audit_action, "document", id)
                        .agency(d.agency_id)
                        .role(role);
                    if let Some(c) = &comment {
                        e = e.detail(c.clone());
                    }
                    record(tx, actor, e, now).await?;
                    if action == Action::Return {
                        // The letter of a certificate request: its request goes back too.
                        self.return_with_letter(tx, actor, id, comment.as_deref(), now)
                            .await?;
                    }
                    self.document_view(tx, d).await
                })
                .await
        })
        .await
    }

    /// The drafter submits the draft to the approvers.
    pub async fn submit_draft(&self, actor: &Actor, id: i64) -> Result<DocumentView> {
        self.simple_transition(actor, id, Action::Submit, None, "document.submit")
            .await
    }

    /// An approver returns a submitted draft with a comment.
    pub async fn return_draft(
        &self,
        actor: &Actor,
        id: i64,
        comment: &str,
    ) -> Result<DocumentView> {
        self.simple_transition(actor, id, Action::Return, Some(comment), "document.return")
            .await
    }

    /// The drafter (or, for a scan, the clerk) cancels a draft.
    pub async fn cancel_draft(&self, actor: &Actor, id: i64) -> Result<DocumentView> {
        self.simple_transition(actor, id, Action::Cancel, None, "document.cancel")
            .await
    }

    /// The newest file of `doc_id` with one of `roles`.
    pub(crate) async fn latest_file(
        &self,
        db: &impl ConnectionTrait,
        doc_id: i64,
        roles: &[&str],
    ) -> Result<document_file::Model> {
        use kyso_store::sea_orm::QueryOrder;
        document_file::Entity::find()
            .filter(document_file::Column::DocumentId.eq(doc_id))
            .filter(document_file::Column::Role.is_in(roles.iter().copied()))
            .order_by_desc(document_file::Column::Id)
            .one(db)
            .await?
            .ok_or_else(|| {
                OfficeError::internal(
                    "document file",
                    format!("document {doc_id} has no {roles:?} file"),
                )
            })
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_file(
    tx: &impl ConnectionTrait,
    doc_id: i64,
    role: &str,
    name: &str,
    sha256: &str,
    parent: Option<&str>,
    by: Option<i64>,
    now: time::OffsetDateTime,
) -> Result<i64> {
    let r = document_file::ActiveModel {
        document_id: Set(doc_id),
        role: Set(role.into()),
        name: Set(name.into()),
        blob_sha256: Set(sha256.into()),
        parent_sha256: Set(parent.map(str::to_string)),
        created_by: Set(by),
        created_at: Set(now.unix_timestamp()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(r.id)
}

/// A media type as given, if it looks like one; else octet-stream.
fn clean_media_type(m: &str) -> String {
    let m = m.trim().to_ascii_lowercase();
    let ok = m.len() <= 100
        && m.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && m.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/.+-".contains(c))
        });
    if ok {
        m
    } else {
        "application/octet-stream".into()
    }
}
