//! `desk_notice`: the notice log (issue 12 §7). One row per notice ever
//! due — an expiry warning, a request's state change, an overdue request —
//! keyed by what it is about (`kind`, `subject_ref`, `threshold`, unique)
//! so that no notice is queued twice, even by several replicas: a replica
//! inserts the row first and sends only the rows whose lease it takes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `expiry`, `state` or `overdue`.
    pub kind: String,
    /// The certificate's hex serial (expiry) or the request's id.
    pub subject_ref: String,
    /// Days before expiry (30, 14, 3), the history row's id (state
    /// change) or the missed due date as `YYYYMMDD` (overdue).
    pub threshold: i64,
    /// The request the notice concerns, if any.
    pub request_id: Option<i64>,
    /// The managing organization.
    pub agency_id: Option<i64>,
    /// Addresses, comma-separated.
    pub recipients: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// While a replica is sending it (Unix seconds).
    pub leased_until: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
