//! `certificate`: the registry of every certificate the CA issued.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub serial_hex: String,
    pub issuer_id: String,
    pub profile: String,
    pub subject: String,
    pub subject_email: Option<String>,
    pub not_before: i64,
    pub not_after: i64,
    pub der: Vec<u8>,
    #[sea_orm(unique)]
    pub fingerprint_sha256: String,
    pub status: String,
    pub revoked_at: Option<i64>,
    pub revocation_reason: Option<i16>,
    pub renewed_from: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
