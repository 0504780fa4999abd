use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};
use der::Decode;
use zeroize::Zeroizing;

use crate::algorithm::oid;
use crate::{CryptoError, DigestAlgorithm, KeySpec, SignatureAlgorithm, Signer};

enum Inner {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key held in memory (aws-lc-rs), for CA, TSA, OCSP and seal
/// keys kept as encrypted files. Personal keys live on tokens instead.
pub struct SoftwareKey {
    inner: Inner,
    algorithm: SignatureAlgorithm,
    spki: Vec<u8>,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SoftwareKey {
    /// Generate a new key; it signs with `spec.default_algorithm()`.
    pub fn generate(spec: KeySpec) -> Result<Self, CryptoError> {
        let pkcs8 = match spec {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let size = match spec {
                    KeySpec::Rsa2048 => KeySize::Rsa2048,
                    KeySpec::Rsa3072 => KeySize::Rsa3072,
                    _ => KeySize::Rsa4096,
                };
                let kp = RsaKeyPair::generate(size).map_err(|_| CryptoError::KeyGeneration)?;
                let doc: Pkcs8V1Der<'_> = kp.as_der().map_err(|_| CryptoError::KeyGeneration)?;
                doc.as_ref().to_vec()
            }
            KeySpec::EcP256 | KeySpec::EcP384 => {
                let alg = if spec == KeySpec::EcP256 {
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &signature::ECDSA_P384_SHA384_ASN1_SIGNING
                };
                let kp = EcdsaKeyPair::generate(alg).map_err(|_| CryptoError::KeyGeneration)?;
                kp.to_pkcs8v1()
                    .map_err(|_| CryptoError::KeyGeneration)?
                    .as_ref()
                    .to_vec()
            }
        };
        Self::from_pkcs8_der(&pkcs8, Some(spec.default_algorithm()))
    }

    /// Load an unencrypted PKCS#8 key. `algorithm` picks the signature
    /// algorithm; `None` takes the default for the key type.
    pub fn from_pkcs8_der(
        pkcs8: &[u8],
        algorithm: Option<SignatureAlgorithm>,
    ) -> Result<Self, CryptoError> {
        let info = pkcs8::PrivateKeyInfo::from_der(pkcs8)
            .map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
        let key_oid = info.algorithm.oid;
        let (inner, default_alg) = if key_oid == oid::RSA_ENCRYPTION {
            let kp = RsaKeyPair::from_pkcs8(pkcs8)
                .map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
            let alg = if kp.public_modulus_len() >= 512 {
                SignatureAlgorithm::RsaPssSha384
            } else {
                SignatureAlgorithm::RsaPssSha256
            };
            (Inner::Rsa(kp), alg)
        } else if key_oid == oid::ID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
            let (alg, default) = match curve {
                oid::SECP256R1 => (
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                    SignatureAlgorithm::EcdsaSha256,
                ),
                oid::SECP384R1 => (
                    &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                    SignatureAlgorithm::EcdsaSha384,
                ),
                other => return Err(CryptoError::UnsupportedAlgorithm(format!("curve {other}"))),
            };
            let kp = EcdsaKeyPair::from_pkcs8(alg, pkcs8)
                .map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
            (Inner::Ec(kp), default)
        } else {
            return Err(CryptoError::UnsupportedAlgorithm(format!("key {key_oid}")));
        };
        let algorithm = algorithm.unwrap_or(default_alg);
        let spki = match &inner {
            Inner::Rsa(kp) => {
                if algorithm.is_ecdsa() {
                    return Err(CryptoError::AlgorithmMismatch {
                        algorithm: algorithm.to_string(),
                        key: "RSA",
                    });
                }
                let d: PublicKeyX509Der<'_> = kp
                    .public_key()
                    .as_der()
                    .map_err(|_| CryptoError::KeyRejected("public key".into()))?;
                d.as_ref().to_vec()
            }
            Inner::Ec(kp) => {
                // aws-lc-rs pairs each curve with its own hash.
                if !algorithm.is_ecdsa() || algorithm != default_alg {
                    return Err(CryptoError::AlgorithmMismatch {
                        algorithm: algorithm.to_string(),
                        key: "EC",
                    });
                }
                let d: PublicKeyX509Der<'_> = kp
                    .public_key()
                    .as_der()
                    .map_err(|_| CryptoError::KeyRejected("public key".into()))?;
                d.as_ref().to_vec()
            }
        };
        Ok(SoftwareKey {
            inner,
            algorithm,
            spki,
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
        })
    }

    /// The same key signing with another algorithm of its family.
    pub fn with_algorithm(self, algorithm: SignatureAlgorithm) -> Result<Self, CryptoError> {
        Self::from_pkcs8_der(&self.pkcs8, Some(algorithm))
    }

    /// A second handle on the same key.
    pub fn clone_key(&self) -> Result<Self, CryptoError> {
        Self::from_pkcs8_der(&self.pkcs8, Some(self.algorithm))
    }

    /// The PKCS#8 encoding, for encryption at rest or PKCS#12 export.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// Key size in bits (RSA modulus or curve size).
    pub fn key_bits(&self) -> usize {
        match &self.inner {
            Inner::Rsa(kp) => kp.public_modulus_len() * 8,
            Inner::Ec(kp) => {
                if std::ptr::eq(kp.algorithm(), &signature::ECDSA_P256_SHA256_ASN1_SIGNING) {
                    256
                } else {
                    384
                }
            }
        }
    }
}

impl Signer for SoftwareKey {
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
        let dalg: DigestAlgorithm = self.algorithm.digest();
        if digest.len() != dalg.output_len() {
            return Err(CryptoError::DigestLength {
                algorithm: dalg.name(),
                expected: dalg.output_len(),
                got: digest.len(),
            });
        }
        let d = aws_lc_rs::digest::Digest::import_less_safe(digest, dalg.aws())
            .map_err(|_| CryptoError::Signing)?;
        match &self.inner {
            Inner::Rsa(kp) => {
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign_digest(self.algorithm.aws_rsa_encoding(), &d, &mut sig)
                    .map_err(|_| CryptoError::Signing)?;
                Ok(sig)
            }
            Inner::Ec(kp) => {
                let sig = kp.sign_digest(&d).map_err(|_| CryptoError::Signing)?;
                Ok(sig.as_ref().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify_signature;

    #[test]
    fn generated_keys_sign_and_verify_with_every_family() {
        for (spec, algs) in [
            (
                KeySpec::Rsa2048,
                vec![
                    SignatureAlgorithm::RsaPssSha256,
                    SignatureAlgorithm::RsaPkcs1Sha256,
                    SignatureAlgorithm::RsaPssSha512,
                ],
            ),
            (KeySpec::EcP256, vec![SignatureAlgorithm::EcdsaSha256]),
            (KeySpec::EcP384, vec![SignatureAlgorithm::EcdsaSha384]),
        ] {
            let key = SoftwareKey::generate(spec).unwrap();
            for alg in algs {
                let key = SoftwareKey::from_pkcs8_der(key.pkcs8_der(), Some(alg)).unwrap();
                let sig = key.sign(b"hello").unwrap();
                verify_signature(key.public_key_der(), alg, b"hello", &sig).unwrap();
                assert!(verify_signature(key.public_key_der(), alg, b"hellp", &sig).is_err());
            }
        }
    }

    #[test]
    fn wrong_family_is_refused() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        assert!(key
            .with_algorithm(SignatureAlgorithm::RsaPssSha256)
            .is_err());
        let key = SoftwareKey::generate(KeySpec::EcP384).unwrap();
        assert!(key.with_algorithm(SignatureAlgorithm::EcdsaSha256).is_err());
    }

    #[test]
    fn garbage_pkcs8_is_an_error_not_a_panic() {
        assert!(SoftwareKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00", None).is_err());
        assert!(SoftwareKey::from_pkcs8_der(b"", None).is_err());
    }
}
