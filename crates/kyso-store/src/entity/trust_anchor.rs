//! `trust_anchor`: root certificates trusted for validation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trust_anchor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fingerprint_sha256: String,
    pub subject: String,
    pub label: String,
    pub der: Vec<u8>,
    pub added_at: i64,
    pub builtin: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
