//! `membership`: a person holds a role in an agency.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub agency_id: i64,
    pub role_code: String,
    /// Position (chức vụ), e.g. `Chủ tịch`, for box 7a.
    pub position: Option<String>,
    /// Authority line (quyền hạn), e.g. `TM. ỦY BAN NHÂN DÂN` or `KT. CHỦ TỊCH`.
    pub title: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
