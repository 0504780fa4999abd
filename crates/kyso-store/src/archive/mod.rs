//! The archive's view of the store (DESIGN §11, issue 13): a logical,
//! database-neutral export of every table ([`dump`]), its import into an
//! empty database of either engine ([`load`]), the schema both read
//! ([`schema`]) and the backup target, a directory or an S3 bucket
//! ([`target`]).

pub mod dump;
pub mod load;
pub mod schema;
pub mod target;

use crate::{BlobError, StoreError};

/// What can go wrong exporting, importing or writing a backup.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("database error: {0}")]
    Db(String),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The export does not have the shape this build reads.
    #[error("backup format: {0}")]
    Format(String),
    /// A column type the neutral export does not know.
    #[error("column {0} has a type the export does not know: {1}")]
    UnsupportedType(String, String),
    /// The target database or directory already holds data.
    #[error("the restore target is not empty: {0}")]
    NotEmpty(String),
    /// The backup target (directory, bucket) failed.
    #[error("backup target: {0}")]
    Target(String),
}

impl From<sea_orm::DbErr> for ArchiveError {
    fn from(e: sea_orm::DbErr) -> Self {
        ArchiveError::Db(StoreError::from(e).to_string())
    }
}

impl From<StoreError> for ArchiveError {
    fn from(e: StoreError) -> Self {
        ArchiveError::Db(e.to_string())
    }
}

impl From<object_store::Error> for ArchiveError {
    fn from(e: object_store::Error) -> Self {
        ArchiveError::Target(e.to_string())
    }
}

impl From<serde_json::Error> for ArchiveError {
    fn from(e: serde_json::Error) -> Self {
        ArchiveError::Format(e.to_string())
    }
}

#[cfg(test)]
mod tests;
