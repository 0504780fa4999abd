//! The CA's own keys and certificates: root, issuing CA, TSA and OCSP
//! responder, kept in the `authority` table with keys encrypted at rest.
use std::sync::Arc;

use kyso_crypto::{decrypt_pkcs8, encrypt_pkcs8, Signer, SoftwareKey};
use kyso_pki::certificate::{parse_certificate, to_der};
use kyso_store::{AuthorityRecord, Store};
use x509_cert::Certificate;

use crate::CaError;

/// Identifiers of the authorities in the store.
pub const ROOT: &str = "root";
pub const ISSUING: &str = "issuing";
pub const TSA: &str = "tsa";
pub const OCSP: &str = "ocsp";

/// A certificate with its private key, ready to sign.
pub struct Authority {
    pub id: &'static str,
    pub certificate: Certificate,
    pub der: Vec<u8>,
    pub signer: Arc<dyn Signer>,
}

impl Authority {
    pub(crate) fn new(
        id: &'static str,
        certificate: Certificate,
        key: SoftwareKey,
    ) -> Result<Self, CaError> {
        let der = to_der(&certificate);
        Ok(Authority {
            id,
            certificate,
            der,
            signer: Arc::new(key),
        })
    }

    /// Store this authority with its key encrypted under `password`.
    pub(crate) async fn save(
        &self,
        store: &Store,
        key: &SoftwareKey,
        password: &[u8],
    ) -> Result<(), CaError> {
        let encrypted = encrypt_pkcs8(key.pkcs8_der(), password)?;
        store
            .put_authority(&AuthorityRecord {
                id: self.id.to_string(),
                kind: self.id.to_string(),
                certificate_der: self.der.clone(),
                encrypted_key: Some(encrypted),
                key_ref: None,
                created_at: time::OffsetDateTime::now_utc(),
            })
            .await?;
        Ok(())
    }

    /// Load an authority and decrypt its key.
    pub(crate) async fn load(
        store: &Store,
        id: &'static str,
        password: &[u8],
    ) -> Result<Self, CaError> {
        let rec = store.authority(id).await?.ok_or(CaError::NotInitialised)?;
        let certificate = parse_certificate(&rec.certificate_der)?;
        let enc = rec
            .encrypted_key
            .ok_or_else(|| CaError::Config(format!("the {id} key is not held in the database")))?;
        let pkcs8 = decrypt_pkcs8(&enc, password).map_err(|_| CaError::WrongPassword)?;
        let spki = certificate.tbs_certificate.subject_public_key_info.clone();
        let key = for_role(id, SoftwareKey::from_pkcs8_der(&pkcs8, None)?)?;
        let spki_der = der::Encode::to_der(&spki).map_err(|e| CaError::Config(e.to_string()))?;
        if key.public_key_der() != spki_der.as_slice() {
            return Err(CaError::Config(format!(
                "the {id} key does not match its certificate"
            )));
        }
        Authority::new(id, certificate, key)
    }
}

/// The key as the role signs with it. The TSA signs RSA time-stamp tokens
/// with PKCS#1 v1.5: OpenSSL 3.0's `ts -verify` checks RSASSA-PSS tokens as
/// PKCS#1 v1.5 and fails them, and time-stamp clients must all verify.
/// Everything else signs with the key's default (RSASSA-PSS or ECDSA).
pub(crate) fn for_role(id: &str, key: SoftwareKey) -> Result<SoftwareKey, CaError> {
    if id == TSA && key.algorithm().is_rsa() {
        Ok(key.with_algorithm(kyso_crypto::SignatureAlgorithm::RsaPkcs1Sha256)?)
    } else {
        Ok(key)
    }
}
