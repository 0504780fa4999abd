//! `audit_entry`: one entry of the hash-chained audit log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: i64,
    pub person_id: Option<i64>,
    pub actor: String,
    pub role: Option<String>,
    pub agency_id: Option<i64>,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub object_sha256: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
