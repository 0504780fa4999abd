//! Keys and signers for kyso.
//!
//! The [`Signer`] trait is what every caller signs through: software keys
//! ([`SoftwareKey`], aws-lc-rs), PKCS#11 tokens ([`Pkcs11Signer`], cryptoki)
//! and, later, external two-phase signers. [`verify_signature`] checks signatures made by anyone.
#![forbid(unsafe_code)]

mod algorithm;
mod digest;
mod encrypted;
mod error;
mod legacy_verify;
pub mod pkcs11;
mod random;
mod signer;
mod software;
mod verify;

pub use algorithm::{DigestAlgorithm, KeySpec, SignatureAlgorithm};
pub use digest::{digest, Hasher};
pub use encrypted::{decrypt_pkcs8, encrypt_pkcs8};
pub use error::CryptoError;
pub use legacy_verify::{
    verify_digest_any_strength, verify_signature_any_strength, AnySignatureAlgorithm,
    SignatureScheme,
};
pub use pkcs11::{Pkcs11Error, Pkcs11Module, Pkcs11Signer};
pub use random::random_bytes;
pub use signer::Signer;
pub use software::SoftwareKey;
pub use verify::verify_signature;
