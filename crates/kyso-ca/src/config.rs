//! The CA's configuration, kept as `kyso.toml` in the data directory.
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::CaError;

/// Settings of the built-in CA, TSA and OCSP responder.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CaConfig {
    /// Base URL under which `kyso serve` is reached; written into AIA and
    /// CDP of every certificate issued (e.g. `http://127.0.0.1:8080`).
    pub base_url: String,
    /// Certificate policy OIDs placed in subscriber certificates.
    pub certificate_policies: Vec<String>,
    /// The TSA's default policy OID.
    pub tsa_policy: String,
    /// Further TSA policies a client may ask for.
    pub tsa_accepted_policies: Vec<String>,
    /// Accuracy the TSA claims, in milliseconds (RFC 3161 `accuracy`).
    pub tsa_accuracy_ms: u32,
    /// Hours between a CRL's thisUpdate and nextUpdate.
    pub crl_validity_hours: u32,
    /// Minutes a pre-produced OCSP answer (no nonce) is valid and cached.
    pub ocsp_validity_minutes: u32,
    /// Default validity of subscriber certificates, in days (≤ 1826).
    pub subscriber_validity_days: u32,
    /// Organization name of the built-in CA.
    pub organization: String,
    /// Province (ST) of the built-in CA.
    pub province: String,
    /// Where the certificate desk sends its e-mail notices, e.g.
    /// `smtp://relay.ninhbinh.gov.vn:25` or `smtps://user:pass@host`
    /// (lettre's URL form). Unset: notices stay pending, reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// The sender of those notices (default `kyso <noreply@localhost>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
}

impl Default for CaConfig {
    fn default() -> Self {
        CaConfig {
            base_url: "http://127.0.0.1:8080".into(),
            certificate_policies: vec![kyso_pki::oids::KYSO_DEFAULT_CERT_POLICY.to_string()],
            tsa_policy: kyso_pki::oids::KYSO_DEFAULT_TSA_POLICY.to_string(),
            tsa_accepted_policies: vec![],
            tsa_accuracy_ms: 1000,
            crl_validity_hours: 24,
            ocsp_validity_minutes: 60,
            subscriber_validity_days: 3 * 365,
            organization: "kyso demo".into(),
            province: "Ninh Bình".into(),
            smtp_url: None,
            smtp_from: None,
        }
    }
}

impl CaConfig {
    pub fn load(path: &Path) -> Result<Self, CaError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CaError::Config(format!("cannot read {}: {e}", path.display())))?;
        let cfg: CaConfig = toml::from_str(&text)
            .map_err(|e| CaError::Config(format!("{}: {e}", path.display())))?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn save(&self, path: &Path) -> Result<(), CaError> {
        let text = toml::to_string_pretty(self).map_err(|e| CaError::Config(e.to_string()))?;
        std::fs::write(path, text)
            .map_err(|e| CaError::Config(format!("cannot write {}: {e}", path.display())))
    }

    pub fn validate(&self) -> Result<(), CaError> {
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(CaError::Config(format!(
                "base_url must start with http:// or https://, got '{}'",
                self.base_url
            )));
        }
        for p in self
            .certificate_policies
            .iter()
            .chain(std::iter::once(&self.tsa_policy))
            .chain(&self.tsa_accepted_policies)
        {
            parse_oid(p)?;
        }
        if self.subscriber_validity_days == 0 || self.subscriber_validity_days > 1826 {
            return Err(CaError::Config(
                "subscriber_validity_days must be 1..=1826 (at most 5 years, Decree 68/2024)"
                    .into(),
            ));
        }
        if self.crl_validity_hours == 0 || self.ocsp_validity_minutes == 0 {
            return Err(CaError::Config("validity periods must be positive".into()));
        }
        Ok(())
    }

    /// URL of the OCSP responder.
    pub fn ocsp_url(&self) -> String {
        format!("{}/ocsp", self.base_url.trim_end_matches('/'))
    }
    /// URL of the TSA.
    pub fn tsa_url(&self) -> String {
        format!("{}/tsa", self.base_url.trim_end_matches('/'))
    }
    /// URL of a CA certificate (`root` or `issuing`).
    pub fn ca_cert_url(&self, which: &str) -> String {
        format!("{}/pki/{which}.crt", self.base_url.trim_end_matches('/'))
    }
    /// URL of a CA's CRL (`root` or `issuing`).
    pub fn crl_url(&self, which: &str) -> String {
        format!("{}/pki/{which}.crl", self.base_url.trim_end_matches('/'))
    }
}

pub(crate) fn parse_oid(s: &str) -> Result<der::asn1::ObjectIdentifier, CaError> {
    der::asn1::ObjectIdentifier::new(s.trim())
        .map_err(|e| CaError::Config(format!("'{s}' is not an OID: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kyso.toml");
        let c = CaConfig::default();
        c.save(&p).unwrap();
        assert_eq!(CaConfig::load(&p).unwrap(), c);
    }

    #[test]
    fn bad_values_are_refused() {
        let c = CaConfig {
            tsa_policy: "not.an.oid".into(),
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let c = CaConfig {
            subscriber_validity_days: 2000,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let c = CaConfig {
            base_url: "ftp://x".into(),
            ..Default::default()
        };
        assert!(c.validate().is_err());
    }
}
