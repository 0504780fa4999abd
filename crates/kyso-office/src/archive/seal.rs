//! The seal of backups: a software key of the system kept like an
//! agency's file seal key (encrypted PKCS#8 in `keys/backup-seal.p8`,
//! under the server's key password) with a certificate from the system's
//! issuing CA (profile organization seal, common name [`SEAL_NAME`]),
//! made on the first backup. A manifest's signature is a detached CMS
//! SignedData (CAdES-B-T: signing-certificate-v2, signing-time, and a
//! signature time-stamp from kyso's TSA), which `openssl cms -verify
//! -binary -content manifest.json` also checks.

use std::path::Path;

use der::{Decode, Encode};
use kyso_ca::Ca;
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_pki::path::{validate_path, RevocationEvidence, RevocationPolicy, ValidationOptions};
use kyso_pki::trust::TrustStore;
use time::OffsetDateTime;
use x509_cert::Certificate;

use super::BackupError;

/// Common name of the backup seal certificate.
pub const SEAL_NAME: &str = "kyso backup seal";
const KEY_FILE: &str = "backup-seal.p8";
const CERT_FILE: &str = "backup-seal.crt";

/// A certificate is renewed when it ends within this many days.
const RENEW_DAYS: i64 = 30;

fn seal_err(e: impl std::fmt::Display) -> BackupError {
    BackupError::Seal(e.to_string())
}

/// The loaded backup seal.
pub struct BackupSeal {
    key: SoftwareKey,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

impl BackupSeal {
    /// Loads the seal from `data_dir/keys/`, creating the key and (re)issuing
    /// its certificate when missing or about to end.
    pub async fn load_or_create(
        ca: &Ca,
        data_dir: &Path,
        password: &[u8],
    ) -> Result<BackupSeal, BackupError> {
        let keys = data_dir.join("keys");
        std::fs::create_dir_all(&keys)?;
        let key_path = keys.join(KEY_FILE);
        let key = if key_path.exists() {
            let der = kyso_crypto::decrypt_pkcs8(&std::fs::read(&key_path)?, password)
                .map_err(seal_err)?;
            SoftwareKey::from_pkcs8_der(&der, None).map_err(seal_err)?
        } else {
            let k = SoftwareKey::generate(KeySpec::EcP256).map_err(seal_err)?;
            let enc = kyso_crypto::encrypt_pkcs8(k.pkcs8_der(), password).map_err(seal_err)?;
            crate::keys::write_private(&key_path, &enc)?;
            k
        };
        let cert_path = keys.join(CERT_FILE);
        let current = match std::fs::read(&cert_path) {
            Ok(der) => {
                let c = Certificate::from_der(&der).map_err(seal_err)?;
                let ends = c
                    .tbs_certificate
                    .validity
                    .not_after
                    .to_unix_duration()
                    .as_secs() as i64;
                let spki = c
                    .tbs_certificate
                    .subject_public_key_info
                    .to_der()
                    .map_err(seal_err)?;
                let fresh = ends > OffsetDateTime::now_utc().unix_timestamp() + RENEW_DAYS * 86400;
                (fresh && spki == key.public_key_der()).then_some(c)
            }
            Err(_) => None,
        };
        let certificate = match current {
            Some(c) => c,
            None => {
                let issued = ca
                    .issue_for_public_key(
                        &kyso_pki::name::SubjectName {
                            organization: Some(ca.config().organization.clone()),
                            common_name: SEAL_NAME.into(),
                            ..Default::default()
                        },
                        key.public_key_der(),
                        &kyso_ca::IssueOptions {
                            profile: kyso_pki::profile::Profile::OrganizationSeal,
                            days: None,
                            subject: None,
                            email: None,
                        },
                    )
                    .await
                    .map_err(seal_err)?;
                std::fs::write(&cert_path, &issued.der)?;
                Certificate::from_der(&issued.der).map_err(seal_err)?
            }
        };
        let chain = [ca.issuing_der(), ca.root_der()]
            .iter()
            .map(|d| Certificate::from_der(d).map_err(seal_err))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BackupSeal {
            key,
            certificate,
            chain,
        })
    }

    /// The detached CMS signature (DER) of `manifest`, time-stamped by
    /// `ca`'s TSA.
    pub async fn sign(&self, ca: &Ca, manifest: &[u8]) -> Result<Vec<u8>, BackupError> {
        let prepared = kyso_sign::prepare_detached_reader(
            &mut &manifest[..],
            &self.certificate,
            self.key.algorithm(),
            None,
        )
        .map_err(seal_err)?;
        let signature = self.key.sign(prepared.to_be_signed()).map_err(seal_err)?;
        let query = kyso_sign::signature_timestamp_request(&signature).map_err(seal_err)?;
        let response = ca.tsa().respond(&query.request_der).await;
        let token = kyso_sign::token_from_response(&response, &query).map_err(seal_err)?;
        kyso_sign::finalize_detached(prepared, &signature, &self.chain, Some(token))
            .map_err(seal_err)
    }
}

/// What a verified manifest signature says.
#[derive(Clone, Debug)]
pub struct SealCheck {
    /// The signer's subject.
    pub signer: String,
    /// The time the TSA attests.
    pub time: OffsetDateTime,
}

/// Verifies the detached signature `p7s` of `manifest`: the CMS signature
/// by a backup seal certificate ([`SEAL_NAME`]) that chains to `trust`, and
/// its signature time-stamp by a TSA that chains to `trust`; both paths
/// are checked at the time-stamp's time (revocation is not asked: a backup
/// is checked offline).
pub fn verify_seal(
    p7s: &[u8],
    manifest: &[u8],
    trust: &TrustStore,
) -> Result<SealCheck, BackupError> {
    let v = kyso_pki::cms_verify::verify_signed_data(
        p7s,
        Some(&|alg| Ok(kyso_crypto::digest(alg, manifest))),
    )
    .map_err(seal_err)?;
    if !v.refused.is_empty() {
        return Err(seal_err(format!("refused algorithms: {:?}", v.refused)));
    }
    if kyso_pki::name::common_name(&v.signer.tbs_certificate.subject).as_deref() != Some(SEAL_NAME)
    {
        return Err(seal_err(format!(
            "signed by {}, not by a backup seal",
            v.signer.tbs_certificate.subject
        )));
    }
    let token = v
        .timestamp_token
        .as_deref()
        .ok_or_else(|| seal_err("the signature has no time-stamp"))?;
    let ts = kyso_pki::cms_verify::verify_time_stamp_token(token, &|alg| {
        Ok(kyso_crypto::digest(alg, &v.signature_value))
    })
    .map_err(seal_err)?;
    let mut options = ValidationOptions::at(ts.gen_time);
    options.revocation = RevocationPolicy::Skip;
    let evidence = RevocationEvidence::default();
    validate_path(&v.signer, &v.certificates, trust, &evidence, &options)
        .map_err(|e| seal_err(format!("the backup seal certificate: {e}")))?;
    let mut pool = ts.cms.certificates.clone();
    pool.extend(v.certificates.iter().cloned());
    validate_path(&ts.cms.signer, &pool, trust, &evidence, &options)
        .map_err(|e| seal_err(format!("the time-stamp's TSA certificate: {e}")))?;
    Ok(SealCheck {
        signer: v.signer.tbs_certificate.subject.to_string(),
        time: ts.gen_time,
    })
}
