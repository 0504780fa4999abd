//! PAdES signing for kyso (DESIGN §4): two phases so that the private key
//! may live anywhere (software key, PKCS#11 token, browser agent, remote
//! service).
//!
//! 1. [`prepare`] adds the signature field as an incremental update (via
//!    `kyso-pdf`), hashes the ByteRange from disk and builds the CMS signed
//!    attributes (contentType, messageDigest, signingCertificateV2; no
//!    signingTime, as PAdES asks); [`PreparedSignature::to_be_signed`] is
//!    what the key signs.
//! 2. The caller signs.
//! 3. [`finalize`] assembles the detached SignedData, adds the signature
//!    time-stamp token for B-T, and writes `/Contents`.
//!
//! [`sign_pdf`] does all three with a [`kyso_crypto::Signer`] at hand. No
//! network I/O here: the caller supplies the TSA transport.
#![forbid(unsafe_code)]

mod error;
mod level;
mod options;
mod pades;
mod sign_pdf;
mod timestamp;
pub mod validate;

pub use error::SignError;
pub use kyso_pdf::{Placement, Rect};
pub use level::PadesLevel;
pub use options::SignOptions;
pub use pades::{finalize, prepare, PreparedSignature};
pub use sign_pdf::{sign_pdf, TsaTransport};
pub use timestamp::{signature_timestamp_request, token_from_response, TimeStampQuery};
