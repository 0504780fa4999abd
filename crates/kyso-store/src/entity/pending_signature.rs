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
    /// What the signature is for: `sign` (the /sign page) or
    /// `approve:<document id>` (the office's approval).
    pub purpose: Option<String>,
    /// SHA-256 (hex) of the signature value that consumed the nonce.
    pub signature_sha256: Option<String>,
    /// SHA-256 (hex) of the signed file stored as a blob, once finalized:
    /// a retry of the same signature gets it again.
    pub result_sha256: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
