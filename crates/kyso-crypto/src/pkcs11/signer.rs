use std::sync::Mutex;

use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::ObjectHandle;

use super::ecdsa_raw_to_der;
use super::session::{hex_lower, PublicKeyKind};
use super::{Pkcs11Error, TokenSession};
use crate::{CryptoError, DigestAlgorithm, SignatureAlgorithm, Signer};

/// A private key on a PKCS#11 token behind the [`Signer`] trait.
///
/// The message is hashed by kyso and only the digest goes to the token:
/// RSA PKCS#1 v1.5 as CKM_RSA_PKCS over the DigestInfo, RSASSA-PSS as
/// CKM_RSA_PKCS_PSS (MGF1 with the same hash, salt = hash length), ECDSA as
/// CKM_ECDSA with the raw r‖s DER-encoded. The session stays logged in, so
/// many digests are signed with one PIN entry.
pub struct Pkcs11Signer {
    session: Mutex<TokenSession>,
    key: ObjectHandle,
    id: Vec<u8>,
    label: String,
    spki: Vec<u8>,
    kind: PublicKeyKind,
    algorithm: SignatureAlgorithm,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("label", &self.label)
            .field("id", &hex_lower(&self.id))
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// DigestInfo prefixes (RFC 8017 §9.2, note 1).
fn digest_info_prefix(d: DigestAlgorithm) -> Result<&'static [u8], CryptoError> {
    Ok(match d {
        DigestAlgorithm::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        DigestAlgorithm::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        DigestAlgorithm::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
        DigestAlgorithm::Sha1 => {
            return Err(CryptoError::UnsupportedAlgorithm("SHA-1 signatures".into()))
        }
    })
}

fn pss_params(d: DigestAlgorithm) -> Result<PkcsPssParams, CryptoError> {
    let (hash_alg, mgf) = match d {
        DigestAlgorithm::Sha256 => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
        DigestAlgorithm::Sha384 => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
        DigestAlgorithm::Sha512 => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
        DigestAlgorithm::Sha1 => {
            return Err(CryptoError::UnsupportedAlgorithm("SHA-1 signatures".into()))
        }
    };
    Ok(PkcsPssParams {
        hash_alg,
        mgf,
        s_len: (d.output_len() as cryptoki_ulong).into(),
    })
}

#[allow(non_camel_case_types)]
type cryptoki_ulong = std::os::raw::c_ulong;

impl Pkcs11Signer {
    pub(crate) fn new(
        session: TokenSession,
        key: ObjectHandle,
        id: Vec<u8>,
        label: String,
        spki: Vec<u8>,
        kind: PublicKeyKind,
        algorithm: Option<SignatureAlgorithm>,
    ) -> Result<Self, Pkcs11Error> {
        let default = match kind {
            PublicKeyKind::Rsa => SignatureAlgorithm::RsaPssSha256,
            PublicKeyKind::EcP256 => SignatureAlgorithm::EcdsaSha256,
            PublicKeyKind::EcP384 => SignatureAlgorithm::EcdsaSha384,
        };
        let algorithm = algorithm.unwrap_or(default);
        check_family(kind, algorithm)?;
        Ok(Pkcs11Signer {
            session: Mutex::new(session),
            key,
            id,
            label,
            spki,
            kind,
            algorithm,
        })
    }

    /// The same key signing with another algorithm of its family.
    pub fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Result<Self, Pkcs11Error> {
        check_family(self.kind, algorithm)?;
        self.algorithm = algorithm;
        Ok(self)
    }

    /// CKA_LABEL of the private key.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// CKA_ID of the private key.
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// Sign a digest, with the token's own error on failure.
    pub fn try_sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
        let dalg = self.algorithm.digest();
        if digest.len() != dalg.output_len() {
            return Err(CryptoError::DigestLength {
                algorithm: dalg.name(),
                expected: dalg.output_len(),
                got: digest.len(),
            }
            .into());
        }
        let (mechanism, data) = if self.algorithm.is_pss() {
            (Mechanism::RsaPkcsPss(pss_params(dalg)?), digest.to_vec())
        } else if self.algorithm.is_ecdsa() {
            (Mechanism::Ecdsa, digest.to_vec())
        } else {
            let mut di = digest_info_prefix(dalg)?.to_vec();
            di.extend_from_slice(digest);
            (Mechanism::RsaPkcs, di)
        };
        let session = self.session.lock().map_err(|_| Pkcs11Error::Token {
            op: "C_Sign",
            reason: "session lock poisoned".into(),
        })?;
        let sig = session
            .session
            .sign(&mechanism, self.key, &data)
            .map_err(|e| Pkcs11Error::token("C_Sign", e))?;
        drop(session);
        if self.algorithm.is_ecdsa() {
            Ok(ecdsa_raw_to_der(&sig)?)
        } else {
            Ok(sig)
        }
    }
}

fn check_family(kind: PublicKeyKind, algorithm: SignatureAlgorithm) -> Result<(), Pkcs11Error> {
    let ok = match kind {
        PublicKeyKind::Rsa => algorithm.is_rsa(),
        PublicKeyKind::EcP256 | PublicKeyKind::EcP384 => algorithm.is_ecdsa(),
    };
    if ok {
        Ok(())
    } else {
        Err(CryptoError::AlgorithmMismatch {
            algorithm: algorithm.to_string(),
            key: if kind == PublicKeyKind::Rsa {
                "RSA"
            } else {
                "EC"
            },
        }
        .into())
    }
}

impl Signer for Pkcs11Signer {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let d = crate::digest(self.algorithm.digest(), message);
        self.sign_digest(&d)
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.try_sign_digest(digest).map_err(|e| match e {
            Pkcs11Error::Crypto(c) => c,
            _ => CryptoError::Signing,
        })
    }
}
