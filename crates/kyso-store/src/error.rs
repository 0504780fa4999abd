//! The one error type of the store.

use sea_orm::{DbErr, SqlErr};

/// What can go wrong in a store operation.
///
/// Messages never carry connection URLs, passwords or stored key material:
/// [`StoreError::Database`] holds the driver's message only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database driver reported an error (connection, SQL, constraint …).
    #[error("database error: {0}")]
    Database(String),
    /// The URL is not a `sqlite:` or `postgres:` URL.
    #[error("unsupported database URL scheme (expected sqlite: or postgres:)")]
    UnsupportedUrl,
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The certificate is already revoked; nothing was changed.
    #[error("certificate already revoked")]
    AlreadyRevoked,
    /// A certificate with this serial number is already registered.
    #[error("duplicate certificate serial number")]
    DuplicateSerial,
    /// A certificate with this SHA-256 fingerprint is already registered.
    #[error("duplicate certificate fingerprint")]
    DuplicateFingerprint,
    /// A trust anchor with this fingerprint is already present.
    #[error("duplicate trust anchor")]
    DuplicateAnchor,
    /// A CRL with this issuer and CRL number is already stored.
    #[error("duplicate CRL number")]
    DuplicateCrlNumber,
    /// A stored value cannot be read back (bad status text, time out of range).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// Whether a driver error is a UNIQUE / PRIMARY KEY violation (both backends).
pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
