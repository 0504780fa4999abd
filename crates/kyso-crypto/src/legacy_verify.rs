//! Verifying signatures made with algorithms that kyso's policy refuses
//! (Circular 15/2025: SHA-1, RSA keys shorter than 2048 bits), so that a
//! verifier can still say whether signed bytes are intact: integrity is a
//! fact, the refusal a policy decided by the caller. Never used to sign,
//! and a successful check here is never an acceptance by itself.
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use der::asn1::UintRef;
use der::{Decode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use crate::algorithm::oid;
use crate::{CryptoError, DigestAlgorithm, SignatureAlgorithm};

/// sha1WithRSAEncryption (RFC 8017 appendix C).
const SHA1_WITH_RSA: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// ecdsa-with-SHA1 (RFC 5758 §3.2 / X9.62).
const ECDSA_WITH_SHA1: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
/// secp521r1.
const SECP521R1: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// The padding or scheme of a signature, apart from its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureScheme {
    RsaPkcs1,
    RsaPss,
    Ecdsa,
    /// ECDSA with the signature as plain `r ‖ s` (BSI TR-03111
    /// ecdsa-plain-*), as German qualified signers write it.
    EcdsaPlain,
}

/// ecdsa-plain-SHA1 … ecdsa-plain-SHA512 (BSI TR-03111 §5.2.1), by the
/// last arc: 1 SHA-1, 3 SHA-256, 4 SHA-384, 5 SHA-512 (2, SHA-224, is
/// not supported).
fn ecdsa_plain(oid: &der::asn1::ObjectIdentifier) -> Option<DigestAlgorithm> {
    let s = oid.to_string();
    match s.strip_prefix("0.4.0.127.0.7.1.1.4.1.")? {
        "1" => Some(DigestAlgorithm::Sha1),
        "3" => Some(DigestAlgorithm::Sha256),
        "4" => Some(DigestAlgorithm::Sha384),
        "5" => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

/// A signature algorithm as found in a signature, whatever its strength.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnySignatureAlgorithm {
    pub scheme: SignatureScheme,
    pub digest: DigestAlgorithm,
}

impl std::fmt::Display for AnySignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self.scheme {
            SignatureScheme::RsaPkcs1 => "rsa-pkcs1",
            SignatureScheme::RsaPss => "rsa-pss",
            SignatureScheme::Ecdsa => "ecdsa",
            SignatureScheme::EcdsaPlain => "ecdsa-plain",
        };
        let d = match self.digest {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        };
        write!(f, "{s}-{d}")
    }
}

impl AnySignatureAlgorithm {
    /// Reads a signatureAlgorithm identifier as [`SignatureAlgorithm::
    /// from_algorithm_identifier`] does, and also the SHA-1 ones.
    pub fn from_algorithm_identifier(
        ai: &AlgorithmIdentifierOwned,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Result<Self, CryptoError> {
        let unsupported = || CryptoError::UnsupportedAlgorithm(format!("signature {}", ai.oid));
        let (scheme, digest) = match ai.oid {
            SHA1_WITH_RSA => (SignatureScheme::RsaPkcs1, DigestAlgorithm::Sha1),
            ECDSA_WITH_SHA1 => (SignatureScheme::Ecdsa, DigestAlgorithm::Sha1),
            oid::RSA_ENCRYPTION => (
                SignatureScheme::RsaPkcs1,
                digest_hint.ok_or_else(unsupported)?,
            ),
            oid::ID_EC_PUBLIC_KEY => (SignatureScheme::Ecdsa, digest_hint.ok_or_else(unsupported)?),
            o if ecdsa_plain(&o).is_some() => (
                SignatureScheme::EcdsaPlain,
                ecdsa_plain(&o).ok_or_else(unsupported)?,
            ),
            _ => {
                let a = SignatureAlgorithm::from_algorithm_identifier(ai, digest_hint)?;
                let scheme = if a.is_pss() {
                    SignatureScheme::RsaPss
                } else if a.is_ecdsa() {
                    SignatureScheme::Ecdsa
                } else {
                    SignatureScheme::RsaPkcs1
                };
                (scheme, a.digest())
            }
        };
        Ok(AnySignatureAlgorithm { scheme, digest })
    }

    /// The same algorithm as a [`SignatureAlgorithm`] kyso accepts, if it
    /// is one.
    pub fn accepted(self) -> Option<SignatureAlgorithm> {
        use SignatureAlgorithm::*;
        let base = match self.scheme {
            SignatureScheme::RsaPkcs1 => RsaPkcs1Sha256,
            SignatureScheme::RsaPss => RsaPssSha256,
            SignatureScheme::Ecdsa => EcdsaSha256,
            SignatureScheme::EcdsaPlain => return None,
        };
        base.with_digest(self.digest).ok()
    }
}

#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// Bits of an RSA modulus given as a DER RSAPublicKey.
fn rsa_bits(key: &[u8]) -> Result<usize, CryptoError> {
    let k = RsaPublicKey::from_der(key).map_err(|e| CryptoError::BadPublicKey(e.to_string()))?;
    let m = k.modulus.as_bytes();
    Ok(m.len() * 8 - m.first().map_or(0, |b| b.leading_zeros() as usize))
}

/// The aws-lc-rs verifier for `algorithm` with the key of the DER
/// SubjectPublicKeyInfo `spki`, and the key's bytes.
fn verifier(
    spki: &[u8],
    algorithm: AnySignatureAlgorithm,
) -> Result<(&'static dyn VerificationAlgorithm, &[u8]), CryptoError> {
    let info = SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|e| CryptoError::BadPublicKey(e.to_string()))?;
    let key = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CryptoError::BadPublicKey("unaligned key bits".into()))?;
    let unsupported = |what: String| Err(CryptoError::UnsupportedAlgorithm(what));
    use DigestAlgorithm as D;
    use SignatureScheme as S;
    let alg: &'static dyn VerificationAlgorithm = if info.algorithm.oid == oid::RSA_ENCRYPTION
        || info.algorithm.oid == oid::ID_RSASSA_PSS
    {
        let bits = rsa_bits(key)?;
        if bits < 1024 {
            return unsupported(format!("{bits}-bit RSA key"));
        }
        match (algorithm.scheme, algorithm.digest) {
            (S::RsaPkcs1, D::Sha1) => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            (S::RsaPkcs1, D::Sha256) => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            (S::RsaPkcs1, D::Sha512) => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            (S::RsaPkcs1, D::Sha384) if bits >= 2048 => &signature::RSA_PKCS1_2048_8192_SHA384,
            (S::RsaPss, D::Sha256) if bits >= 2048 => &signature::RSA_PSS_2048_8192_SHA256,
            (S::RsaPss, D::Sha384) if bits >= 2048 => &signature::RSA_PSS_2048_8192_SHA384,
            (S::RsaPss, D::Sha512) if bits >= 2048 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return unsupported(format!("{algorithm} with a {bits}-bit RSA key")),
        }
    } else if info.algorithm.oid == oid::ID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|e| CryptoError::BadPublicKey(e.to_string()))?;
        let ecdsa = matches!(algorithm.scheme, S::Ecdsa | S::EcdsaPlain);
        match (curve, ecdsa, algorithm.digest) {
            (oid::SECP256R1, true, D::Sha1) => &signature::ECDSA_P256_SHA1_ASN1,
            (oid::SECP256R1, true, D::Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
            (oid::SECP256R1, true, D::Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
            (oid::SECP256R1, true, D::Sha512) => &signature::ECDSA_P256_SHA512_ASN1,
            (oid::SECP384R1, true, D::Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
            (oid::SECP384R1, true, D::Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
            (oid::SECP384R1, true, D::Sha512) => &signature::ECDSA_P384_SHA512_ASN1,
            (SECP521R1, true, D::Sha1) => &signature::ECDSA_P521_SHA1_ASN1,
            (SECP521R1, true, D::Sha256) => &signature::ECDSA_P521_SHA256_ASN1,
            (SECP521R1, true, D::Sha384) => &signature::ECDSA_P521_SHA384_ASN1,
            (SECP521R1, true, D::Sha512) => &signature::ECDSA_P521_SHA512_ASN1,
            (c, _, _) => return unsupported(format!("{algorithm} on curve {c}")),
        }
    } else {
        return unsupported(format!("public key {}", info.algorithm.oid));
    };
    Ok((alg, key))
}

/// The signature as aws-lc-rs reads it (plain `r ‖ s` made DER).
fn signature_der(
    algorithm: AnySignatureAlgorithm,
    signature: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match algorithm.scheme {
        SignatureScheme::EcdsaPlain => crate::pkcs11::ecdsa_raw_to_der(signature),
        _ => Ok(signature.to_vec()),
    }
}

/// Verifies `signature` over `message` with the key of the DER
/// SubjectPublicKeyInfo `spki`, accepting SHA-1 and RSA keys from 1024
/// bits. `Err(UnsupportedAlgorithm)` when no implementation is at hand
/// (e.g. brainpool curves, RSA-PSS under 2048 bits), so the caller can
/// tell "cannot check" from "does not verify" (`BadSignature`).
pub fn verify_signature_any_strength(
    spki: &[u8],
    algorithm: AnySignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let (alg, key) = verifier(spki, algorithm)?;
    UnparsedPublicKey::new(alg, key)
        .verify(message, &signature_der(algorithm, signature)?)
        .map_err(|_| CryptoError::BadSignature)
}

/// As [`verify_signature_any_strength`], the message given by its digest
/// with `algorithm.digest` (a CMS SignerInfo without signed attributes
/// over detached content signs the content itself).
pub fn verify_digest_any_strength(
    spki: &[u8],
    algorithm: AnySignatureAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let (alg, key) = verifier(spki, algorithm)?;
    let d = aws_lc_rs::digest::Digest::import_less_safe(digest, algorithm.digest.aws())
        .map_err(|_| CryptoError::BadSignature)?;
    UnparsedPublicKey::new(alg, key)
        .verify_digest(&d, &signature_der(algorithm, signature)?)
        .map_err(|_| CryptoError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeySpec, Signer, SoftwareKey};

    #[test]
    fn accepted_algorithms_verify_as_with_verify_signature() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let sig = key.sign(b"msg").unwrap();
        let alg = AnySignatureAlgorithm {
            scheme: SignatureScheme::Ecdsa,
            digest: DigestAlgorithm::Sha256,
        };
        assert_eq!(alg.accepted(), Some(SignatureAlgorithm::EcdsaSha256));
        verify_signature_any_strength(key.public_key_der(), alg, b"msg", &sig).unwrap();
        assert!(matches!(
            verify_signature_any_strength(key.public_key_der(), alg, b"other", &sig),
            Err(CryptoError::BadSignature)
        ));
        let sha1 = AnySignatureAlgorithm {
            scheme: SignatureScheme::Ecdsa,
            digest: DigestAlgorithm::Sha1,
        };
        assert_eq!(sha1.accepted(), None);
        assert_eq!(sha1.to_string(), "ecdsa-sha1");
        // A P-256 signature over SHA-256 does not verify as SHA-1.
        assert!(verify_signature_any_strength(key.public_key_der(), sha1, b"msg", &sig).is_err());
        // Given the digest of the message instead.
        let d = crate::digest(DigestAlgorithm::Sha256, b"msg");
        verify_digest_any_strength(key.public_key_der(), alg, &d, &sig).unwrap();
        let other = crate::digest(DigestAlgorithm::Sha256, b"other");
        assert!(verify_digest_any_strength(key.public_key_der(), alg, &other, &sig).is_err());
        assert!(verify_digest_any_strength(key.public_key_der(), alg, &d[..20], &sig).is_err());
    }

    #[test]
    fn plain_ecdsa_signatures_are_read_as_r_and_s() {
        use der::Decode;
        #[derive(Sequence)]
        struct SigValue<'a> {
            r: UintRef<'a>,
            s: UintRef<'a>,
        }
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let der_sig = key.sign(b"msg").unwrap();
        let v = SigValue::from_der(&der_sig).unwrap();
        let mut plain = vec![0u8; 64];
        let (r, s) = (v.r.as_bytes(), v.s.as_bytes());
        plain[32 - r.len()..32].copy_from_slice(r);
        plain[64 - s.len()..].copy_from_slice(s);
        let ai = AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3"),
            parameters: None,
        };
        let alg = AnySignatureAlgorithm::from_algorithm_identifier(&ai, None).unwrap();
        assert_eq!(alg.to_string(), "ecdsa-plain-sha256");
        assert_eq!(alg.accepted(), None);
        verify_signature_any_strength(key.public_key_der(), alg, b"msg", &plain).unwrap();
        assert!(
            verify_signature_any_strength(key.public_key_der(), alg, b"other", &plain).is_err()
        );
    }

    #[test]
    fn sha1_identifiers_are_read() {
        let ai = |o: &str| AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap(o),
            parameters: None,
        };
        let a = AnySignatureAlgorithm::from_algorithm_identifier(&ai("1.2.840.113549.1.1.5"), None)
            .unwrap();
        assert_eq!(a.to_string(), "rsa-pkcs1-sha1");
        let a = AnySignatureAlgorithm::from_algorithm_identifier(
            &ai("1.2.840.113549.1.1.1"),
            Some(DigestAlgorithm::Sha1),
        )
        .unwrap();
        assert_eq!(a.digest, DigestAlgorithm::Sha1);
        let a = AnySignatureAlgorithm::from_algorithm_identifier(&ai("1.2.840.10045.4.3.2"), None)
            .unwrap();
        assert_eq!(a.accepted(), Some(SignatureAlgorithm::EcdsaSha256));
        assert!(AnySignatureAlgorithm::from_algorithm_identifier(&ai("1.2.3.4"), None).is_err());
    }
}
