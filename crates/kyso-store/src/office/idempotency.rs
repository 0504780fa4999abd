//! `idempotency`: the answer given to a request with an `Idempotency-Key`,
//! so that a retried submission is answered again instead of done twice.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// What the request was (use case and input hash): the same key with
    /// another request is refused.
    pub request_sha256: String,
    /// The result (JSON).
    pub response: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
