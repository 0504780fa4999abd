//! Keys and signers for kyso.
//!
//! The [`Signer`] trait is what every caller signs through: software keys
//! ([`SoftwareKey`], aws-lc-rs), and later PKCS#11 tokens and external
//! two-phase signers. [`verify_signature`] checks signatures made by anyone.
#![forbid(unsafe_code)]

mod algorithm;
mod digest;
mod encrypted;
mod error;
mod random;
mod signer;
mod software;
mod verify;

pub use algorithm::{DigestAlgorithm, KeySpec, SignatureAlgorithm};
pub use digest::{digest, Hasher};
pub use encrypted::{decrypt_pkcs8, encrypt_pkcs8};
pub use error::CryptoError;
pub use random::random_bytes;
pub use signer::Signer;
pub use software::SoftwareKey;
pub use verify::verify_signature;
