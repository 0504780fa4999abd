//! `pending_signature`: documents prepared for a signature made elsewhere
//! (the browser's local agent), each bound to a one-time nonce.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_signature")]
pub struct Model {
    /// SHA-256 (hex) of the nonce; the nonce itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub nonce_sha256: String,
    pub document_title: String,
    /// Hex of the digest the key is to sign.
    pub digest_hex: String,
    pub algorithm: String,
    /// SHA-256 (hex) of the signer certificate's DER.
    pub certificate_sha256: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
