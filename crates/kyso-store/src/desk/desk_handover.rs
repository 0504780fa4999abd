//! `desk_handover`: one handover of a device between two parties, with
//! its record (biên bản bàn giao) PDF.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_handover")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub device_id: i64,
    pub request_id: Option<i64>,
    /// `handover` or `loss` (a loss record).
    pub kind: String,
    /// `in_person`, `cipher` (through the cipher organization) or `post`.
    pub method: String,
    pub tracking_number: Option<String>,
    /// ISO date of the handover.
    pub handed_on: String,
    pub from_party: String,
    pub to_party: String,
    pub note: Option<String>,
    /// SHA-256 of the sealed record PDF blob.
    pub record_sha256: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
