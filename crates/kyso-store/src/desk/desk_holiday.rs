//! `desk_holiday`: one day of the working-day calendar that is not what
//! its weekday says: a public holiday (fixed or lunar), a compensatory day
//! off, or a weekend day made a working day.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_holiday")]
pub struct Model {
    /// ISO date `YYYY-MM-DD`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    /// `fixed`, `lunar`, `compensatory` (days off) or `workday` (a
    /// Saturday or Sunday worked in exchange).
    pub kind: String,
    pub name: String,
    pub updated_by: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
