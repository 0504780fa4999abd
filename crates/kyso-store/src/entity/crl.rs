//! `crl`: every CRL published, keyed by (issuer_id, crl_number).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "crl")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub issuer_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub crl_number: i64,
    pub this_update: i64,
    pub next_update: i64,
    pub der: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
