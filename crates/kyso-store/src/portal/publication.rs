//! `publication`: an issued document published on its agency's portal
//! page — in which section, which file (the issued file, never changed),
//! its verification verdict when it was published, by whom and when. A
//! document is published at most once (its id is the key); withdrawing it
//! deletes the row (the audit log keeps the history).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: i64,
    /// The issuing agency (the portal page it is listed on).
    pub agency_id: i64,
    /// `schedule`, `legal` or `notice`.
    pub section: String,
    /// The published file: the document's issued (sealed) file.
    pub blob_sha256: String,
    /// ETSI indication of the file's verification at publication.
    pub indication: String,
    pub verdict_vi: String,
    pub verdict_en: String,
    pub published_by: i64,
    pub published_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
