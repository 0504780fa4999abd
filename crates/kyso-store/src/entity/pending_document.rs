//! `pending_document`: the prepared PDF of a pending signature, so that
//! any replica can finalize it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_document")]
pub struct Model {
    /// The `pending_signature` row this document belongs to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub nonce_sha256: String,
    /// The prepared file: the incremental update written, `/ByteRange`
    /// patched, `/Contents` still zeros.
    pub prepared_pdf: Vec<u8>,
    /// Offset of the `<` opening `/Contents`.
    pub contents_start: i64,
    /// Offset just after the `>` closing `/Contents`.
    pub contents_end: i64,
    /// Bytes reserved for the CMS.
    pub contents_size: i64,
    /// Name of the signature field.
    pub field_name: String,
    /// Expiry of the pending signature (copied, to purge without a join).
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
