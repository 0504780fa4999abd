//! Certificate profiles (DESIGN §8): what each kind of certificate may do
//! and for how long.
use std::fmt;
use std::str::FromStr;

use der::asn1::{Null, ObjectIdentifier, OctetString};
use der::flagset::FlagSet;
use der::Encode;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::ext::Extension;

use crate::oids;

/// The kinds of certificate kyso issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Self-signed trust anchor.
    RootCa,
    /// Subordinate CA that issues subscriber certificates.
    IssuingCa,
    /// A person's signing certificate (token key).
    PersonalSigning,
    /// An organization's seal ("chữ ký số của cơ quan, tổ chức").
    OrganizationSeal,
    /// RFC 3161 time-stamping unit.
    Tsa,
    /// Delegated OCSP responder (RFC 6960 §4.2.2.2).
    OcspResponder,
}

const NAMES: [(Profile, &str); 6] = [
    (Profile::RootCa, "root-ca"),
    (Profile::IssuingCa, "issuing-ca"),
    (Profile::PersonalSigning, "personal"),
    (Profile::OrganizationSeal, "organization"),
    (Profile::Tsa, "tsa"),
    (Profile::OcspResponder, "ocsp"),
];

impl Profile {
    /// Every profile.
    pub fn all() -> impl Iterator<Item = Profile> {
        NAMES.iter().map(|(p, _)| *p)
    }

    /// A certification authority (may sign certificates and CRLs).
    pub fn is_ca(self) -> bool {
        matches!(self, Profile::RootCa | Profile::IssuingCa)
    }

    /// A subscriber certificate, subject to the 5-year limit of
    /// Decree 68/2024 (personal and organization signing).
    pub fn is_subscriber(self) -> bool {
        matches!(self, Profile::PersonalSigning | Profile::OrganizationSeal)
    }

    /// Longest validity allowed, in days: root 25 years, issuing CA 15,
    /// subscriber 5 (1826 days), TSA 10, OCSP responder 1 year.
    pub fn max_validity_days(self) -> i64 {
        match self {
            Profile::RootCa => 9132,
            Profile::IssuingCa => 5479,
            Profile::PersonalSigning | Profile::OrganizationSeal => 1826,
            Profile::Tsa => 3653,
            Profile::OcspResponder => 366,
        }
    }

    /// keyUsage bits (always critical).
    pub fn key_usage(self) -> FlagSet<KeyUsages> {
        match self {
            Profile::RootCa | Profile::IssuingCa => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Profile::PersonalSigning | Profile::OrganizationSeal => {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
            }
            Profile::Tsa | Profile::OcspResponder => KeyUsages::DigitalSignature.into(),
        }
    }

    /// extKeyUsage purposes and whether the extension is critical. CAs
    /// carry none; the TSA's is critical (RFC 3161 §2.3).
    pub fn extended_key_usage(self) -> (&'static [ObjectIdentifier], bool) {
        const SIGNING: [ObjectIdentifier; 2] =
            [oids::KP_EMAIL_PROTECTION, oids::KP_DOCUMENT_SIGNING];
        const TSA: [ObjectIdentifier; 1] = [oids::KP_TIME_STAMPING];
        const OCSP: [ObjectIdentifier; 1] = [oids::KP_OCSP_SIGNING];
        match self {
            Profile::RootCa | Profile::IssuingCa => (&[], false),
            Profile::PersonalSigning | Profile::OrganizationSeal => (&SIGNING, false),
            Profile::Tsa => (&TSA, true),
            Profile::OcspResponder => (&OCSP, false),
        }
    }

    /// The profile's own extensions: basicConstraints (CAs only; omitted
    /// for end entities as RFC 5280 §4.2.1.9 allows), keyUsage,
    /// extKeyUsage and, for the OCSP responder, id-pkix-ocsp-nocheck.
    pub fn extensions(self, path_len: Option<u8>) -> Result<Vec<Extension>, der::Error> {
        let mut exts = Vec::new();
        if self.is_ca() {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            };
            exts.push(extension(oids::CE_BASIC_CONSTRAINTS, true, &bc)?);
        }
        exts.push(extension(
            oids::CE_KEY_USAGE,
            true,
            &KeyUsage(self.key_usage()),
        )?);
        let (eku, critical) = self.extended_key_usage();
        if !eku.is_empty() {
            exts.push(extension(
                oids::CE_EXT_KEY_USAGE,
                critical,
                &ExtendedKeyUsage(eku.to_vec()),
            )?);
        }
        if self == Profile::OcspResponder {
            exts.push(extension(oids::PKIX_OCSP_NOCHECK, false, &Null)?);
        }
        Ok(exts)
    }
}

/// An Extension whose extnValue is the DER of `value`.
pub(crate) fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, der::Error> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = NAMES
            .iter()
            .find(|(p, _)| p == self)
            .map(|(_, n)| *n)
            .unwrap_or("unknown");
        f.write_str(name)
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let key = s.trim().to_ascii_lowercase().replace('_', "-");
        NAMES
            .iter()
            .find(|(_, n)| *n == key)
            .map(|(p, _)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = NAMES.iter().map(|(_, n)| *n).collect();
                format!(
                    "unknown certificate profile '{s}'; use one of: {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    #[test]
    fn names_round_trip() {
        for p in Profile::all() {
            assert_eq!(p.to_string().parse::<Profile>().unwrap(), p);
        }
        assert_eq!(
            "Personal".parse::<Profile>().unwrap(),
            Profile::PersonalSigning
        );
        assert!("server".parse::<Profile>().is_err());
        assert_eq!(Profile::PersonalSigning.max_validity_days(), 1826);
        assert!(Profile::IssuingCa.is_ca() && !Profile::Tsa.is_ca());
        assert!(
            Profile::OrganizationSeal.is_subscriber() && !Profile::OcspResponder.is_subscriber()
        );
    }

    #[test]
    fn tsa_has_critical_time_stamping_only() {
        let exts = Profile::Tsa.extensions(None).unwrap();
        let eku = exts
            .iter()
            .find(|e| e.extn_id == oids::CE_EXT_KEY_USAGE)
            .unwrap();
        assert!(eku.critical);
        let v = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes()).unwrap();
        assert_eq!(v.0, vec![oids::KP_TIME_STAMPING]);
        assert!(!exts.iter().any(|e| e.extn_id == oids::CE_BASIC_CONSTRAINTS));
    }

    #[test]
    fn ca_has_critical_basic_constraints_with_path_len() {
        let exts = Profile::IssuingCa.extensions(Some(0)).unwrap();
        let bc = exts
            .iter()
            .find(|e| e.extn_id == oids::CE_BASIC_CONSTRAINTS)
            .unwrap();
        assert!(bc.critical);
        let v = BasicConstraints::from_der(bc.extn_value.as_bytes()).unwrap();
        assert!(v.ca);
        assert_eq!(v.path_len_constraint, Some(0));
        let ku = exts
            .iter()
            .find(|e| e.extn_id == oids::CE_KEY_USAGE)
            .unwrap();
        assert!(ku.critical);
        let ku = KeyUsage::from_der(ku.extn_value.as_bytes()).unwrap();
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
    }

    #[test]
    fn ocsp_responder_has_nocheck() {
        let exts = Profile::OcspResponder.extensions(None).unwrap();
        let nc = exts
            .iter()
            .find(|e| e.extn_id == oids::PKIX_OCSP_NOCHECK)
            .unwrap();
        assert!(!nc.critical);
        assert_eq!(nc.extn_value.as_bytes(), &[0x05, 0x00]);
    }
}
