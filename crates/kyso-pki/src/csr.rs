//! PKCS#10 certification requests (RFC 2986) from untrusted input.
use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode, Header, Reader, SliceReader, Tag, Tagged};
use kyso_crypto::{verify_signature, CryptoError, SignatureAlgorithm};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::Extensions;
use x509_cert::name::Name;
use x509_cert::request::CertReq;

use crate::certificate::pem_or_der;
use crate::name::{common_name, decode_string};
use crate::{oids, MAX_REQUEST_DER};

/// PKCS#9 extensionRequest attribute.
const PKCS9_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// Smallest RSA modulus accepted (Circular 15/2025).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus kyso verifies.
pub const MAX_RSA_BITS: usize = 8192;

/// Errors reading a certification request.
#[derive(Debug, thiserror::Error)]
pub enum CsrError {
    #[error("the certificate request is empty")]
    Empty,
    #[error("the certificate request is {size} bytes; at most {limit} are accepted")]
    TooLarge { size: usize, limit: usize },
    #[error("this is not a valid PKCS#10 certificate request: {0}")]
    Malformed(String),
    #[error("the request's signature does not verify: the request was altered or not signed with its own key")]
    BadSignature,
    #[error(
        "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required (Circular 15/2025)"
    )]
    WeakKey { bits: usize },
    #[error("the request is signed with {0}, which is no longer accepted; sign it with SHA-256 or stronger")]
    WeakDigest(&'static str),
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("the request's subject has no common name (CN)")]
    MissingCommonName,
    #[error("the key could not sign the request: {0}")]
    Signing(CryptoError),
}

/// A verified certification request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificationRequest {
    /// The subject exactly as requested (the CA decides what it certifies).
    pub subject: Name,
    /// DER SubjectPublicKeyInfo.
    pub subject_public_key_info: Vec<u8>,
    /// "RSA-3072", "EC P-256".
    pub key_description: String,
    /// rfc822Name from a requested subjectAltName, else the subject's
    /// emailAddress.
    pub requested_email: Option<String>,
}

#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// Check that a public key is one kyso certifies (RSA 2048–8192 bits,
/// EC P-256 or P-384) and describe it: "RSA-3072", "EC P-256".
pub fn describe_public_key(spki_der: &[u8]) -> Result<String, CsrError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| CsrError::Malformed(format!("public key: {e}")))?;
    describe_spki(&spki)
}

fn describe_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<String, CsrError> {
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION || oid == ID_RSASSA_PSS {
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| CsrError::Malformed("public key bits are not whole bytes".into()))?;
        let key = RsaPublicKey::from_der(bits)
            .map_err(|e| CsrError::Malformed(format!("RSA public key: {e}")))?;
        let _ = key.public_exponent;
        let m = key.modulus.as_bytes();
        let n = match m.first() {
            Some(&b) => m.len() * 8 - b.leading_zeros() as usize,
            None => 0,
        };
        if n < MIN_RSA_BITS {
            return Err(CsrError::WeakKey { bits: n });
        }
        if n > MAX_RSA_BITS {
            return Err(CsrError::UnsupportedAlgorithm(format!(
                "RSA keys over {MAX_RSA_BITS} bits ({n})"
            )));
        }
        Ok(format!("RSA-{n}"))
    } else if oid == ID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters_oid()
            .map_err(|_| CsrError::UnsupportedAlgorithm("EC key without a named curve".into()))?;
        match curve {
            SECP256R1 => Ok("EC P-256".into()),
            SECP384R1 => Ok("EC P-384".into()),
            c => Err(CsrError::UnsupportedAlgorithm(format!(
                "EC curve {c}; use P-256 or P-384"
            ))),
        }
    } else {
        Err(CsrError::UnsupportedAlgorithm(format!(
            "public key type {oid}; use RSA or EC P-256/P-384"
        )))
    }
}

/// The signature algorithm of a certificate, CSR or CRL, with SHA-1 and
/// MD5 named as weak rather than unknown.
pub(crate) fn signature_algorithm(
    ai: &AlgorithmIdentifierOwned,
) -> Result<SignatureAlgorithm, CsrError> {
    const SHA1_OID_DER: [u8; 7] = [0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a];
    let weak = match ai.oid.to_string().as_str() {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            Some("SHA-1")
        }
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.2" => Some("MD5"),
        _ => None,
    };
    if let Some(w) = weak {
        return Err(CsrError::WeakDigest(w));
    }
    let alg = SignatureAlgorithm::from_algorithm_identifier(ai, None).map_err(|e| {
        let params = ai
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok())
            .unwrap_or_default();
        if ai.oid == ID_RSASSA_PSS && params.windows(7).any(|w| w == SHA1_OID_DER) {
            return CsrError::WeakDigest("SHA-1");
        }
        let hint = if ai.oid == ID_RSASSA_PSS {
            " (kyso verifies RSASSA-PSS with MGF1 and salt length equal to the hash; \
             with openssl add -sigopt rsa_pss_saltlen:digest)"
        } else {
            ""
        };
        match e {
            CryptoError::UnsupportedAlgorithm(m) => {
                CsrError::UnsupportedAlgorithm(format!("{m}{hint}"))
            }
            other => CsrError::UnsupportedAlgorithm(format!(
                "signature algorithm {}: {other}{hint}",
                ai.oid
            )),
        }
    })?;
    // RFC 4055 / RFC 5758: NULL (or absent) parameters for PKCS#1 v1.5,
    // absent for ECDSA. The outer algorithm is not signed, so be strict.
    let params_ok = if alg.is_pss() {
        true
    } else if alg.is_ecdsa() {
        ai.parameters.is_none()
    } else {
        ai.parameters
            .as_ref()
            .is_none_or(|p| p.tag() == Tag::Null && p.value().is_empty())
    };
    if !params_ok {
        return Err(CsrError::UnsupportedAlgorithm(format!(
            "signature algorithm {} with unexpected parameters",
            ai.oid
        )));
    }
    Ok(alg)
}

/// The bytes of the first element inside the outer SEQUENCE of `der`
/// (the signed part of a CSR, certificate or CRL), exactly as received.
pub(crate) fn signed_part(der: &[u8]) -> Result<&[u8], der::Error> {
    let mut r = SliceReader::new(der)?;
    let header = Header::decode(&mut r)?;
    header.tag.assert_eq(Tag::Sequence)?;
    r.tlv_bytes()
}

/// Parse and verify a PKCS#10 request, PEM or DER.
pub fn parse_csr(input: &[u8]) -> Result<CertificationRequest, CsrError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(CsrError::Empty);
    }
    let der = pem_or_der(
        input,
        &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"],
        MAX_REQUEST_DER,
    )
    .map_err(|e| match e {
        crate::certificate::PemOrDerError::TooLarge { size, limit } => {
            CsrError::TooLarge { size, limit }
        }
        crate::certificate::PemOrDerError::Malformed(m) => CsrError::Malformed(m),
    })?;
    let req = CertReq::from_der(&der).map_err(|e| CsrError::Malformed(e.to_string()))?;
    let info = signed_part(&der).map_err(|e| CsrError::Malformed(e.to_string()))?;

    let spki_der = req
        .info
        .public_key
        .to_der()
        .map_err(|e| CsrError::Malformed(e.to_string()))?;
    let spki = SubjectPublicKeyInfoRef::from_der(&spki_der)
        .map_err(|e| CsrError::Malformed(format!("public key: {e}")))?;
    let key_description = describe_spki(&spki)?;

    let alg = signature_algorithm(&req.algorithm)?;
    let signature = req
        .signature
        .as_bytes()
        .ok_or_else(|| CsrError::Malformed("signature bits are not whole bytes".into()))?;
    verify_signature(&spki_der, alg, info, signature).map_err(|e| match e {
        CryptoError::BadSignature => CsrError::BadSignature,
        CryptoError::AlgorithmMismatch { algorithm, key } => CsrError::UnsupportedAlgorithm(
            format!("the request is signed with {algorithm} but carries a {key} key"),
        ),
        other => CsrError::UnsupportedAlgorithm(other.to_string()),
    })?;

    match common_name(&req.info.subject) {
        Some(cn) if !cn.trim().is_empty() => {}
        _ => return Err(CsrError::MissingCommonName),
    }

    let mut requested_email = None;
    for attr in req.info.attributes.iter() {
        if attr.oid != PKCS9_EXTENSION_REQUEST {
            continue;
        }
        for value in attr.values.iter() {
            let exts: Extensions = value
                .decode_as()
                .map_err(|e| CsrError::Malformed(format!("extensionRequest: {e}")))?;
            for ext in exts
                .iter()
                .filter(|e| e.extn_id == oids::CE_SUBJECT_ALT_NAME)
            {
                let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| CsrError::Malformed(format!("subjectAltName: {e}")))?;
                for gn in san.0 {
                    if let (GeneralName::Rfc822Name(m), None) = (gn, &requested_email) {
                        requested_email = Some(m.to_string());
                    }
                }
            }
        }
    }
    if requested_email.is_none() {
        requested_email = req
            .info
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == oids::AT_EMAIL_ADDRESS)
            .and_then(|atv| decode_string(&atv.value));
    }

    Ok(CertificationRequest {
        subject: req.info.subject,
        subject_public_key_info: spki_der,
        key_description,
        requested_email,
    })
}

/// Build a PKCS#10 request (DER) for `subject`, signed by `signer` with
/// its own algorithm: the signer may be a software key or a token key
/// (the private key never leaves the token). The result is checked with
/// [`parse_csr`] before it is returned.
pub fn build_csr(subject: &Name, signer: &dyn kyso_crypto::Signer) -> Result<Vec<u8>, CsrError> {
    use der::asn1::BitString;
    use x509_cert::request::{CertReqInfo, Version};
    let public_key = spki::SubjectPublicKeyInfoOwned::from_der(signer.public_key_der())
        .map_err(|e| CsrError::Malformed(format!("public key: {e}")))?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject.clone(),
        public_key,
        attributes: Default::default(),
    };
    let tbs = info
        .to_der()
        .map_err(|e| CsrError::Malformed(e.to_string()))?;
    let signature = signer.sign(&tbs).map_err(CsrError::Signing)?;
    let der = CertReq {
        info,
        algorithm: signer.algorithm().algorithm_identifier(),
        signature: BitString::from_bytes(&signature)
            .map_err(|e| CsrError::Malformed(e.to_string()))?,
    }
    .to_der()
    .map_err(|e| CsrError::Malformed(e.to_string()))?;
    parse_csr(&der)?;
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::BitString;
    use kyso_crypto::{KeySpec, Signer, SoftwareKey};
    use x509_cert::request::{CertReqInfo, Version};

    use crate::name::SubjectName;

    fn make_csr(key: &SoftwareKey, cn: &str) -> Vec<u8> {
        let subject = SubjectName {
            common_name: cn.into(),
            email: Some("an@ninhbinh.gov.vn".into()),
            ..Default::default()
        };
        let subject = if cn.is_empty() {
            x509_cert::name::RdnSequence(vec![])
        } else {
            subject.to_name().unwrap()
        };
        let info = CertReqInfo {
            version: Version::V1,
            subject,
            public_key: spki::SubjectPublicKeyInfoOwned::from_der(key.public_key_der()).unwrap(),
            attributes: Default::default(),
        };
        let tbs = info.to_der().unwrap();
        let sig = key.sign(&tbs).unwrap();
        CertReq {
            info,
            algorithm: key.algorithm().algorithm_identifier(),
            signature: BitString::from_bytes(&sig).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn own_ec_request_parses_and_tampering_is_caught() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let der = make_csr(&key, "Nguyễn Văn An");
        let req = parse_csr(&der).unwrap();
        assert_eq!(req.key_description, "EC P-256");
        assert_eq!(req.requested_email.as_deref(), Some("an@ninhbinh.gov.vn"));
        assert_eq!(req.subject_public_key_info, key.public_key_der());

        // A byte of the CN changed: the signature must no longer verify.
        let pat = "Văn".as_bytes();
        let pos = der.windows(pat.len()).position(|w| w == pat).unwrap();
        let mut bad = der.clone();
        bad[pos] = b'X';
        assert!(matches!(parse_csr(&bad), Err(CsrError::BadSignature)));

        let mut trailing = der.clone();
        trailing.push(0);
        assert!(matches!(parse_csr(&trailing), Err(CsrError::Malformed(_))));
    }

    #[test]
    fn built_requests_parse_for_every_key_family() {
        let subject = SubjectName::parse_dn("CN=Trần Thị Bình, O=UBND tỉnh Ninh Bình, C=VN")
            .unwrap()
            .to_name()
            .unwrap();
        for (spec, alg) in [
            (KeySpec::Rsa2048, None),
            (
                KeySpec::Rsa2048,
                Some(kyso_crypto::SignatureAlgorithm::RsaPkcs1Sha256),
            ),
            (KeySpec::EcP256, None),
        ] {
            let key = SoftwareKey::generate(spec).unwrap();
            let key = match alg {
                Some(a) => key.with_algorithm(a).unwrap(),
                None => key,
            };
            let der = build_csr(&subject, &key).unwrap();
            let req = parse_csr(&der).unwrap();
            assert_eq!(req.subject, subject);
            assert_eq!(req.subject_public_key_info, key.public_key_der());
        }
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let no_cn = x509_cert::name::RdnSequence(vec![]);
        assert!(matches!(
            build_csr(&no_cn, &key),
            Err(CsrError::MissingCommonName)
        ));
    }

    #[test]
    fn missing_cn_and_empty_and_oversized_are_refused() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        assert!(matches!(
            parse_csr(&make_csr(&key, "")),
            Err(CsrError::MissingCommonName)
        ));
        assert!(matches!(parse_csr(b""), Err(CsrError::Empty)));
        assert!(matches!(parse_csr(b" \n"), Err(CsrError::Empty)));
        let big = vec![0x30u8; MAX_REQUEST_DER + 1];
        assert!(matches!(parse_csr(&big), Err(CsrError::TooLarge { .. })));
    }
}
