//! The certification authority: initialisation and loading.
use std::sync::Arc;

use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_pki::certificate::{issue, random_serial, CertificateTemplate};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_store::Store;
use time::{Duration, OffsetDateTime};

use crate::authority::{self, Authority};
use crate::ocsp_responder::OcspResponder;
use crate::tsa::TimeStampAuthority;
use crate::{CaConfig, CaError};

/// Key types and names for `kyso ca init`.
#[derive(Clone, Debug)]
pub struct InitOptions {
    pub root_key: KeySpec,
    pub issuing_key: KeySpec,
    pub tsa_key: KeySpec,
    pub ocsp_key: KeySpec,
    pub root_years: i64,
    pub issuing_years: i64,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            root_key: KeySpec::Rsa4096,
            issuing_key: KeySpec::Rsa3072,
            tsa_key: KeySpec::Rsa2048,
            ocsp_key: KeySpec::EcP256,
            root_years: 20,
            issuing_years: 10,
        }
    }
}

/// A loaded, ready CA with its TSA and OCSP responder.
pub struct Ca {
    pub(crate) store: Store,
    pub(crate) config: CaConfig,
    pub(crate) root: Arc<Authority>,
    pub(crate) issuing: Arc<Authority>,
    pub(crate) tsa: TimeStampAuthority,
    pub(crate) ocsp: OcspResponder,
}

impl Ca {
    /// Create root, issuing CA, TSA and OCSP responder, store them with
    /// keys encrypted under `password`, publish the first CRLs and make
    /// the root a trust anchor.
    pub async fn init(
        store: Store,
        config: CaConfig,
        password: &[u8],
        opts: &InitOptions,
    ) -> Result<Ca, CaError> {
        config.validate()?;
        if store.authority(authority::ROOT).await?.is_some() {
            return Err(CaError::AlreadyInitialised);
        }
        let now = OffsetDateTime::now_utc();
        let not_before = now - Duration::minutes(5);
        let org = config.organization.clone();
        let ca_name = |cn: String| SubjectName {
            country: "VN".into(),
            state: Some(config.province.clone()),
            organization: Some(org.clone()),
            common_name: cn,
            ..Default::default()
        };

        // Root (self-signed)
        let root_key = SoftwareKey::generate(opts.root_key)?;
        let root_cert = issue(
            &CertificateTemplate {
                profile: Profile::RootCa,
                subject: ca_name(format!("{org} Root CA")).to_name()?,
                subject_public_key_info: root_key.public_key_der().to_vec(),
                serial: random_serial(),
                not_before,
                not_after: now + Duration::days(365 * opts.root_years),
                policy_oids: vec![],
                ocsp_url: None,
                ca_issuers_url: None,
                crl_url: None,
                path_len: None,
                email_san: None,
            },
            None,
            &root_key,
        )?;
        let root = Authority::new(authority::ROOT, root_cert, root_key.clone_key()?)?;
        root.save(&store, &root_key, password).await?;

        // Issuing CA, signed by the root; its revocation is answered by
        // the root's CRL and by OCSP responses the root key signs.
        let issuing_key = SoftwareKey::generate(opts.issuing_key)?;
        let issuing_cert = issue(
            &CertificateTemplate {
                profile: Profile::IssuingCa,
                subject: ca_name(format!("{org} Issuing CA")).to_name()?,
                subject_public_key_info: issuing_key.public_key_der().to_vec(),
                serial: random_serial(),
                not_before,
                not_after: now + Duration::days(365 * opts.issuing_years),
                policy_oids: vec![],
                ocsp_url: Some(config.ocsp_url()),
                ca_issuers_url: Some(config.ca_cert_url("root")),
                crl_url: Some(config.crl_url("root")),
                path_len: Some(0),
                email_san: None,
            },
            Some(&root.certificate),
            root.signer.as_ref(),
        )?;
        let issuing = Authority::new(authority::ISSUING, issuing_cert, issuing_key.clone_key()?)?;
        issuing.save(&store, &issuing_key, password).await?;
        crate::issuance::register(
            &store,
            &issuing.certificate,
            authority::ROOT,
            Profile::IssuingCa,
            None,
        )
        .await?;

        let root = Arc::new(root);
        let issuing = Arc::new(issuing);
        let mut ca = Ca {
            tsa: TimeStampAuthority::placeholder(),
            ocsp: OcspResponder::placeholder(),
            store,
            config,
            root,
            issuing,
        };
        // TSA and OCSP responder certificates from the issuing CA.
        let tsa = ca
            .new_service_authority(authority::TSA, Profile::Tsa, opts.tsa_key, password)
            .await?;
        let ocsp = ca
            .new_service_authority(
                authority::OCSP,
                Profile::OcspResponder,
                opts.ocsp_key,
                password,
            )
            .await?;
        ca.finish(tsa, ocsp).await?;

        crate::trust::import_anchor(&ca.store, &ca.root.der, "kyso built-in root", true).await?;
        ca.publish_crl(authority::ROOT).await?;
        ca.publish_crl(authority::ISSUING).await?;
        Ok(ca)
    }

    /// Load an initialised CA. Renews the OCSP responder certificate when
    /// it has less than 30 days left.
    pub async fn open(store: Store, config: CaConfig, password: &[u8]) -> Result<Ca, CaError> {
        config.validate()?;
        let root = Arc::new(Authority::load(&store, authority::ROOT, password).await?);
        let issuing = Arc::new(Authority::load(&store, authority::ISSUING, password).await?);
        let tsa = Authority::load(&store, authority::TSA, password).await?;
        let ocsp = Authority::load(&store, authority::OCSP, password).await?;
        let mut ca = Ca {
            tsa: TimeStampAuthority::placeholder(),
            ocsp: OcspResponder::placeholder(),
            store,
            config,
            root,
            issuing,
        };
        let ocsp_left =
            kyso_pki::time::from_x509_time(&ocsp.certificate.tbs_certificate.validity.not_after)
                - OffsetDateTime::now_utc();
        let ocsp = if ocsp_left < Duration::days(30) {
            let spec = KeySpec::EcP256;
            ca.new_service_authority(authority::OCSP, Profile::OcspResponder, spec, password)
                .await?
        } else {
            ocsp
        };
        ca.finish(tsa, ocsp).await?;
        Ok(ca)
    }

    async fn finish(&mut self, tsa: Authority, ocsp: Authority) -> Result<(), CaError> {
        self.tsa = TimeStampAuthority::new(
            &self.store,
            &self.config,
            tsa,
            vec![self.issuing.certificate.clone()],
        )?;
        self.ocsp = OcspResponder::new(
            &self.store,
            &self.config,
            self.root.clone(),
            self.issuing.clone(),
            Arc::new(ocsp),
        );
        Ok(())
    }

    /// Issue and store a TSA or OCSP-responder certificate and key.
    async fn new_service_authority(
        &self,
        id: &'static str,
        profile: Profile,
        spec: KeySpec,
        password: &[u8],
    ) -> Result<Authority, CaError> {
        let key = authority::for_role(id, SoftwareKey::generate(spec)?)?;
        let now = OffsetDateTime::now_utc();
        let issuing_end = kyso_pki::time::from_x509_time(
            &self.issuing.certificate.tbs_certificate.validity.not_after,
        );
        let not_before = now - Duration::minutes(5);
        let wanted = not_before + Duration::days(profile.max_validity_days());
        let cn = match profile {
            Profile::Tsa => format!("{} Time-Stamping Authority", self.config.organization),
            _ => format!("{} OCSP Responder", self.config.organization),
        };
        let subject = SubjectName {
            country: "VN".into(),
            state: Some(self.config.province.clone()),
            organization: Some(self.config.organization.clone()),
            common_name: cn,
            ..Default::default()
        };
        let cert = issue(
            &CertificateTemplate {
                profile,
                subject: subject.to_name()?,
                subject_public_key_info: key.public_key_der().to_vec(),
                serial: random_serial(),
                not_before,
                not_after: wanted.min(issuing_end),
                policy_oids: self.policy_oids()?,
                ocsp_url: (profile != Profile::OcspResponder).then(|| self.config.ocsp_url()),
                ca_issuers_url: Some(self.config.ca_cert_url("issuing")),
                crl_url: Some(self.config.crl_url("issuing")),
                path_len: None,
                email_san: None,
            },
            Some(&self.issuing.certificate),
            self.issuing.signer.as_ref(),
        )?;
        crate::issuance::register(&self.store, &cert, authority::ISSUING, profile, None).await?;
        let a = Authority::new(id, cert, key.clone_key()?)?;
        a.save(&self.store, &key, password).await?;
        Ok(a)
    }

    pub(crate) fn policy_oids(&self) -> Result<Vec<der::asn1::ObjectIdentifier>, CaError> {
        self.config
            .certificate_policies
            .iter()
            .map(|s| crate::config::parse_oid(s))
            .collect()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
    pub fn config(&self) -> &CaConfig {
        &self.config
    }
    /// DER of the root certificate.
    pub fn root_der(&self) -> &[u8] {
        &self.root.der
    }
    /// DER of the issuing CA certificate.
    pub fn issuing_der(&self) -> &[u8] {
        &self.issuing.der
    }
    pub fn tsa(&self) -> &TimeStampAuthority {
        &self.tsa
    }
    pub fn ocsp(&self) -> &OcspResponder {
        &self.ocsp
    }
}
