use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use der::Decode;
use spki::SubjectPublicKeyInfoRef;

use crate::algorithm::oid;
use crate::{CryptoError, SignatureAlgorithm};

/// Verify `signature` over `message` with the public key in the DER
/// SubjectPublicKeyInfo `spki`. RSA keys must be at least 2048 bits.
pub fn verify_signature(
    spki: &[u8],
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let info = SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|e| CryptoError::BadPublicKey(e.to_string()))?;
    let key_bytes = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CryptoError::BadPublicKey("unaligned key bits".into()))?;
    let alg: &'static dyn VerificationAlgorithm =
        if info.algorithm.oid == oid::RSA_ENCRYPTION || info.algorithm.oid == oid::ID_RSASSA_PSS {
            use SignatureAlgorithm::*;
            match algorithm {
                RsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
                RsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
                RsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
                RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                _ => {
                    return Err(CryptoError::AlgorithmMismatch {
                        algorithm: algorithm.to_string(),
                        key: "RSA",
                    })
                }
            }
        } else if info.algorithm.oid == oid::ID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|e| CryptoError::BadPublicKey(e.to_string()))?;
            use SignatureAlgorithm::*;
            match (curve, algorithm) {
                (oid::SECP256R1, EcdsaSha256) => &signature::ECDSA_P256_SHA256_ASN1,
                (oid::SECP256R1, EcdsaSha384) => &signature::ECDSA_P256_SHA384_ASN1,
                (oid::SECP256R1, EcdsaSha512) => &signature::ECDSA_P256_SHA512_ASN1,
                (oid::SECP384R1, EcdsaSha256) => &signature::ECDSA_P384_SHA256_ASN1,
                (oid::SECP384R1, EcdsaSha384) => &signature::ECDSA_P384_SHA384_ASN1,
                (oid::SECP384R1, EcdsaSha512) => &signature::ECDSA_P384_SHA512_ASN1,
                (oid::SECP256R1 | oid::SECP384R1, _) => {
                    return Err(CryptoError::AlgorithmMismatch {
                        algorithm: algorithm.to_string(),
                        key: "EC",
                    })
                }
                (c, _) => return Err(CryptoError::UnsupportedAlgorithm(format!("curve {c}"))),
            }
        } else {
            return Err(CryptoError::UnsupportedAlgorithm(format!(
                "public key {}",
                info.algorithm.oid
            )));
        };
    UnparsedPublicKey::new(alg, key_bytes)
        .verify(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}
