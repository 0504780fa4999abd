//! SeaORM entities, one per table. Times are Unix seconds (see `crate::timestamp`).

pub(crate) mod audit_anchor;
pub(crate) mod audit_entry;
pub(crate) mod audit_head;
pub(crate) mod authority;
pub(crate) mod certificate;
pub(crate) mod counter;
pub(crate) mod crl;
pub(crate) mod pending_document;
pub(crate) mod pending_signature;
pub(crate) mod token_recovery;
pub(crate) mod trust_anchor;
