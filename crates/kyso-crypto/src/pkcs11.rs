//! Keys on PKCS#11 tokens (USB tokens, HSMs; SoftHSM2 in tests) through
//! cryptoki.
//!
//! [`Pkcs11Module`] loads a vendor module by path and lists its tokens;
//! [`TokenSession`] logs in (PIN, PIN pad), generates key pairs on the
//! token, imports certificates, changes and recovers PINs;
//! [`Pkcs11Signer`] signs through the same [`crate::Signer`] trait as
//! software keys. PINs travel as [`Pin`] (zeroized on drop, never printed).
//! The token's PIN flags are read as a [`PinState`], and a PIN is not tried
//! on the final try without the caller's explicit confirmation.

mod ecdsa;
mod error;
mod module;
mod pin;
mod public_key;
mod session;
mod signer;

pub use ecdsa::ecdsa_raw_to_der;
pub use error::Pkcs11Error;
pub use module::{Pkcs11Module, TokenInfoSummary, TokenSelector};
pub use pin::{check_before_login, Pin, PinEntry, PinState, PinUser};
pub use public_key::{ec_spki, rsa_spki};
pub use session::{
    CertificateObject, KeyInfo, KeySelector, ObjectClassName, ObjectSummary, TokenSession,
};
pub use signer::Pkcs11Signer;
