//! Issuing subscriber certificates: from a PKCS#10 request, with a key
//! kyso generates (delivered as an encrypted PKCS#12), and renewals.
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_pki::certificate::{
    fingerprint_sha256, issue, parse_certificate, random_serial, serial_hex, to_der, to_pem,
    CertificateTemplate,
};
use kyso_pki::csr::parse_csr;
use kyso_pki::name::{display_name, SubjectName};
use kyso_pki::profile::Profile;
use kyso_store::{NewCertificate, Store, StoreError};
use time::{Duration, OffsetDateTime};
use x509_cert::Certificate;

use crate::authority::ISSUING;
use crate::{Ca, CaError};

/// Most a renewal may add to a certificate's validity (Decree 68/2024).
pub const MAX_RENEWAL_DAYS: i64 = 3 * 365 + 1;

/// A certificate the CA has just issued and registered.
#[derive(Clone, Debug)]
pub struct IssuedCertificate {
    pub serial_hex: String,
    pub der: Vec<u8>,
    pub pem: String,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// What a subscriber certificate request asks for.
#[derive(Clone, Debug)]
pub struct IssueOptions {
    pub profile: Profile,
    /// Validity in days; `None` takes the configured default.
    pub days: Option<u32>,
    /// Replace the subject of the CSR (the CA decides the name).
    pub subject: Option<SubjectName>,
    pub email: Option<String>,
}

impl Ca {
    /// Issue from a PKCS#10 request (DER or PEM). The request's signature,
    /// key strength and name are checked first; nothing is stored when a
    /// check fails.
    pub async fn issue_from_csr(
        &self,
        csr: &[u8],
        opts: &IssueOptions,
    ) -> Result<IssuedCertificate, CaError> {
        let req = parse_csr(csr)?;
        let subject = match &opts.subject {
            Some(s) => s.to_name()?,
            None => req.subject.clone(),
        };
        let email = opts
            .email
            .clone()
            .or(req.requested_email.clone())
            .or_else(|| SubjectName::from_name(&subject).ok().and_then(|s| s.email));
        self.issue_subscriber(
            subject,
            req.subject_public_key_info.clone(),
            opts,
            email,
            None,
        )
        .await
    }

    /// Generate a key for the subscriber, issue its certificate and return
    /// both as a PKCS#12 encrypted under `p12_password`.
    pub async fn issue_with_new_key(
        &self,
        subject: &SubjectName,
        key: KeySpec,
        opts: &IssueOptions,
        p12_password: &str,
    ) -> Result<(IssuedCertificate, Vec<u8>), CaError> {
        let key = SoftwareKey::generate(key)?;
        let issued = self
            .issue_subscriber(
                subject.to_name()?,
                key.public_key_der().to_vec(),
                opts,
                subject.email.clone(),
                None,
            )
            .await?;
        let chain = vec![
            issued.der.clone(),
            self.issuing.der.clone(),
            self.root.der.clone(),
        ];
        let p12 = crate::pkcs12::write_pkcs12(
            key.pkcs8_der(),
            &chain,
            &subject.common_name,
            p12_password,
        )?;
        Ok((issued, p12))
    }

    /// Renew: a new certificate for the same subject and key whose validity
    /// ends `add_days` (≤ 3 years) after the old one's end. The old
    /// certificate must be valid and not revoked.
    pub async fn renew(&self, serial: &str, add_days: u32) -> Result<IssuedCertificate, CaError> {
        let serial = normalize_serial(serial);
        if add_days == 0 || i64::from(add_days) > MAX_RENEWAL_DAYS {
            return Err(CaError::Policy(format!(
                "a renewal adds 1..={MAX_RENEWAL_DAYS} days (at most 3 years, Decree 68/2024), not {add_days}"
            )));
        }
        let rec = self
            .store
            .certificate(&serial)
            .await?
            .ok_or_else(|| CaError::UnknownSerial(serial.clone()))?;
        let not_renewable = |why: &str| CaError::NotRenewable {
            serial: serial.clone(),
            why: why.to_string(),
        };
        if rec.status != kyso_store::CertificateStatus::Valid {
            return Err(not_renewable("it is revoked"));
        }
        let old = parse_certificate(&rec.der)?;
        let profile: Profile = rec
            .profile
            .parse()
            .map_err(|_| not_renewable("unknown profile"))?;
        if !profile.is_subscriber() {
            return Err(not_renewable(
                "only subscriber certificates are renewed this way",
            ));
        }
        let now = OffsetDateTime::now_utc();
        let old_end = kyso_pki::time::from_x509_time(&old.tbs_certificate.validity.not_after);
        if old_end <= now {
            return Err(not_renewable("it has expired; request a new certificate"));
        }
        let new_end = old_end + Duration::days(i64::from(add_days));
        let spki = der::Encode::to_der(&old.tbs_certificate.subject_public_key_info)
            .map_err(|e| CaError::Policy(e.to_string()))?;
        let email = SubjectName::from_name(&old.tbs_certificate.subject)
            .ok()
            .and_then(|s| s.email);
        let not_before = now - Duration::minutes(1);
        if new_end - not_before > Duration::days(profile.max_validity_days()) {
            return Err(not_renewable(
                "the renewed certificate would last more than 5 years from today; renew closer to the end date",
            ));
        }
        let opts = IssueOptions {
            profile,
            days: None,
            subject: None,
            email: None,
        };
        self.issue_subscriber_until(
            old.tbs_certificate.subject.clone(),
            spki,
            &opts,
            email,
            Some(serial),
            now,
            new_end,
        )
        .await
    }

    async fn issue_subscriber(
        &self,
        subject: x509_cert::name::Name,
        spki: Vec<u8>,
        opts: &IssueOptions,
        email: Option<String>,
        renewed_from: Option<String>,
    ) -> Result<IssuedCertificate, CaError> {
        if !opts.profile.is_subscriber() {
            return Err(CaError::Policy(format!(
                "profile '{}' is not issued on request; use personal or organization",
                opts.profile
            )));
        }
        let days = opts.days.unwrap_or(self.config.subscriber_validity_days);
        if days == 0 || i64::from(days) > opts.profile.max_validity_days() {
            return Err(CaError::Policy(format!(
                "validity of {days} days is outside 1..={} for a {} certificate (at most 5 years, Decree 68/2024)",
                opts.profile.max_validity_days(),
                opts.profile
            )));
        }
        // Back-dated a minute for slow clocks; the validity counts from there.
        let not_before = OffsetDateTime::now_utc() - Duration::minutes(1);
        let not_after = not_before + Duration::days(i64::from(days));
        self.issue_subscriber_until(
            subject,
            spki,
            opts,
            email,
            renewed_from,
            not_before,
            not_after,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn issue_subscriber_until(
        &self,
        subject: x509_cert::name::Name,
        spki: Vec<u8>,
        opts: &IssueOptions,
        email: Option<String>,
        renewed_from: Option<String>,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<IssuedCertificate, CaError> {
        let issuing_end = kyso_pki::time::from_x509_time(
            &self.issuing.certificate.tbs_certificate.validity.not_after,
        );
        if not_after > issuing_end {
            return Err(CaError::Policy(format!(
                "the certificate would outlive the issuing CA (which ends {})",
                kyso_pki::time::iso8601_vn(issuing_end)
            )));
        }
        // A random serial collides with probability 2^-64 or less; the
        // registry's unique key turns a collision into a retry.
        for _ in 0..3 {
            let cert = issue(
                &CertificateTemplate {
                    profile: opts.profile,
                    subject: subject.clone(),
                    subject_public_key_info: spki.clone(),
                    serial: random_serial(),
                    not_before,
                    not_after,
                    policy_oids: self.policy_oids()?,
                    ocsp_url: Some(self.config.ocsp_url()),
                    ca_issuers_url: Some(self.config.ca_cert_url("issuing")),
                    crl_url: Some(self.config.crl_url("issuing")),
                    path_len: None,
                    email_san: email.clone(),
                },
                Some(&self.issuing.certificate),
                self.issuing.signer.as_ref(),
            )?;
            match register(
                &self.store,
                &cert,
                ISSUING,
                opts.profile,
                renewed_from.clone(),
            )
            .await
            {
                Ok(issued) => return Ok(issued),
                Err(CaError::Store(StoreError::DuplicateSerial)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(CaError::Policy(
            "could not find a free serial number".into(),
        ))
    }
}

/// Put an issued certificate into the registry.
pub(crate) async fn register(
    store: &Store,
    cert: &Certificate,
    issuer_id: &str,
    profile: Profile,
    renewed_from: Option<String>,
) -> Result<IssuedCertificate, CaError> {
    let der = to_der(cert);
    let subject = display_name(&cert.tbs_certificate.subject);
    let email = SubjectName::from_name(&cert.tbs_certificate.subject)
        .ok()
        .and_then(|s| s.email);
    let not_before = kyso_pki::time::from_x509_time(&cert.tbs_certificate.validity.not_before);
    let not_after = kyso_pki::time::from_x509_time(&cert.tbs_certificate.validity.not_after);
    let serial_hex = serial_hex(cert);
    store
        .insert_certificate(&NewCertificate {
            serial_hex: serial_hex.clone(),
            issuer_id: issuer_id.to_string(),
            profile: profile.to_string(),
            subject: subject.clone(),
            subject_email: email,
            not_before,
            not_after,
            der: der.clone(),
            fingerprint_sha256: fingerprint_sha256(&der),
            renewed_from,
        })
        .await?;
    Ok(IssuedCertificate {
        serial_hex,
        pem: to_pem(cert),
        der,
        subject,
        not_before,
        not_after,
    })
}

/// Serials are shown and stored as lowercase hex without separators;
/// accept `AA:BB`, `0xAABB` and upper case from users.
pub fn normalize_serial(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    s.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_ascii_lowercase()
}
