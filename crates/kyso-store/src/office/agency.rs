//! `agency`: a state agency (cơ quan), one node of the province's tree.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The agency above this one; `None` for the province.
    pub parent_id: Option<i64>,
    /// Official electronic identifier code, e.g. `000.00.01.H45` (unique).
    pub code: String,
    /// Full name, e.g. `Ủy ban nhân dân tỉnh Ninh Bình`.
    pub name: String,
    /// Abbreviation used in document notations, e.g. `UBND`, `SKHCN`.
    pub short_name: String,
    /// `province`, `department`, `district`, `commune` or `unit`.
    pub level: String,
    pub email: String,
    pub address: String,
    pub phone: String,
    /// SHA-256 (hex) of the seal image blob (PNG), if any.
    pub seal_image: Option<String>,
    /// The organization (seal) certificate, DER.
    pub certificate_der: Option<Vec<u8>>,
    /// Where the seal key lives: `file` (encrypted PKCS#8 in the data
    /// directory) or `pkcs11`.
    pub key_kind: Option<String>,
    /// The file name, or the PKCS#11 module/token/key reference.
    pub key_ref: Option<String>,
    pub active: bool,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
