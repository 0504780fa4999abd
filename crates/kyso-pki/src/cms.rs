//! CMS SignedData (RFC 5652) with ESS signing-certificate-v2 (RFC 5035).
//!
//! Signing happens in two phases so the private key may live elsewhere
//! (PKCS#11 token, browser agent, remote signer):
//!
//! 1. [`signed_attributes`] builds the signed attributes and
//!    [`signed_attributes_der`] gives the DER `SET OF` the signer signs;
//! 2. [`assemble_signed_data`] wraps the signature into a DER ContentInfo.
//!
//! [`sign_content`] does both in one call with a [`Signer`] at hand. The
//! time-stamping authority ([`crate::tsp`]) and, later, PAdES/CAdES build on
//! these functions.
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use kyso_crypto::{CryptoError, DigestAlgorithm, SignatureAlgorithm, Signer};
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::oids;

/// Largest CMS ContentInfo [`parse_signed_data`] reads: 16 MiB (attached
/// content included).
pub const MAX_SIGNED_DATA_DER: usize = 16 * 1024 * 1024;

/// Errors building or reading CMS SignedData.
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    #[error("CMS encoding error: {0}")]
    Encoding(#[from] der::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
    #[error("CMS object of {0} bytes exceeds the limit of {MAX_SIGNED_DATA_DER} bytes")]
    TooLarge(usize),
    #[error("ContentInfo holds {0}, not id-signedData")]
    NotSignedData(ObjectIdentifier),
    #[error("digest algorithm {digest} does not match signature algorithm {signature}")]
    AlgorithmMismatch {
        digest: &'static str,
        signature: SignatureAlgorithm,
    },
    #[error("message digest has {got} bytes, {algorithm} needs {expected}")]
    DigestLength {
        algorithm: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("the signer's public key is not the one in the signer certificate")]
    KeyMismatch,
}

/// ESSCertIDv2 (RFC 5035 §4); hashAlgorithm is omitted, i.e. the default
/// id-sha256.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// IssuerSerial (RFC 5035 §4).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035 §3), without policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

fn any_of<T: Encode>(value: &T) -> Result<Any, CmsError> {
    Ok(Any::from_der(&value.to_der()?)?)
}

/// The ESS signing-certificate-v2 attribute (RFC 5035) naming `cert`:
/// one ESSCertIDv2 with the SHA-256 hash of the certificate (hashAlgorithm
/// omitted = default) and its issuerSerial.
pub fn signing_certificate_v2(cert: &Certificate) -> Result<Attribute, CmsError> {
    let cert_hash = kyso_crypto::digest(DigestAlgorithm::Sha256, &cert.to_der()?);
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(cert_hash)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    attribute(oids::AA_SIGNING_CERTIFICATE_V2, any_of(&value)?)
}

/// What the signed attributes of a SignerInfo are made from.
#[derive(Clone, Debug)]
pub struct SignedAttributesInput<'a> {
    /// eContentType of the encapsulated content (id-data, id-ct-TSTInfo …).
    pub content_type: ObjectIdentifier,
    /// Digest of the content with the SignerInfo's digestAlgorithm.
    pub message_digest: &'a [u8],
    /// Certificate named in signing-certificate-v2.
    pub signer_certificate: &'a Certificate,
    /// Claimed signing time (signingTime attribute), if any.
    pub signing_time: Option<OffsetDateTime>,
    /// Further signed attributes, appended as given.
    pub extra: Vec<Attribute>,
}

/// The signed attributes: contentType, messageDigest,
/// signingCertificateV2, signingTime when given, then `extra`.
pub fn signed_attributes(input: &SignedAttributesInput<'_>) -> Result<Vec<Attribute>, CmsError> {
    let mut attrs = vec![
        attribute(oids::AA_CONTENT_TYPE, any_of(&input.content_type)?)?,
        attribute(
            oids::AA_MESSAGE_DIGEST,
            any_of(&OctetString::new(input.message_digest)?)?,
        )?,
        signing_certificate_v2(input.signer_certificate)?,
    ];
    if let Some(t) = input.signing_time {
        attrs.push(attribute(
            oids::AA_SIGNING_TIME,
            any_of(&crate::time::x509_time(t)?)?,
        )?);
    }
    attrs.extend(input.extra.iter().cloned());
    Ok(attrs)
}

fn attribute_set(attrs: &[Attribute]) -> Result<SetOfVec<Attribute>, CmsError> {
    // SetOfVec sorts by DER encoding (X.690 §11.6), as verifiers re-encode.
    Ok(SetOfVec::try_from(attrs.to_vec())?)
}

/// The DER `SET OF Attribute` (tag 0x31, DER-sorted) over which the
/// signature is computed (RFC 5652 §5.4).
pub fn signed_attributes_der(attrs: &[Attribute]) -> Result<Vec<u8>, CmsError> {
    Ok(attribute_set(attrs)?.to_der()?)
}

/// Everything [`assemble_signed_data`] puts into a SignedData.
#[derive(Clone, Debug)]
pub struct SignedDataParts<'a> {
    /// eContentType (id-data for documents, id-ct-TSTInfo for tokens).
    pub encapsulated_content_type: ObjectIdentifier,
    /// The content to encapsulate; `None` makes a detached signature.
    pub encapsulated_content: Option<&'a [u8]>,
    /// SignerInfo digestAlgorithm (must be the signature algorithm's hash).
    pub digest_algorithm: DigestAlgorithm,
    /// SignerInfo signatureAlgorithm.
    pub signature_algorithm: SignatureAlgorithm,
    /// The signed attributes, exactly those that were signed.
    pub signed_attributes: Vec<Attribute>,
    /// The signature over [`signed_attributes_der`].
    pub signature: Vec<u8>,
    /// Identifies the signer (issuerAndSerialNumber).
    pub signer_certificate: &'a Certificate,
    /// Certificates to embed (may be empty; the signer's is not added
    /// automatically).
    pub certificates: Vec<Certificate>,
    /// Unsigned attributes (e.g. a signature time-stamp token).
    pub unsigned_attributes: Vec<Attribute>,
}

/// Assemble a DER ContentInfo (id-signedData) with one SignerInfo.
pub fn assemble_signed_data(parts: SignedDataParts<'_>) -> Result<Vec<u8>, CmsError> {
    if parts.signature_algorithm.digest() != parts.digest_algorithm {
        return Err(CmsError::AlgorithmMismatch {
            digest: parts.digest_algorithm.name(),
            signature: parts.signature_algorithm,
        });
    }
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: parts.signer_certificate.tbs_certificate.issuer.clone(),
            serial_number: parts
                .signer_certificate
                .tbs_certificate
                .serial_number
                .clone(),
        }),
        digest_alg: parts.digest_algorithm.algorithm_identifier(),
        signed_attrs: Some(attribute_set(&parts.signed_attributes)?),
        signature_algorithm: parts.signature_algorithm.algorithm_identifier(),
        signature: OctetString::new(parts.signature)?,
        unsigned_attrs: if parts.unsigned_attributes.is_empty() {
            None
        } else {
            Some(attribute_set(&parts.unsigned_attributes)?)
        },
    };
    let econtent = match parts.encapsulated_content {
        Some(c) => Some(any_of(&der::asn1::OctetStringRef::new(c)?)?),
        None => None,
    };
    let certificates = if parts.certificates.is_empty() {
        None
    } else {
        let mut set = SetOfVec::new();
        for c in parts.certificates {
            let choice = CertificateChoices::Certificate(c);
            // A certificate given twice is embedded once.
            if !set.iter().any(|x| x == &choice) {
                set.insert(choice)?;
            }
        }
        Some(CertificateSet(set))
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(parts.digest_algorithm.algorithm_identifier())?;
    // RFC 5652 §5.1: version 3 when eContentType is not id-data.
    let version = if parts.encapsulated_content_type == oids::CT_DATA {
        CmsVersion::V1
    } else {
        CmsVersion::V3
    };
    let signed_data = SignedData {
        version,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: parts.encapsulated_content_type,
            econtent,
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let content_info = ContentInfo {
        content_type: oids::CT_SIGNED_DATA,
        content: any_of(&signed_data)?,
    };
    Ok(content_info.to_der()?)
}

/// Fails unless `signer` holds the key certified by `cert`.
pub(crate) fn check_signer_key(signer: &dyn Signer, cert: &Certificate) -> Result<(), CmsError> {
    if cert.tbs_certificate.subject_public_key_info.to_der()? != signer.public_key_der() {
        return Err(CmsError::KeyMismatch);
    }
    Ok(())
}

/// One-shot signing: digest `content`, build the signed attributes, sign
/// them with `signer` and assemble. Embeds the signer certificate followed
/// by `certificates` (the chain). `encapsulate = false` gives a detached
/// signature.
pub fn sign_content(
    content_type: ObjectIdentifier,
    content: &[u8],
    encapsulate: bool,
    signer: &dyn Signer,
    signer_certificate: &Certificate,
    certificates: Vec<Certificate>,
    signing_time: Option<OffsetDateTime>,
) -> Result<Vec<u8>, CmsError> {
    check_signer_key(signer, signer_certificate)?;
    let algorithm = signer.algorithm();
    let digest_algorithm = algorithm.digest();
    let message_digest = kyso_crypto::digest(digest_algorithm, content);
    let attrs = signed_attributes(&SignedAttributesInput {
        content_type,
        message_digest: &message_digest,
        signer_certificate,
        signing_time,
        extra: Vec::new(),
    })?;
    let signature = signer.sign(&signed_attributes_der(&attrs)?)?;
    let mut embedded = Vec::with_capacity(certificates.len() + 1);
    embedded.push(signer_certificate.clone());
    embedded.extend(certificates);
    assemble_signed_data(SignedDataParts {
        encapsulated_content_type: content_type,
        encapsulated_content: encapsulate.then_some(content),
        digest_algorithm,
        signature_algorithm: algorithm,
        signed_attributes: attrs,
        signature,
        signer_certificate,
        certificates: embedded,
        unsigned_attributes: Vec::new(),
    })
}

/// Read a DER ContentInfo holding SignedData.
///
/// Note: `der` re-sorts SET OF values while decoding; a verifier must hash
/// the signed attributes as received (the raw `[0]` bytes with the tag
/// replaced by 0x31), not a re-encoding of the parsed value.
pub fn parse_signed_data(der: &[u8]) -> Result<SignedData, CmsError> {
    if der.len() > MAX_SIGNED_DATA_DER {
        return Err(CmsError::TooLarge(der.len()));
    }
    let content_info = ContentInfo::from_der(der)?;
    if content_info.content_type != oids::CT_SIGNED_DATA {
        return Err(CmsError::NotSignedData(content_info.content_type));
    }
    Ok(content_info.content.decode_as::<SignedData>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_signed_data(b"").is_err());
        assert!(parse_signed_data(&[0x30, 0x80]).is_err());
        assert!(parse_signed_data(&[0x30, 0x03, 0x06, 0x01, 0x00]).is_err());
        let too_big = vec![0u8; MAX_SIGNED_DATA_DER + 1];
        assert!(matches!(
            parse_signed_data(&too_big),
            Err(CmsError::TooLarge(_))
        ));
    }

    #[test]
    fn a_content_info_of_another_type_is_refused() {
        let ci = ContentInfo {
            content_type: oids::CT_DATA,
            content: any_of(&OctetString::new(b"x".to_vec()).unwrap()).unwrap(),
        };
        assert!(matches!(
            parse_signed_data(&ci.to_der().unwrap()),
            Err(CmsError::NotSignedData(_))
        ));
    }

    #[test]
    fn signed_attributes_are_der_sorted() {
        let a = attribute(
            oids::AA_MESSAGE_DIGEST,
            any_of(&OctetString::new(vec![1u8; 32]).unwrap()).unwrap(),
        )
        .unwrap();
        let b = attribute(oids::AA_CONTENT_TYPE, any_of(&oids::CT_DATA).unwrap()).unwrap();
        let ab = signed_attributes_der(&[a.clone(), b.clone()]).unwrap();
        let ba = signed_attributes_der(&[b.clone(), a.clone()]).unwrap();
        assert_eq!(ab, ba);
        assert_eq!(ab[0], 0x31);
        // contentType (shorter encoding) sorts before messageDigest.
        let b_der = b.to_der().unwrap();
        assert_eq!(&ab[2..2 + b_der.len()], &b_der[..]);
    }
}
