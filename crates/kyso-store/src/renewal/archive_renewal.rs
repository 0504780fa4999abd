//! `archive_renewal`: for each issued document, its current long-term
//! file (B-LTA, a blob linked to the one it was made from; the issued
//! file itself is never changed), what its last document time-stamp rests
//! on, and when it is due to be time-stamped again. A replica renewing a
//! row holds a lease on it (`lease_owner` until `lease_until`); a lease
//! that ran out is taken by the next run, so a crash loses nothing.

use sea_orm::entity::prelude::*;

/// The row waits for its `next_due` time.
pub const DUE: &str = "due";
/// The last extension or renewal succeeded.
pub const DONE: &str = "done";
/// The last attempt failed; retried after a back-off.
pub const FAILED: &str = "failed";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "archive_renewal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: i64,
    /// The issued file, untouched.
    pub original_sha256: String,
    /// The latest long-term file (the original while none was made).
    pub current_sha256: String,
    /// The last document time-stamp's TSA certificate notAfter.
    pub tsa_not_after: Option<i64>,
    /// Its digest and signature algorithm.
    pub tsa_algorithm: Option<String>,
    /// When the file is to be time-stamped again (or retried).
    pub next_due: i64,
    /// `due`, `done` or `failed`.
    pub state: String,
    /// Failed attempts since the last success.
    pub attempts: i32,
    /// Successful renewals after the first extension.
    pub renewals: i32,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
