use thiserror::Error;

/// Errors of key handling, signing and verification.
#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("key generation failed")]
    KeyGeneration,
    #[error("the private key could not be read: {0}")]
    KeyRejected(String),
    #[error("signing failed")]
    Signing,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("algorithm {algorithm} does not fit a {key} key")]
    AlgorithmMismatch {
        algorithm: String,
        key: &'static str,
    },
    #[error("the public key could not be read: {0}")]
    BadPublicKey(String),
    #[error("wrong password or damaged encrypted key")]
    Decryption,
    #[error("digest has {got} bytes, {algorithm} needs {expected}")]
    DigestLength {
        algorithm: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("the system random number generator failed")]
    Random,
    #[error("encoding error: {0}")]
    Encoding(String),
}

impl From<der::Error> for CryptoError {
    fn from(e: der::Error) -> Self {
        CryptoError::Encoding(e.to_string())
    }
}
