//! `desk_custody`: one change of custodian of a device (R-TOKEN-ORG) —
//! the organization token passing from one of the agency's people to
//! another — with the handover whose sealed record it rests on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_custody")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub device_id: i64,
    /// The handover with its sealed record (one change per handover).
    pub handover_id: i64,
    /// The device's agency at the change.
    pub agency_id: i64,
    /// The custodian before (`None`: nobody held it).
    pub old_holder_id: Option<i64>,
    /// The custodian after.
    pub new_holder_id: i64,
    /// SHA-256 of the sealed record PDF the change rests on.
    pub record_sha256: String,
    pub changed_by: i64,
    pub changed_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
