//! `document_file`: every version of a document's file and its
//! attachments, each a blob; a signed version links to its parent.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_file")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub document_id: i64,
    /// `draft`, `approved`, `sealed`, `attachment`, `attachment-sealed`,
    /// `attachment-signature` (a detached CAdES), `verification`.
    pub role: String,
    /// File name shown to people.
    pub name: String,
    pub blob_sha256: String,
    /// For an attachment's sealed version or signature: its attachment's blob.
    pub parent_sha256: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
