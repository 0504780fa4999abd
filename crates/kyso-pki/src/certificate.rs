//! X.509 v3 certificate issuance (RFC 5280) and certificate helpers.
use std::borrow::Cow;

use der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use kyso_crypto::{digest, verify_signature, CryptoError, DigestAlgorithm, Signer};
use rand::RngCore;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use time::OffsetDateTime;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

use crate::csr::{describe_public_key, signature_algorithm, signed_part};
use crate::name::display_name;
use crate::profile::{extension, Profile};
use crate::time::{from_x509_time, x509_time, TimeError};
use crate::{oids, MAX_REQUEST_DER};

/// Errors issuing, parsing or checking certificates.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("the certificate is empty")]
    Empty,
    #[error("the certificate is {size} bytes; at most {limit} are accepted")]
    TooLarge { size: usize, limit: usize },
    #[error("this is not a valid X.509 certificate: {0}")]
    Malformed(String),
    #[error("invalid certificate template: {0}")]
    InvalidTemplate(String),
    #[error("the subject public key is not acceptable: {0}")]
    UnacceptableKey(String),
    #[error("the signing key is not the key of {0}")]
    KeyMismatch(String),
    #[error("a {profile} certificate may be valid for at most {max} days; {days} requested")]
    ValidityTooLong {
        profile: Profile,
        days: i64,
        max: i64,
    },
    #[error("the requested validity is not inside the issuer's validity ({0})")]
    OutsideIssuerValidity(String),
    #[error("the issuer certificate cannot issue this certificate: {0}")]
    IssuerNotCa(String),
    #[error("the certificate was not issued by this issuer: names differ ({issuer} vs {subject})")]
    NameMismatch { issuer: String, subject: String },
    #[error("the certificate's signature does not verify with the issuer's key")]
    BadSignature,
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("cryptographic failure: {0}")]
    Crypto(#[from] CryptoError),
    #[error("encoding error: {0}")]
    Encoding(#[from] der::Error),
    #[error(transparent)]
    Time(#[from] TimeError),
}

/// Everything about a certificate that the CA decides.
#[derive(Clone, Debug)]
pub struct CertificateTemplate {
    pub profile: Profile,
    pub subject: Name,
    /// DER SubjectPublicKeyInfo of the subject's key.
    pub subject_public_key_info: Vec<u8>,
    /// Positive big-endian serial, 1..=20 bytes (see [`random_serial`]).
    pub serial: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// certificatePolicies; CA profiles get anyPolicy when empty.
    pub policy_oids: Vec<ObjectIdentifier>,
    pub ocsp_url: Option<String>,
    pub ca_issuers_url: Option<String>,
    pub crl_url: Option<String>,
    /// pathLenConstraint for CA profiles.
    pub path_len: Option<u8>,
    /// rfc822Name subjectAltName.
    pub email_san: Option<String>,
}

/// Issue a certificate. `issuer = None` makes a self-signed root (the
/// template's profile must then be [`Profile::RootCa`]).
pub fn issue(
    template: &CertificateTemplate,
    issuer: Option<&Certificate>,
    signer: &dyn Signer,
) -> Result<Certificate, CertError> {
    let t = template;
    let invalid = |m: &str| CertError::InvalidTemplate(m.to_string());

    // The subject.
    if t.subject.0.is_empty() {
        return Err(invalid("the subject name is empty"));
    }
    describe_public_key(&t.subject_public_key_info)
        .map_err(|e| CertError::UnacceptableKey(e.to_string()))?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&t.subject_public_key_info)
        .map_err(|e| CertError::UnacceptableKey(e.to_string()))?;
    let serial = check_serial(&t.serial)?;
    if !t.profile.is_ca() && t.path_len.is_some() {
        return Err(invalid("pathLenConstraint is only for CA certificates"));
    }

    // Validity.
    if t.not_after <= t.not_before {
        return Err(invalid("notAfter must be later than notBefore"));
    }
    let secs = (t.not_after - t.not_before).whole_seconds();
    let days = secs / 86_400 + i64::from(secs % 86_400 != 0);
    let max = t.profile.max_validity_days();
    if days > max {
        return Err(CertError::ValidityTooLong {
            profile: t.profile,
            days,
            max,
        });
    }

    // The issuer, and the key that signs.
    let signer_spki =
        SubjectPublicKeyInfoOwned::from_der(signer.public_key_der()).map_err(|e| {
            CertError::KeyMismatch(format!("the signer's public key is unreadable: {e}"))
        })?;
    let (issuer_name, issuer_key_id) = match issuer {
        None => {
            if t.profile != Profile::RootCa {
                return Err(invalid("only a root CA certificate is self-signed"));
            }
            if signer_spki != spki {
                return Err(CertError::KeyMismatch("the self-signed subject".into()));
            }
            (
                t.subject.clone(),
                key_identifier(&t.subject_public_key_info)?,
            )
        }
        Some(ca) => {
            if t.profile == Profile::RootCa {
                return Err(invalid(
                    "a root CA certificate is self-signed: pass no issuer",
                ));
            }
            let tbs = &ca.tbs_certificate;
            if signer_spki != tbs.subject_public_key_info {
                return Err(CertError::KeyMismatch(display_name(&tbs.subject)));
            }
            check_can_issue(ca, t.profile)?;
            let ca_from = from_x509_time(&tbs.validity.not_before);
            let ca_to = from_x509_time(&tbs.validity.not_after);
            if t.not_before < ca_from || t.not_after > ca_to {
                return Err(CertError::OutsideIssuerValidity(format!(
                    "{} to {}",
                    crate::time::iso8601_vn(ca_from),
                    crate::time::iso8601_vn(ca_to)
                )));
            }
            (tbs.subject.clone(), subject_key_identifier(ca)?)
        }
    };

    // Extensions.
    let mut exts: Vec<Extension> = t.profile.extensions(t.path_len)?;
    let ski = key_identifier(&t.subject_public_key_info)?;
    exts.push(extension(
        oids::CE_SUBJECT_KEY_IDENTIFIER,
        false,
        &SubjectKeyIdentifier(OctetString::new(ski)?),
    )?);
    exts.push(extension(
        oids::CE_AUTHORITY_KEY_IDENTIFIER,
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(issuer_key_id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    )?);
    let mut policies = t.policy_oids.clone();
    if policies.is_empty() && t.profile.is_ca() {
        policies.push(oids::ANY_POLICY);
    }
    if !policies.is_empty() {
        let info = policies
            .into_iter()
            .map(|p| PolicyInformation {
                policy_identifier: p,
                policy_qualifiers: None,
            })
            .collect();
        exts.push(extension(
            oids::CE_CERTIFICATE_POLICIES,
            false,
            &CertificatePolicies(info),
        )?);
    }
    let mut access = Vec::new();
    if let Some(url) = &t.ocsp_url {
        access.push(AccessDescription {
            access_method: oids::AD_OCSP,
            access_location: uri(url)?,
        });
    }
    if let Some(url) = &t.ca_issuers_url {
        access.push(AccessDescription {
            access_method: oids::AD_CA_ISSUERS,
            access_location: uri(url)?,
        });
    }
    if !access.is_empty() {
        exts.push(extension(
            oids::PE_AUTHORITY_INFO_ACCESS,
            false,
            &AuthorityInfoAccessSyntax(access),
        )?);
    }
    if let Some(url) = &t.crl_url {
        let dp = DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
            reasons: None,
            crl_issuer: None,
        };
        exts.push(extension(
            oids::CE_CRL_DISTRIBUTION_POINTS,
            false,
            &CrlDistributionPoints(vec![dp]),
        )?);
    }
    if let Some(email) = &t.email_san {
        let ia5 = Ia5String::new(email)
            .ok()
            .filter(|_| email.contains('@') && !email.contains(char::is_whitespace))
            .ok_or_else(|| invalid("the subjectAltName e-mail must be an ASCII address"))?;
        exts.push(extension(
            oids::CE_SUBJECT_ALT_NAME,
            false,
            &SubjectAltName(vec![GeneralName::Rfc822Name(ia5)]),
        )?);
    }

    // TbsCertificate, signed.
    let algorithm = signer.algorithm();
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: serial,
        signature: algorithm.algorithm_identifier(),
        issuer: issuer_name,
        validity: Validity {
            not_before: x509_time(t.not_before)?,
            not_after: x509_time(t.not_after)?,
        },
        subject: t.subject.clone(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(exts),
    };
    let tbs_der = tbs.to_der()?;
    let signature = signer.sign(&tbs_der)?;
    // A signer that signs with another key or algorithm than it claims
    // would produce a certificate nobody can verify: check it here.
    verify_signature(signer.public_key_der(), algorithm, &tbs_der, &signature)?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm.algorithm_identifier(),
        signature: BitString::from_bytes(&signature)?,
    })
}

fn check_serial(serial: &[u8]) -> Result<SerialNumber, CertError> {
    let bad = |m: &str| CertError::InvalidTemplate(format!("serial number {m}"));
    if serial.is_empty() || serial.len() > 20 {
        return Err(bad("must be 1 to 20 bytes"));
    }
    if serial.iter().all(|&b| b == 0) {
        return Err(bad("must be positive"));
    }
    SerialNumber::new(serial).map_err(|_| bad("does not fit in 20 DER bytes (clear the high bit)"))
}

fn uri(url: &str) -> Result<GeneralName, CertError> {
    if url.is_empty() || !url.is_ascii() || url.contains(char::is_whitespace) {
        return Err(CertError::InvalidTemplate(format!(
            "'{url}' is not a URL that can go in a certificate (ASCII, no spaces)"
        )));
    }
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(url)?))
}

/// Can `ca` issue a certificate of `profile`? (cA=TRUE, keyCertSign,
/// pathLenConstraint.)
fn check_can_issue(ca: &Certificate, profile: Profile) -> Result<(), CertError> {
    let name = display_name(&ca.tbs_certificate.subject);
    let bc = find_extension(ca, oids::CE_BASIC_CONSTRAINTS)
        .map(|e| BasicConstraints::from_der(e.extn_value.as_bytes()))
        .transpose()
        .map_err(|e| CertError::Malformed(format!("basicConstraints: {e}")))?;
    match bc {
        Some(bc) if bc.ca => {
            if profile.is_ca() && bc.path_len_constraint == Some(0) {
                return Err(CertError::IssuerNotCa(format!(
                    "{name} has pathLenConstraint 0 and cannot issue CA certificates"
                )));
            }
        }
        _ => {
            return Err(CertError::IssuerNotCa(format!(
                "{name} is not a CA certificate"
            )))
        }
    }
    if let Some(ku) = find_extension(ca, oids::CE_KEY_USAGE) {
        let ku = KeyUsage::from_der(ku.extn_value.as_bytes())
            .map_err(|e| CertError::Malformed(format!("keyUsage: {e}")))?;
        if !ku.0.contains(KeyUsages::KeyCertSign) {
            return Err(CertError::IssuerNotCa(format!("{name} lacks keyCertSign")));
        }
    }
    Ok(())
}

/// The extension `oid` of `cert`, if present.
pub fn find_extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&Extension> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)
}

/// The certificate's subjectKeyIdentifier, or the RFC 5280 method-1
/// identifier of its key when it has none.
pub fn subject_key_identifier(cert: &Certificate) -> Result<Vec<u8>, CertError> {
    if let Some(e) = find_extension(cert, oids::CE_SUBJECT_KEY_IDENTIFIER) {
        let ski = SubjectKeyIdentifier::from_der(e.extn_value.as_bytes())
            .map_err(|e| CertError::Malformed(format!("subjectKeyIdentifier: {e}")))?;
        return Ok(ski.0.as_bytes().to_vec());
    }
    key_identifier(&cert.tbs_certificate.subject_public_key_info.to_der()?)
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
pub fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, CertError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| CertError::Malformed(format!("public key: {e}")))?;
    Ok(digest(
        DigestAlgorithm::Sha1,
        spki.subject_public_key.raw_bytes(),
    ))
}

/// 16 random bytes from the operating system's CSPRNG via `rand`'s
/// thread generator, high bit cleared and the next one set: a positive
/// 16-byte DER INTEGER with 126 bits of entropy.
pub fn random_serial() -> Vec<u8> {
    let mut serial = vec![0u8; 16];
    rand::rng().fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x40;
    serial
}

/// Errors of the shared PEM-or-DER reader.
#[derive(Debug)]
pub(crate) enum PemOrDerError {
    TooLarge { size: usize, limit: usize },
    Malformed(String),
}

/// DER from PEM (one of `labels`, text around it ignored) or raw DER,
/// at most `limit` DER bytes.
pub(crate) fn pem_or_der<'a>(
    input: &'a [u8],
    labels: &[&str],
    limit: usize,
) -> Result<Cow<'a, [u8]>, PemOrDerError> {
    let too_large = |size| PemOrDerError::TooLarge { size, limit };
    // PEM is about 4/3 of DER plus headers and line breaks.
    if input.len() > limit.saturating_mul(2).saturating_add(1024) {
        return Err(too_large(input.len()));
    }
    let begin = input.windows(11).position(|w| w == b"-----BEGIN ");
    let der: Cow<'a, [u8]> = match begin {
        None => Cow::Borrowed(input),
        Some(start) => {
            let text = &input[start..];
            let end_marker = b"-----END ";
            let end = text
                .windows(end_marker.len())
                .position(|w| w == end_marker)
                .ok_or_else(|| PemOrDerError::Malformed("PEM without an END line".into()))?;
            let after = &text[end + end_marker.len()..];
            let close = after
                .windows(5)
                .position(|w| w == b"-----")
                .ok_or_else(|| PemOrDerError::Malformed("PEM END line is incomplete".into()))?;
            let block = &text[..end + end_marker.len() + close + 5];
            let (label, der) = der::pem::decode_vec(block)
                .map_err(|e| PemOrDerError::Malformed(format!("PEM: {e}")))?;
            if !labels.contains(&label) {
                return Err(PemOrDerError::Malformed(format!(
                    "PEM block is '{label}', expected '{}'",
                    labels.first().copied().unwrap_or("")
                )));
            }
            Cow::Owned(der)
        }
    };
    if der.len() > limit {
        return Err(too_large(der.len()));
    }
    Ok(der)
}

/// Parse a certificate, PEM or DER, at most [`MAX_REQUEST_DER`] bytes.
pub fn parse_certificate(input: &[u8]) -> Result<Certificate, CertError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(CertError::Empty);
    }
    let der = pem_or_der(input, &["CERTIFICATE"], MAX_REQUEST_DER).map_err(|e| match e {
        PemOrDerError::TooLarge { size, limit } => CertError::TooLarge { size, limit },
        PemOrDerError::Malformed(m) => CertError::Malformed(m),
    })?;
    Certificate::from_der(&der).map_err(|e| CertError::Malformed(e.to_string()))
}

/// DER encoding. (Encoding a decoded or issued certificate cannot fail;
/// an impossible failure yields an empty vector.)
pub fn to_der(cert: &Certificate) -> Vec<u8> {
    cert.to_der().unwrap_or_default()
}

/// PEM encoding (`CERTIFICATE`, LF line endings).
pub fn to_pem(cert: &Certificate) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &to_der(cert))
        .unwrap_or_default()
}

/// The serial number as lowercase hex, no separators, without the sign
/// byte DER adds.
pub fn serial_hex(cert: &Certificate) -> String {
    let bytes = cert.tbs_certificate.serial_number.as_bytes();
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    hex::encode(&bytes[start..])
}

/// SHA-256 of the DER, lowercase hex.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    hex::encode(digest(DigestAlgorithm::Sha256, der))
}

/// Check that `issuer` issued `cert`: issuer name equals issuer's subject
/// and the signature verifies with the issuer's key.
pub fn verify_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), CertError> {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return Err(CertError::NameMismatch {
            issuer: display_name(&cert.tbs_certificate.issuer),
            subject: display_name(&issuer.tbs_certificate.subject),
        });
    }
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(CertError::Malformed(
            "signatureAlgorithm differs from the TbsCertificate's signature field".into(),
        ));
    }
    let alg = signature_algorithm(&cert.signature_algorithm)
        .map_err(|e| CertError::UnsupportedAlgorithm(e.to_string()))?;
    // Re-encoding is exact: the der crate only decodes DER.
    let der = cert.to_der()?;
    let tbs = signed_part(&der)?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or_else(|| CertError::Malformed("signature bits are not whole bytes".into()))?;
    let issuer_spki = issuer.tbs_certificate.subject_public_key_info.to_der()?;
    verify_signature(&issuer_spki, alg, tbs, sig).map_err(|e| match e {
        CryptoError::BadSignature => CertError::BadSignature,
        other => CertError::Crypto(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::SubjectName;
    use kyso_crypto::{KeySpec, SoftwareKey};
    use time::Duration;

    fn name(cn: &str) -> Name {
        SubjectName {
            common_name: cn.into(),
            ..Default::default()
        }
        .to_name()
        .unwrap()
    }

    fn template(profile: Profile, cn: &str, key: &SoftwareKey, days: i64) -> CertificateTemplate {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        CertificateTemplate {
            profile,
            subject: name(cn),
            subject_public_key_info: key.public_key_der().to_vec(),
            serial: random_serial(),
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(days),
            policy_oids: vec![],
            ocsp_url: None,
            ca_issuers_url: None,
            crl_url: None,
            path_len: None,
            email_san: None,
        }
    }

    #[test]
    fn serials_are_positive_16_bytes_and_distinct() {
        let a = random_serial();
        let b = random_serial();
        assert_eq!(a.len(), 16);
        assert!(a[0] & 0x80 == 0 && a[0] != 0);
        assert_ne!(a, b);
        assert!(check_serial(&[0x80; 20]).is_err());
        assert!(check_serial(&[0; 4]).is_err());
        assert!(check_serial(&[]).is_err());
        assert!(check_serial(&[0x7f; 20]).is_ok());
    }

    #[test]
    fn chain_rules_are_enforced() {
        let root_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let root = issue(
            &template(Profile::RootCa, "Root", &root_key, 1000),
            None,
            &root_key,
        )
        .unwrap();
        assert_eq!(
            find_extension(&root, oids::CE_AUTHORITY_KEY_IDENTIFIER).map(|_| ()),
            Some(())
        );
        verify_issued_by(&root, &root).unwrap();

        let ee_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let ee = issue(
            &template(Profile::PersonalSigning, "An", &ee_key, 365),
            Some(&root),
            &root_key,
        )
        .unwrap();
        verify_issued_by(&ee, &root).unwrap();
        assert!(matches!(
            verify_issued_by(&root, &ee),
            Err(CertError::NameMismatch { .. })
        ));

        // Too long for a subscriber.
        let t = template(Profile::PersonalSigning, "An", &ee_key, 1827);
        assert!(matches!(
            issue(&t, Some(&root), &root_key),
            Err(CertError::ValidityTooLong { max: 1826, .. })
        ));
        // Signed with a key that is not the issuer's.
        let t = template(Profile::PersonalSigning, "An", &ee_key, 30);
        assert!(matches!(
            issue(&t, Some(&root), &ee_key),
            Err(CertError::KeyMismatch(_))
        ));
        // An end-entity certificate cannot issue.
        assert!(matches!(
            issue(&t, Some(&ee), &ee_key),
            Err(CertError::IssuerNotCa(_))
        ));
        // Beyond the issuer's notAfter.
        let t = template(Profile::OrganizationSeal, "Seal", &ee_key, 1800);
        assert!(matches!(
            issue(&t, Some(&root), &root_key),
            Err(CertError::OutsideIssuerValidity(_))
        ));
        // Non-root without issuer, root with issuer.
        let t = template(Profile::Tsa, "TSA", &ee_key, 30);
        assert!(matches!(
            issue(&t, None, &ee_key),
            Err(CertError::InvalidTemplate(_))
        ));

        // A tampered certificate no longer verifies.
        let mut der = to_der(&ee);
        let n = der.len();
        der[n - 5] ^= 1;
        let tampered = parse_certificate(&der).unwrap();
        assert!(matches!(
            verify_issued_by(&tampered, &root),
            Err(CertError::BadSignature)
        ));

        // PEM round trip, serial and fingerprint forms.
        let back = parse_certificate(to_pem(&ee).as_bytes()).unwrap();
        assert_eq!(back, ee);
        assert_eq!(serial_hex(&ee).len(), 32);
        assert_eq!(fingerprint_sha256(&to_der(&ee)).len(), 64);
        assert!(matches!(parse_certificate(b""), Err(CertError::Empty)));
        assert!(matches!(
            parse_certificate(b"\x30\x03abc"),
            Err(CertError::Malformed(_))
        ));
    }
}
