use std::fmt;
use std::str::FromStr;

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;

use crate::CryptoError;

/// Object identifiers used by this crate (names from the RFCs).
pub mod oid {
    use der::asn1::ObjectIdentifier as O;
    pub const ID_SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    pub const ID_SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const ID_SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const ID_SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const RSA_ENCRYPTION: O = O::new_unwrap("1.2.840.113549.1.1.1");
    pub const ID_MGF1: O = O::new_unwrap("1.2.840.113549.1.1.8");
    pub const ID_RSASSA_PSS: O = O::new_unwrap("1.2.840.113549.1.1.10");
    pub const SHA256_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub const ID_EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_WITH_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    pub const SECP256R1: O = O::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: O = O::new_unwrap("1.3.132.0.34");
}

/// Hash functions kyso accepts (SHA-1 only to read legacy OCSP CertIDs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => oid::ID_SHA1,
            Self::Sha256 => oid::ID_SHA256,
            Self::Sha384 => oid::ID_SHA384,
            Self::Sha512 => oid::ID_SHA512,
        }
    }

    pub fn from_oid(o: &ObjectIdentifier) -> Result<Self, CryptoError> {
        Ok(match *o {
            oid::ID_SHA1 => Self::Sha1,
            oid::ID_SHA256 => Self::Sha256,
            oid::ID_SHA384 => Self::Sha384,
            oid::ID_SHA512 => Self::Sha512,
            _ => return Err(CryptoError::UnsupportedAlgorithm(format!("digest {o}"))),
        })
    }

    /// AlgorithmIdentifier with absent parameters (RFC 5754 §2).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    pub(crate) fn aws(self) -> &'static aws_lc_rs::digest::Algorithm {
        match self {
            Self::Sha1 => &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &aws_lc_rs::digest::SHA256,
            Self::Sha384 => &aws_lc_rs::digest::SHA384,
            Self::Sha512 => &aws_lc_rs::digest::SHA512,
        }
    }
}

/// Signature algorithms (Circular 15/2025: RSASSA-PSS or PKCS#1 v1.5 with
/// RSA ≥ 2048, ECDSA ≥ 256, SHA-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    RsaPssSha256,
    RsaPssSha384,
    RsaPssSha512,
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
}

/// RSASSA-PSS-params (RFC 4055 §3.1); trailerField is always the default.
#[derive(Sequence)]
struct RsassaPssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash_algorithm: spki::AlgorithmIdentifier<AnyRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen_algorithm: spki::AlgorithmIdentifier<AnyRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    salt_length: u32,
}

impl SignatureAlgorithm {
    pub fn digest(self) -> DigestAlgorithm {
        use SignatureAlgorithm::*;
        match self {
            RsaPssSha256 | RsaPkcs1Sha256 | EcdsaSha256 => DigestAlgorithm::Sha256,
            RsaPssSha384 | RsaPkcs1Sha384 | EcdsaSha384 => DigestAlgorithm::Sha384,
            RsaPssSha512 | RsaPkcs1Sha512 | EcdsaSha512 => DigestAlgorithm::Sha512,
        }
    }

    pub fn is_rsa(self) -> bool {
        !self.is_ecdsa()
    }

    pub fn is_ecdsa(self) -> bool {
        matches!(
            self,
            Self::EcdsaSha256 | Self::EcdsaSha384 | Self::EcdsaSha512
        )
    }

    pub fn is_pss(self) -> bool {
        matches!(
            self,
            Self::RsaPssSha256 | Self::RsaPssSha384 | Self::RsaPssSha512
        )
    }

    /// The same padding family with another hash.
    pub fn with_digest(self, d: DigestAlgorithm) -> Result<Self, CryptoError> {
        use DigestAlgorithm as D;
        use SignatureAlgorithm::*;
        Ok(match (self.family(), d) {
            (0, D::Sha256) => RsaPssSha256,
            (0, D::Sha384) => RsaPssSha384,
            (0, D::Sha512) => RsaPssSha512,
            (1, D::Sha256) => RsaPkcs1Sha256,
            (1, D::Sha384) => RsaPkcs1Sha384,
            (1, D::Sha512) => RsaPkcs1Sha512,
            (2, D::Sha256) => EcdsaSha256,
            (2, D::Sha384) => EcdsaSha384,
            (2, D::Sha512) => EcdsaSha512,
            _ => {
                return Err(CryptoError::UnsupportedAlgorithm(format!(
                    "{self} with {}",
                    d.name()
                )))
            }
        })
    }

    fn family(self) -> u8 {
        if self.is_pss() {
            0
        } else if self.is_ecdsa() {
            2
        } else {
            1
        }
    }

    /// The signatureAlgorithm AlgorithmIdentifier for X.509, CRLs, OCSP
    /// and CMS SignerInfo.
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        use SignatureAlgorithm::*;
        let (oid, parameters) = match self {
            RsaPkcs1Sha256 => (oid::SHA256_WITH_RSA, Some(der::Any::null())),
            RsaPkcs1Sha384 => (oid::SHA384_WITH_RSA, Some(der::Any::null())),
            RsaPkcs1Sha512 => (oid::SHA512_WITH_RSA, Some(der::Any::null())),
            EcdsaSha256 => (oid::ECDSA_WITH_SHA256, None),
            EcdsaSha384 => (oid::ECDSA_WITH_SHA384, None),
            EcdsaSha512 => (oid::ECDSA_WITH_SHA512, None),
            RsaPssSha256 | RsaPssSha384 | RsaPssSha512 => {
                (oid::ID_RSASSA_PSS, Some(self.pss_params()))
            }
        };
        AlgorithmIdentifierOwned { oid, parameters }
    }

    fn pss_params(self) -> der::Any {
        let d = self.digest();
        let hash_alg = spki::AlgorithmIdentifier::<AnyRef<'_>> {
            oid: d.oid(),
            parameters: Some(AnyRef::NULL),
        };
        let hash_der = hash_alg.to_der().expect("static encoding");
        let mgf_params = AnyRef::from_der(&hash_der).expect("static encoding");
        let params = RsassaPssParams {
            hash_algorithm: hash_alg,
            mask_gen_algorithm: spki::AlgorithmIdentifier {
                oid: oid::ID_MGF1,
                parameters: Some(mgf_params),
            },
            salt_length: d.output_len() as u32,
        };
        der::Any::from_der(&params.to_der().expect("static encoding")).expect("static encoding")
    }

    /// Read a signatureAlgorithm AlgorithmIdentifier. `digest_hint` is the
    /// CMS digestAlgorithm, used when the identifier is the bare
    /// rsaEncryption of older CMS producers.
    pub fn from_algorithm_identifier(
        ai: &AlgorithmIdentifierOwned,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Result<Self, CryptoError> {
        use SignatureAlgorithm::*;
        let unsupported = || CryptoError::UnsupportedAlgorithm(format!("signature {}", ai.oid));
        Ok(match ai.oid {
            oid::SHA256_WITH_RSA => RsaPkcs1Sha256,
            oid::SHA384_WITH_RSA => RsaPkcs1Sha384,
            oid::SHA512_WITH_RSA => RsaPkcs1Sha512,
            oid::ECDSA_WITH_SHA256 => EcdsaSha256,
            oid::ECDSA_WITH_SHA384 => EcdsaSha384,
            oid::ECDSA_WITH_SHA512 => EcdsaSha512,
            oid::RSA_ENCRYPTION => {
                RsaPkcs1Sha256.with_digest(digest_hint.ok_or_else(unsupported)?)?
            }
            oid::ID_EC_PUBLIC_KEY => {
                EcdsaSha256.with_digest(digest_hint.ok_or_else(unsupported)?)?
            }
            oid::ID_RSASSA_PSS => {
                let params = ai.parameters.as_ref().ok_or_else(unsupported)?;
                let p: RsassaPssParams<'_> = params.decode_as()?;
                let d = DigestAlgorithm::from_oid(&p.hash_algorithm.oid)?;
                let mgf_hash = p
                    .mask_gen_algorithm
                    .parameters
                    .ok_or_else(unsupported)?
                    .decode_as::<spki::AlgorithmIdentifier<AnyRef<'_>>>()?;
                if p.mask_gen_algorithm.oid != oid::ID_MGF1
                    || mgf_hash.oid != d.oid()
                    || p.salt_length as usize != d.output_len()
                {
                    return Err(CryptoError::UnsupportedAlgorithm(
                        "RSASSA-PSS with MGF1 hash or salt length other than the message hash"
                            .into(),
                    ));
                }
                RsaPssSha256.with_digest(d)?
            }
            _ => return Err(unsupported()),
        })
    }

    pub(crate) fn aws_rsa_encoding(self) -> &'static dyn aws_lc_rs::signature::RsaEncoding {
        use aws_lc_rs::signature as s;
        use SignatureAlgorithm::*;
        match self {
            RsaPssSha256 => &s::RSA_PSS_SHA256,
            RsaPssSha384 => &s::RSA_PSS_SHA384,
            RsaPssSha512 => &s::RSA_PSS_SHA512,
            RsaPkcs1Sha256 => &s::RSA_PKCS1_SHA256,
            RsaPkcs1Sha384 => &s::RSA_PKCS1_SHA384,
            RsaPkcs1Sha512 | EcdsaSha256 | EcdsaSha384 | EcdsaSha512 => &s::RSA_PKCS1_SHA512,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SignatureAlgorithm::*;
        f.write_str(match self {
            RsaPssSha256 => "rsa-pss-sha256",
            RsaPssSha384 => "rsa-pss-sha384",
            RsaPssSha512 => "rsa-pss-sha512",
            RsaPkcs1Sha256 => "rsa-pkcs1-sha256",
            RsaPkcs1Sha384 => "rsa-pkcs1-sha384",
            RsaPkcs1Sha512 => "rsa-pkcs1-sha512",
            EcdsaSha256 => "ecdsa-sha256",
            EcdsaSha384 => "ecdsa-sha384",
            EcdsaSha512 => "ecdsa-sha512",
        })
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, CryptoError> {
        use SignatureAlgorithm::*;
        [
            RsaPssSha256,
            RsaPssSha384,
            RsaPssSha512,
            RsaPkcs1Sha256,
            RsaPkcs1Sha384,
            RsaPkcs1Sha512,
            EcdsaSha256,
            EcdsaSha384,
            EcdsaSha512,
        ]
        .into_iter()
        .find(|a| a.to_string() == s.to_ascii_lowercase())
        .ok_or_else(|| CryptoError::UnsupportedAlgorithm(s.to_string()))
    }
}

/// Key types kyso generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcP256,
    EcP384,
}

impl KeySpec {
    /// The signature algorithm a key of this type signs with by default:
    /// RSASSA-PSS for RSA (Circular 15/2025), ECDSA with the curve's hash.
    pub fn default_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::Rsa2048 | Self::Rsa3072 => SignatureAlgorithm::RsaPssSha256,
            Self::Rsa4096 => SignatureAlgorithm::RsaPssSha384,
            Self::EcP256 => SignatureAlgorithm::EcdsaSha256,
            Self::EcP384 => SignatureAlgorithm::EcdsaSha384,
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rsa2048 => "rsa-2048",
            Self::Rsa3072 => "rsa-3072",
            Self::Rsa4096 => "rsa-4096",
            Self::EcP256 => "p-256",
            Self::EcP384 => "p-384",
        })
    }
}

impl FromStr for KeySpec {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, CryptoError> {
        Ok(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "rsa-2048" | "rsa2048" => Self::Rsa2048,
            "rsa-3072" | "rsa3072" => Self::Rsa3072,
            "rsa-4096" | "rsa4096" => Self::Rsa4096,
            "p-256" | "p256" | "ec-p256" | "secp256r1" => Self::EcP256,
            "p-384" | "p384" | "ec-p384" | "secp384r1" => Self::EcP384,
            other => {
                return Err(CryptoError::UnsupportedAlgorithm(format!(
                    "key type {other}"
                )))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_identifier_reads_back() {
        for a in [
            SignatureAlgorithm::RsaPssSha256,
            SignatureAlgorithm::RsaPssSha512,
            SignatureAlgorithm::RsaPkcs1Sha384,
            SignatureAlgorithm::EcdsaSha256,
        ] {
            let ai = a.algorithm_identifier();
            let der = ai.to_der().unwrap();
            let back = AlgorithmIdentifierOwned::from_der(&der).unwrap();
            assert_eq!(
                SignatureAlgorithm::from_algorithm_identifier(&back, None).unwrap(),
                a
            );
            assert_eq!(a.to_string().parse::<SignatureAlgorithm>().unwrap(), a);
        }
    }

    #[test]
    fn pss_sha256_params_are_written_as_openssl_writes_them() {
        // SEQUENCE { id-RSASSA-PSS, SEQUENCE { [0] sha256 NULL, [1] mgf1(sha256 NULL), [2] 32 } }
        let der = SignatureAlgorithm::RsaPssSha256
            .algorithm_identifier()
            .to_der()
            .unwrap();
        let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120"
        );
    }

    #[test]
    fn rsa_pss_with_foreign_salt_is_refused() {
        let mut ai = SignatureAlgorithm::RsaPssSha256.algorithm_identifier();
        let mut der = ai.parameters.take().unwrap().to_der().unwrap();
        let n = der.len();
        der[n - 1] = 20; // salt length 20 instead of 32
        ai.parameters = Some(der::Any::from_der(&der).unwrap());
        assert!(SignatureAlgorithm::from_algorithm_identifier(&ai, None).is_err());
    }
}
