//! `desk_periodic_report`: a report of the certificate desk made on the
//! schedule (monthly by default) for a reporting body (the department),
//! signed with its seal and kept as a blob (issue 12 §8; R-REPORTS).
//! One report per body and period: the unique index makes a replica that
//! comes second keep nothing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_periodic_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The reporting body whose seal signed it.
    pub agency_id: i64,
    /// `YYYY-MM` for a month, `YYYY-Qn` for a quarter.
    pub period: String,
    /// First and last day covered (ISO).
    pub from_day: String,
    pub to_day: String,
    /// The signed PDF.
    pub blob_sha256: String,
    /// The figures as JSON (the same as the PDF's).
    pub figures: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
