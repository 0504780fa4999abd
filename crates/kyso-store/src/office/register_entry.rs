//! `register_entry`: one line of an agency's outgoing or incoming register
//! (sổ đăng ký văn bản) of a year. Numbers start at 1 on 1 January and are
//! unique per agency, direction and year (Decree 30/2020 Art. 15, 22).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "register_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    /// `out` or `in`.
    pub direction: String,
    pub year: i32,
    pub number: i64,
    /// `QĐ-UBND` for an outgoing document.
    pub notation: Option<String>,
    pub document_id: Option<i64>,
    pub delivery_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
