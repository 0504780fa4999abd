//! The kyso certification authority as a service: registry, issuance
//! policy, revocation, CRL publication, OCSP and TSA responders, trust
//! store — `kyso-pki` over `kyso-store`.
#![forbid(unsafe_code)]

pub mod authority;
mod ca;
mod config;
mod error;
pub mod issuance;
pub mod ocsp_responder;
mod pkcs12;
mod revocation;
pub mod trust;
pub mod tsa;

pub use ca::{Ca, InitOptions};
pub use config::CaConfig;
pub use error::CaError;
pub use issuance::{normalize_serial, IssueOptions, IssuedCertificate, MAX_RENEWAL_DAYS};
pub use pkcs12::write_pkcs12;
