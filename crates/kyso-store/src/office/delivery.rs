//! `delivery`: an issued document at one recipient agency (văn bản đến),
//! with its status code (DESIGN §9: 01 … 16).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub document_id: i64,
    /// The recipient agency.
    pub agency_id: i64,
    /// Current status code: `01` arrived … `16` refused.
    pub status: String,
    /// System time of sending and of arrival (R-TIMESTAMP).
    pub sent_at: i64,
    pub arrived_at: i64,
    /// The automatic verification on arrival: `TOTAL-PASSED`, … .
    pub verification: String,
    /// The report blob (JSON).
    pub verification_sha256: Option<String>,
    pub incoming_number: Option<i64>,
    pub incoming_year: Option<i32>,
    pub registered_at: Option<i64>,
    pub assigned_person_id: Option<i64>,
    pub assigned_unit: Option<String>,
    pub reason: Option<String>,
    /// Recalled by the sender and accepted: no further processing.
    pub frozen: bool,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
