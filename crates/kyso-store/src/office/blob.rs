//! `blob`: a file kept in the blob store, by its SHA-256. The bytes live in
//! the object store (files or S3); the row says they exist and are
//! referenced. Written once, never changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blob")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    /// The blob this one was made from (a signed file's unsigned input).
    pub parent_sha256: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
