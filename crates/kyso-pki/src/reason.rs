//! CRLReason (RFC 5280 §5.3.1), shared by CRLs and OCSP.
use std::fmt;
use std::str::FromStr;

/// RFC 5280 reason codes (value 7 is unused by the RFC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RevocationReason {
    Unspecified = 0,
    KeyCompromise = 1,
    CaCompromise = 2,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    CertificateHold = 6,
    RemoveFromCrl = 8,
    PrivilegeWithdrawn = 9,
    AaCompromise = 10,
}

const ALL: [(RevocationReason, &str); 10] = [
    (RevocationReason::Unspecified, "unspecified"),
    (RevocationReason::KeyCompromise, "keyCompromise"),
    (RevocationReason::CaCompromise, "cACompromise"),
    (RevocationReason::AffiliationChanged, "affiliationChanged"),
    (RevocationReason::Superseded, "superseded"),
    (
        RevocationReason::CessationOfOperation,
        "cessationOfOperation",
    ),
    (RevocationReason::CertificateHold, "certificateHold"),
    (RevocationReason::RemoveFromCrl, "removeFromCRL"),
    (RevocationReason::PrivilegeWithdrawn, "privilegeWithdrawn"),
    (RevocationReason::AaCompromise, "aACompromise"),
];

impl RevocationReason {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Self> {
        ALL.iter().map(|(r, _)| *r).find(|r| r.code() == code)
    }

    /// The RFC 5280 name, e.g. `keyCompromise`.
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(r, _)| *r == self)
            .map(|(_, n)| *n)
            .unwrap_or("unspecified")
    }

    /// Vietnamese wording for reports.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Self::Unspecified => "không nêu lý do",
            Self::KeyCompromise => "lộ khóa bí mật",
            Self::CaCompromise => "lộ khóa của CA",
            Self::AffiliationChanged => "thay đổi cơ quan, đơn vị",
            Self::Superseded => "đã được thay thế",
            Self::CessationOfOperation => "ngừng hoạt động",
            Self::CertificateHold => "tạm dừng",
            Self::RemoveFromCrl => "gỡ khỏi CRL",
            Self::PrivilegeWithdrawn => "rút quyền",
            Self::AaCompromise => "lộ khóa của AA",
        }
    }

    pub fn all() -> impl Iterator<Item = RevocationReason> {
        ALL.iter().map(|(r, _)| *r)
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Accepts the RFC name in any case, with or without dashes
/// (`keyCompromise`, `key-compromise`), or the numeric code.
impl FromStr for RevocationReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(n) = s.parse::<u8>() {
            return Self::from_code(n).ok_or_else(|| format!("no revocation reason has code {n}"));
        }
        let key: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        ALL.iter()
            .find(|(_, n)| n.to_ascii_lowercase() == key)
            .map(|(r, _)| *r)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL.iter().map(|(_, n)| *n).collect();
                format!(
                    "unknown revocation reason '{s}'; use one of: {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for r in RevocationReason::all() {
            assert_eq!(r.name().parse::<RevocationReason>().unwrap(), r);
            assert_eq!(RevocationReason::from_code(r.code()), Some(r));
        }
        assert_eq!(
            "key-compromise".parse::<RevocationReason>().unwrap(),
            RevocationReason::KeyCompromise
        );
        assert!(RevocationReason::from_code(7).is_none());
        assert!("stolen".parse::<RevocationReason>().is_err());
    }
}
