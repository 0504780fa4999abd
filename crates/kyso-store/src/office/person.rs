//! `person`: an official with an account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Login name (unique, lower case).
    pub username: String,
    pub full_name: String,
    /// Official e-mail (shown in signature appearances).
    pub email: String,
    pub phone: String,
    /// Argon2id PHC string; `None`: no password login (API tokens only).
    pub password_hash: Option<String>,
    /// Failed logins since the last success.
    pub failed_logins: i32,
    /// Login refused until this time after too many failures.
    pub locked_until: Option<i64>,
    /// The personal signing certificate, DER (for display and checks).
    pub certificate_der: Option<Vec<u8>>,
    /// SHA-256 (hex) of the handwritten signature specimen blob (PNG).
    pub signature_image: Option<String>,
    /// `vi` or `en`.
    pub language: String,
    pub active: bool,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
