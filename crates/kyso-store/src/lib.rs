//! Persistence for kyso: one async [`Store`] over SQLite (embedded default)
//! or PostgreSQL (scale-out), from one codebase with SeaORM.
//!
//! Every invariant lives in the database — unique serials, CRL numbers and
//! counters, revocation in one transaction — never in process memory, so the
//! same code is correct with one replica or twenty (DESIGN §1).
//!
//! The store keeps bytes, hex strings, small integers and times; it knows
//! nothing of X.509. Times are kept to the second as Unix seconds.

#![forbid(unsafe_code)]

pub mod archive;
pub mod audit;
mod authority;
pub mod blobs;
mod certificate;
mod counter;
mod crl;
pub mod desk;
mod entity;
mod error;
mod migration;
pub mod notification;
pub mod office;
mod pending_document;
mod pending_signature;
pub mod portal;
pub mod records;
pub mod renewal;
mod revocation;
pub mod search;
mod store;
pub mod testing;
mod timestamp;
mod token_recovery;
mod trust_anchor;
mod watch;

pub use audit::{
    append_audit, AuditAnchor, AuditBreak, AuditCheck, AuditEntry, AuditEvent, AuditFilter,
};
pub use authority::AuthorityRecord;
pub use blobs::{record_blob, BlobError, BlobRef, BlobStore};
pub use certificate::{CertificateFilter, CertificateRecord, CertificateStatus, NewCertificate};
pub use counter::bump as bump_counter;
pub use crl::CrlRecord;
pub use error::StoreError;
pub use pending_document::PendingDocument;
pub use pending_signature::{ConsumeRefusal, PendingSignatureRecord};
pub use revocation::RevokedRow;
pub use store::{Backend, Store};
pub use token_recovery::{NewTokenRecovery, RecoveryResult, TokenRecoveryRecord};
pub use trust_anchor::TrustAnchorRecord;
pub use watch::REVOCATION_CHANNEL;

/// The SeaORM API the office writes its queries with, so that it uses the
/// very version the store was built with.
pub use sea_orm;
