//! Reading a document's files: the sender's people see every version;
//! a recipient's people see what was issued to them (the sealed file,
//! the sealed attachments and signatures, the verification report, the
//! issue time-stamp) — never the drafts.

use bytes::Bytes;
use kyso_store::office::{delivery, document, document_file};
use kyso_store::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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

/// On which side of a document a reader stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReaderSide {
    /// A reader of the issuing agency: every version.
    Sender,
    /// A reader of an agency it was issued to (or the person assigned to
    /// it there): what was issued.
    Recipient,
}

impl Office {
    /// Whether and how `actor` may read document `d`'s files: the
    /// document's agency's readers, or the readers of an agency it was
    /// sent to (and the person assigned to it there).
    pub(crate) async fn reader_side(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        d: &document::Model,
    ) -> Result<Option<ReaderSide>> {
        if crate::document::READERS
            .iter()
            .any(|r| actor.has(*r, d.agency_id))
        {
            return Ok(Some(ReaderSide::Sender));
        }
        let deliveries = delivery::Entity::find()
            .filter(delivery::Column::DocumentId.eq(d.id))
            .all(db)
            .await?;
        let recipient = deliveries.iter().any(|dl| {
            dl.assigned_person_id == Some(actor.person_id)
                || RECIPIENT_READERS
                    .iter()
                    .any(|r| actor.has(*r, dl.agency_id))
        });
        Ok(recipient.then_some(ReaderSide::Recipient))
    }

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
        match self.reader_side(db, actor, &d).await? {
            Some(ReaderSide::Sender) => {}
            Some(ReaderSide::Recipient) if ISSUED_ROLES.contains(&f.role.as_str()) => {}
            _ => return Err(not_found()),
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
