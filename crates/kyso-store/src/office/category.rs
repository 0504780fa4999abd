//! `category`: document categories (R-CATEGORIES as the default set, each
//! agency's own additions, R-EXTRA-CATEGORIES).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The agency that added it; 0 for the default set.
    pub scope_agency_id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
