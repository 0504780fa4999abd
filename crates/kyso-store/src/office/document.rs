//! `document`: an outgoing document of an agency and its Decree 30/2020
//! metadata (Appendix VI), through drafting, approval, numbering, sealing
//! and issuing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The issuing agency.
    pub agency_id: i64,
    /// `seal` (one signature, R-FLOW-SEAL) or `two` (R-FLOW-TWO).
    pub flow: String,
    /// The workflow state (kyso-office's state machine).
    pub state: String,
    /// Document type code (`QĐ`, `CV`, …) and its name.
    pub type_code: String,
    pub type_name: String,
    /// Subject / summary (trích yếu).
    pub subject: String,
    pub category_id: Option<i64>,
    /// `thuong`, `khan`, `thuong_khan`, `hoa_toc`.
    pub priority: String,
    /// ISO date.
    pub due_date: Option<String>,
    pub page_count: i32,
    pub copies: i32,
    pub language: String,
    /// Place of issue (địa danh), e.g. `Ninh Bình`.
    pub issue_place: String,
    pub signer_position: Option<String>,
    pub signer_name: Option<String>,
    pub drafter_id: i64,
    pub approver_id: Option<i64>,
    pub clerk_id: Option<i64>,
    /// Number in the outgoing register, once numbered.
    pub number: Option<i64>,
    /// Notation after the number, e.g. `QĐ-UBND`.
    pub notation: Option<String>,
    pub register_year: Option<i32>,
    /// Issue date printed on the document (ISO).
    pub issued_date: Option<String>,
    /// System time it was issued.
    pub issued_at: Option<i64>,
    /// The document this one updates or replaces.
    pub replaces_id: Option<i64>,
    /// `update` or `replace` when `replaces_id` is set.
    pub relation: Option<String>,
    /// JSON: where the approver's, number, date and seal boxes go.
    pub layout: Option<String>,
    /// Last comment (return reason, recall reason).
    pub comment: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
