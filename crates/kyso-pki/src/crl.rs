//! X.509 v2 CRLs (RFC 5280 §5): building and parsing.
use der::asn1::{BitString, OctetString, Uint};
use der::{Decode, Encode};
use kyso_crypto::{verify_signature, CryptoError, Signer};
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, KeyUsage, KeyUsages};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::certificate::{
    find_extension, pem_or_der, subject_key_identifier, CertError, PemOrDerError,
};
use crate::name::display_name;
use crate::profile::extension;
use crate::time::{x509_time, TimeError};
use crate::{oids, RevocationReason};

/// Largest CRL parsed: 16 MiB.
pub const MAX_CRL_DER: usize = 16 * 1024 * 1024;

/// Errors building or parsing CRLs.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    #[error("the CRL is empty")]
    Empty,
    #[error("the CRL is {size} bytes; at most {limit} are accepted")]
    TooLarge { size: usize, limit: usize },
    #[error("this is not a valid X.509 CRL: {0}")]
    Malformed(String),
    #[error("the signing key is not the key of the CRL issuer {0}")]
    KeyMismatch(String),
    #[error("{0} is not allowed to sign CRLs (it lacks cRLSign)")]
    NotCrlIssuer(String),
    #[error("nextUpdate must be later than thisUpdate")]
    BadUpdateTimes,
    #[error("revoked serial number {0} is not a positive integer of at most 20 bytes")]
    BadSerial(String),
    #[error("reason removeFromCRL belongs only in delta CRLs")]
    RemoveFromCrl,
    #[error(transparent)]
    Certificate(#[from] CertError),
    #[error("cryptographic failure: {0}")]
    Crypto(#[from] CryptoError),
    #[error("encoding error: {0}")]
    Encoding(#[from] der::Error),
    #[error(transparent)]
    Time(#[from] TimeError),
}

/// One entry of a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedCertificate {
    /// Positive big-endian serial number.
    pub serial: Vec<u8>,
    pub revocation_date: OffsetDateTime,
    /// `None` and `Unspecified` write no reasonCode (RFC 5280 §5.3.1).
    pub reason: Option<RevocationReason>,
}

/// Build and sign a v2 CRL for `issuer` with the authorityKeyIdentifier
/// and cRLNumber extensions; returns DER.
pub fn build_crl(
    issuer: &Certificate,
    signer: &dyn Signer,
    crl_number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    revoked: &[RevokedCertificate],
) -> Result<Vec<u8>, CrlError> {
    let issuer_name = display_name(&issuer.tbs_certificate.subject);
    let signer_spki = SubjectPublicKeyInfoOwned::from_der(signer.public_key_der())
        .map_err(|_| CrlError::KeyMismatch(issuer_name.clone()))?;
    if signer_spki != issuer.tbs_certificate.subject_public_key_info {
        return Err(CrlError::KeyMismatch(issuer_name));
    }
    if let Some(ku) = find_extension(issuer, oids::CE_KEY_USAGE) {
        let ku = KeyUsage::from_der(ku.extn_value.as_bytes())
            .map_err(|e| CrlError::Malformed(format!("issuer keyUsage: {e}")))?;
        if !ku.0.contains(KeyUsages::CRLSign) {
            return Err(CrlError::NotCrlIssuer(issuer_name));
        }
    }
    if next_update <= this_update {
        return Err(CrlError::BadUpdateTimes);
    }

    let mut entries = Vec::with_capacity(revoked.len());
    for r in revoked {
        let bad = || CrlError::BadSerial(hex::encode(&r.serial));
        if r.serial.is_empty() || r.serial.iter().all(|&b| b == 0) {
            return Err(bad());
        }
        let serial_number = SerialNumber::new(&r.serial).map_err(|_| bad())?;
        let crl_entry_extensions = match r.reason {
            None | Some(RevocationReason::Unspecified) => None,
            Some(RevocationReason::RemoveFromCrl) => return Err(CrlError::RemoveFromCrl),
            Some(reason) => Some(vec![Extension {
                extn_id: oids::CE_CRL_REASONS,
                critical: false,
                // CRLReason ::= ENUMERATED
                extn_value: OctetString::new(vec![0x0a, 0x01, reason.code()])?,
            }]),
        };
        entries.push(RevokedCert {
            serial_number,
            revocation_date: x509_time(r.revocation_date)?,
            crl_entry_extensions,
        });
    }

    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(subject_key_identifier(issuer)?)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let number = CrlNumber(Uint::new(&crl_number.to_be_bytes())?);
    let crl_extensions = vec![
        extension(oids::CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?,
        extension(oids::CE_CRL_NUMBER, false, &number)?,
    ];

    let algorithm = signer.algorithm();
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.algorithm_identifier(),
        issuer: issuer.tbs_certificate.subject.clone(),
        this_update: x509_time(this_update)?,
        next_update: Some(x509_time(next_update)?),
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: Some(crl_extensions),
    };
    let tbs_der = tbs.to_der()?;
    let signature = signer.sign(&tbs_der)?;
    verify_signature(signer.public_key_der(), algorithm, &tbs_der, &signature)?;
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm.algorithm_identifier(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(crl.to_der()?)
}

/// Parse a CRL, PEM (`X509 CRL`) or DER, at most [`MAX_CRL_DER`] bytes.
/// The signature is not checked here.
pub fn parse_crl(input: &[u8]) -> Result<CertificateList, CrlError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(CrlError::Empty);
    }
    let der = pem_or_der(input, &["X509 CRL"], MAX_CRL_DER).map_err(|e| match e {
        PemOrDerError::TooLarge { size, limit } => CrlError::TooLarge { size, limit },
        PemOrDerError::Malformed(m) => CrlError::Malformed(m),
    })?;
    CertificateList::from_der(&der).map_err(|e| CrlError::Malformed(e.to_string()))
}

/// The cRLNumber of a CRL, if it has one that fits in a u64.
pub fn crl_number(crl: &CertificateList) -> Option<u64> {
    let ext = crl
        .tbs_cert_list
        .crl_extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oids::CE_CRL_NUMBER)?;
    let n = CrlNumber::from_der(ext.extn_value.as_bytes()).ok()?;
    let b = n.0.as_bytes();
    if b.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    buf[8 - b.len()..].copy_from_slice(b);
    Some(u64::from_be_bytes(buf))
}

/// The reasonCode of a CRL entry (`None` when absent or unreadable).
pub fn entry_reason(entry: &RevokedCert) -> Option<RevocationReason> {
    let ext = entry
        .crl_entry_extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oids::CE_CRL_REASONS)?;
    match ext.extn_value.as_bytes() {
        [0x0a, 0x01, code] => RevocationReason::from_code(*code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::{issue, random_serial, CertificateTemplate};
    use crate::name::SubjectName;
    use crate::profile::Profile;
    use kyso_crypto::{KeySpec, SoftwareKey};
    use time::macros::datetime;

    #[test]
    fn builds_entries_with_and_without_reason() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let t = CertificateTemplate {
            profile: Profile::RootCa,
            subject: SubjectName {
                common_name: "Root".into(),
                ..Default::default()
            }
            .to_name()
            .unwrap(),
            subject_public_key_info: key.public_key_der().to_vec(),
            serial: random_serial(),
            not_before: datetime!(2025-01-01 0:00 UTC),
            not_after: datetime!(2035-01-01 0:00 UTC),
            policy_oids: vec![],
            ocsp_url: None,
            ca_issuers_url: None,
            crl_url: None,
            path_len: None,
            email_san: None,
        };
        let root = issue(&t, None, &key).unwrap();
        let revoked = [
            RevokedCertificate {
                serial: vec![0x01, 0x02],
                revocation_date: datetime!(2026-01-02 3:04:05 UTC),
                reason: Some(RevocationReason::KeyCompromise),
            },
            RevokedCertificate {
                serial: vec![0x03],
                revocation_date: datetime!(2026-01-02 3:04:05 UTC),
                reason: Some(RevocationReason::Unspecified),
            },
        ];
        let der = build_crl(
            &root,
            &key,
            42,
            datetime!(2026-01-03 0:00 UTC),
            datetime!(2026-01-10 0:00 UTC),
            &revoked,
        )
        .unwrap();
        let crl = parse_crl(&der).unwrap();
        assert_eq!(crl_number(&crl), Some(42));
        let entries = crl.tbs_cert_list.revoked_certificates.as_ref().unwrap();
        assert_eq!(
            entry_reason(&entries[0]),
            Some(RevocationReason::KeyCompromise)
        );
        assert!(entries[1].crl_entry_extensions.is_none());

        let bad = [RevokedCertificate {
            serial: vec![0x01],
            revocation_date: datetime!(2026-01-02 3:04:05 UTC),
            reason: Some(RevocationReason::RemoveFromCrl),
        }];
        assert!(matches!(
            build_crl(
                &root,
                &key,
                1,
                datetime!(2026-01-03 0:00 UTC),
                datetime!(2026-01-10 0:00 UTC),
                &bad
            ),
            Err(CrlError::RemoveFromCrl)
        ));
        assert!(matches!(
            build_crl(
                &root,
                &key,
                1,
                datetime!(2026-01-03 0:00 UTC),
                datetime!(2026-01-03 0:00 UTC),
                &[]
            ),
            Err(CrlError::BadUpdateTimes)
        ));
        let other = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        assert!(matches!(
            build_crl(
                &root,
                &other,
                1,
                datetime!(2026-01-03 0:00 UTC),
                datetime!(2026-01-10 0:00 UTC),
                &[]
            ),
            Err(CrlError::KeyMismatch(_))
        ));
        assert!(matches!(parse_crl(b"  "), Err(CrlError::Empty)));
        assert!(matches!(parse_crl(b"garbage"), Err(CrlError::Malformed(_))));
    }
}
