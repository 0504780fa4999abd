//! `document_text`: the text layer of a stored PDF, extracted once (by the
//! first replica that indexes a document whose file it is) and kept, so
//! that every replica's index and every rebuild read it from here.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_text")]
pub struct Model {
    /// The PDF blob the text was read from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub blob_sha256: String,
    /// NFC text, pages separated by a blank line; empty for a scan.
    pub text: String,
    pub pages: i32,
    /// Pages with any text (0: a scan, searchable by its metadata only).
    pub pages_with_text: i32,
    /// Cut at the extraction limit.
    pub truncated: bool,
    /// Why the file could not be read, if it could not.
    pub error: Option<String>,
    pub extracted_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
