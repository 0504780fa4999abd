//! `desk_device`: a key device (USB token) in the registry.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_device")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The token's serial number (unique).
    pub serial: String,
    pub model: String,
    /// The PKCS#11 module that drives it.
    pub module: String,
    /// `new`, `issued`, `in_use`, `locked`, `lost`, `returned`, `destroyed`.
    pub state: String,
    /// The agency it belongs to.
    pub agency_id: i64,
    /// The person holding it (subscriber or the organization's custodian).
    pub holder_id: Option<i64>,
    /// The certificate on it (hex serial).
    pub certificate_serial: Option<String>,
    /// ISO date by which it must be back at the CA (after revocation or
    /// expiry).
    pub return_due: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
