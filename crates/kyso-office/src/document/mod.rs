//! Outgoing documents (văn bản đi): drafting, both signing flows,
//! numbering, sealing and issuing, each a use case of [`crate::Office`].

pub mod approve;
pub mod draft;
pub mod issue;
pub mod layout;
pub mod metadata;
pub mod seal;
pub mod state;
mod view;

pub(crate) use view::{iso, number_text as view_number_text};

pub use view::{DocumentFilter, DocumentSummary, DocumentView, FileView, RecipientView};

use kyso_store::office::document;
use kyso_store::sea_orm::{ConnectionTrait, EntityTrait};

use crate::actor::Actor;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Roles that see an agency's documents.
pub const READERS: &[Role] = &[
    Role::Drafter,
    Role::Approver,
    Role::Clerk,
    Role::Head,
    Role::Auditor,
];

impl Office {
    /// Document `id`, or not-found (also when the actor may not see it:
    /// another agency's drafts are not even acknowledged).
    pub(crate) async fn document_model(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<document::Model> {
        let d = document::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| OfficeError::not_found("văn bản", "document"))?;
        if READERS.iter().any(|r| actor.has(*r, d.agency_id)) {
            return Ok(d);
        }
        Err(OfficeError::not_found("văn bản", "document"))
    }

    /// Document `id` locked for update (`FOR UPDATE` on PostgreSQL; the
    /// SQLite write transaction holds the database already).
    pub(crate) async fn document_for_update(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<document::Model> {
        use kyso_store::sea_orm::QuerySelect;
        let mut q = document::Entity::find_by_id(id);
        if tx.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        let d = q
            .one(tx)
            .await?
            .ok_or_else(|| OfficeError::not_found("văn bản", "document"))?;
        if READERS.iter().any(|r| actor.has(*r, d.agency_id)) {
            Ok(d)
        } else {
            Err(OfficeError::not_found("văn bản", "document"))
        }
    }
}
