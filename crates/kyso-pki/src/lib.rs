//! X.509 profiles and issuance, CRLs, OCSP, RFC 3161 time-stamping, CMS
//! SignedData, RFC 5280 path validation and trust stores.
//!
//! Synchronous and free of I/O: callers hand in bytes, evidence and a
//! [`kyso_crypto::Signer`]. Types follow the RFCs' names.
#![forbid(unsafe_code)]

pub mod oids;
pub mod reason;
pub mod time;

pub mod certificate;
pub mod crl;
pub mod csr;
pub mod name;
pub mod profile;

pub mod ber;
pub mod cms;
pub mod cms_verify;
pub mod ocsp;
pub mod signed_data_parts;
pub mod tsp;

pub mod path;
pub mod trust;

pub use reason::RevocationReason;

/// Largest DER object kyso parses from untrusted input (certificates,
/// CSRs, OCSP and TSP requests): 64 KiB.
pub const MAX_REQUEST_DER: usize = 64 * 1024;
