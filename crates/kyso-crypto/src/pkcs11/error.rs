use thiserror::Error;

use super::{PinState, PinUser};
use crate::CryptoError;

/// Errors talking to a PKCS#11 module or token. Messages never contain a
/// PIN.
#[derive(Debug, Error)]
pub enum Pkcs11Error {
    #[error("cannot load the PKCS#11 module {path}: {reason}")]
    Module { path: String, reason: String },
    #[error("no token matches {0}")]
    TokenNotFound(String),
    #[error("{count} tokens match {what}; choose one with --token LABEL or --token-serial SERIAL")]
    AmbiguousToken { what: String, count: usize },
    #[error("no key on the token matches {0}")]
    KeyNotFound(String),
    #[error("{count} keys on the token match {what}; choose one by id")]
    AmbiguousKey { what: String, count: usize },
    #[error("a key labelled {0:?} already exists on the token")]
    KeyExists(String),
    #[error("wrong PIN ({who}); token state: {state}")]
    PinIncorrect { who: PinUser, state: PinState },
    #[error("the {0} PIN is locked after too many wrong PINs; the security officer must recover the token (`kyso token recover`)")]
    PinLocked(PinUser),
    #[error("the token says the next {0} PIN try is the last before it locks; nothing was tried. Repeat with --confirm-final-try if you are sure of the PIN")]
    FinalTryNeedsConfirmation(PinUser),
    #[error("the token has no PIN pad (protected authentication path); give the PIN another way")]
    NoPinPad,
    #[error("PIN entry was cancelled")]
    Cancelled,
    #[error("the token does not accept a PIN of this length (it wants {min}–{max} characters)")]
    PinLength { min: usize, max: usize },
    #[error("the token refused the certificate: {0}")]
    CertificateMismatch(String),
    #[error("unsupported key on the token: {0}")]
    UnsupportedKey(String),
    #[error("token operation {op} failed: {reason}")]
    Token { op: &'static str, reason: String },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl Pkcs11Error {
    /// Wrap a cryptoki error from operation `op`.
    pub(crate) fn token(op: &'static str, e: cryptoki::error::Error) -> Self {
        use cryptoki::error::{Error, RvError};
        match e {
            Error::Pkcs11(RvError::FunctionCanceled, _) => Pkcs11Error::Cancelled,
            other => Pkcs11Error::Token {
                op,
                reason: short_reason(&other),
            },
        }
    }
}

/// The CKR_ name of a PKCS#11 error (the crate's long prose is kept out of
/// user messages).
pub(crate) fn short_reason(e: &cryptoki::error::Error) -> String {
    match e {
        cryptoki::error::Error::Pkcs11(rv, f) => format!("{rv:?} in {f:?}"),
        other => other.to_string(),
    }
}
