//! `desk_request`: one certificate request (yêu cầu chứng thư số) of one of
//! the five kinds, with its form, its state and who did what.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `issue_person`, `issue_organization`, `renew`, `change`, `revoke`,
    /// `recover_token`.
    pub kind: String,
    /// The workflow state (see `kyso_office::desk::state`).
    pub state: String,
    /// `ca` or `department` (Decree 68/2024 routing).
    pub route: String,
    /// The subscriber's agency (its managing organization confirms).
    pub agency_id: i64,
    /// The subscriber when they have an account.
    pub subscriber_id: Option<i64>,
    pub created_by: i64,
    // The form.
    pub identity_number: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub phone: String,
    pub reason: String,
    /// The token the request concerns (renewal, change, revocation,
    /// recovery), by serial.
    pub token_serial: Option<String>,
    /// The certificate it concerns (renewal, change, revocation), hex serial.
    pub certificate_serial: Option<String>,
    /// RFC 5280 CRLReason code of a revocation.
    pub revocation_reason: Option<i32>,
    /// Days a renewal asks for.
    pub renewal_days: Option<i32>,
    // The workflow.
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<i64>,
    /// The confirming person's statement that they answer for the form.
    pub confirmation: Option<String>,
    pub sent_at: Option<i64>,
    /// The last day (ISO) by which the CA/department must decide.
    pub due_date: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    /// Written reasons of a return or refusal; the decision's note.
    pub note: Option<String>,
    /// The certificate issued, renewed or changed (hex serial).
    pub issued_serial: Option<String>,
    pub completed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The request as a letter (công văn đề nghị): the managing
    /// organization's outgoing document, drafted on confirmation, signed
    /// by its approver and sealed, issued to the CA or the department
    /// (migration `m0017_desk_letter`).
    pub letter_document_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
