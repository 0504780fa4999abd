//! `session`: a browser login, kept in the database so any replica serves it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    /// SHA-256 (hex) of the session cookie's secret; the secret is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_sha256: String,
    pub person_id: i64,
    /// The CSRF token bound to this session.
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
