//! Reading a document's files: the sender's people see every version;
//! a recipient's people see what was issued to them (the sealed file,
//! the sealed attachments and signatures, the verification report, the
//! issue time-stamp) — never the drafts.

use bytes::Bytes;
use kyso_store::office::{delivery, document, document_file};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::actor::{Actor, Scope};
use crate::document::FileView;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// File roles a recipient may read.
pub const ISSUED_ROLES: &[&str] = &[
    "sealed",
    "attachment-sealed",
    "attachment-signature",
    "attachment",
    "verification",
    "issue-timestamp",
    crate::archive::ltv::ARCHIVE_ROLE,
];

/// Roles that read the files of incoming documents.
const RECIPIENT_READERS: &[Role] = &[
    Role::Clerk,
    Role::Head,
    Role::Approver,
    Role::Drafter,
    Role::Auditor,
];

impl Office {
    /// File `file_id` of document `doc_id` with its bytes, if the actor
    /// may read it.
    pub async fn document_file(
        &self,
        actor: &Actor,
        doc_id: i64,
        file_id: i64,
    ) -> Result<(FileView, Bytes)> {
        actor.require_scope(Scope::Read)?;
        let db = self.store.connection();
        let not_found = || OfficeError::not_found("tệp", "file");
        let d = document::Entity::find_by_id(doc_id)
            .one(db)
            .await?
            .ok_or_else(not_found)?;
        let f = document_file::Entity::find_by_id(file_id)
            .one(db)
            .await?
            .filter(|f| f.document_id == doc_id)
            .ok_or_else(not_found)?;
        let sender_side = crate::document::READERS
            .iter()
            .any(|r| actor.has(*r, d.agency_id));
        if !sender_side {
            let deliveries = delivery::Entity::find()
                .filter(delivery::Column::DocumentId.eq(doc_id))
                .all(db)
                .await?;
            let recipient = deliveries.iter().any(|dl| {
                dl.assigned_person_id == Some(actor.person_id)
                    || RECIPIENT_READERS
                        .iter()
                        .any(|r| actor.has(*r, dl.agency_id))
            });
            if !recipient || !ISSUED_ROLES.contains(&f.role.as_str()) {
                return Err(not_found());
            }
        }
        let view = self
            .document_view(db, d)
            .await?
            .files
            .into_iter()
            .find(|v| v.id == file_id)
            .ok_or_else(not_found)?;
        let bytes = self.blobs.get(&f.blob_sha256).await?;
        Ok((view, bytes))
    }
}
