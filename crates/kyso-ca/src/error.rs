use thiserror::Error;

/// Errors of the CA service. Messages are meant for the operator.
#[derive(Debug, Error)]
pub enum CaError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("the CA is not initialised in this database; run `kyso ca init` first")]
    NotInitialised,
    #[error("the CA is already initialised in this database")]
    AlreadyInitialised,
    #[error("wrong key password, or the CA keys are damaged")]
    WrongPassword,
    #[error("no certificate with serial {0}")]
    UnknownSerial(String),
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("certificate {serial} cannot be renewed: {why}")]
    NotRenewable { serial: String, why: String },
    #[error("policy: {0}")]
    Policy(String),
    #[error(transparent)]
    Csr(#[from] kyso_pki::csr::CsrError),
    #[error(transparent)]
    Name(#[from] kyso_pki::name::NameError),
    #[error(transparent)]
    Certificate(#[from] kyso_pki::certificate::CertError),
    #[error(transparent)]
    Crl(#[from] kyso_pki::crl::CrlError),
    #[error(transparent)]
    Trust(#[from] kyso_pki::trust::TrustError),
    #[error(transparent)]
    Crypto(#[from] kyso_crypto::CryptoError),
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    #[error("storage: {0}")]
    Store(kyso_store::StoreError),
}

impl From<kyso_store::StoreError> for CaError {
    fn from(e: kyso_store::StoreError) -> Self {
        match e {
            kyso_store::StoreError::AlreadyRevoked => CaError::AlreadyRevoked(String::new()),
            other => CaError::Store(other),
        }
    }
}
