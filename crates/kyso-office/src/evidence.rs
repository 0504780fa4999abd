//! Verifying documents inside the office (issue before sending, arrival
//! at the recipients): kyso-sign's ETSI EN 319 102-1 validation against
//! the trust store in the database, with revocation evidence answered in
//! process by kyso's own CA — OCSP for certificates of the issuing CA,
//! the root's CRL for the issuing CA itself — the same answers its OCSP
//! responder and CRL endpoints give over HTTP.

use der::Encode;
use kyso_pki::path::RevocationEvidence;
use kyso_sign::validate::{self, ValidationContext, ValidationReport};
use x509_cert::Certificate;

use crate::error::{OfficeError, Result};
use crate::Office;

/// Largest file verified in memory.
const MAX_VERIFY: u64 = 512 * 1024 * 1024;

impl Office {
    /// Evidence for each certificate of `chain` (signer first) that kyso's
    /// CA issued; the others are named as missing.
    pub(crate) fn local_evidence(
        &self,
        chain: &[Certificate],
    ) -> (RevocationEvidence, Vec<String>) {
        let handle = tokio::runtime::Handle::current();
        let mut ev = RevocationEvidence::default();
        let mut missing = Vec::new();
        let issuing = self.ca.issuing_der();
        let root = self.ca.root_der();
        for pair in chain.windows(2) {
            let (cert, issuer) = (&pair[0], &pair[1]);
            let issuer_der = issuer.to_der().unwrap_or_default();
            if issuer_der == issuing {
                match kyso_pki::ocsp::build_ocsp_request(
                    cert,
                    issuer,
                    kyso_crypto::DigestAlgorithm::Sha256,
                    None,
                ) {
                    Ok(req) => ev
                        .ocsp_responses
                        .push(handle.block_on(self.ca.ocsp().respond(&req)).to_vec()),
                    Err(e) => missing.push(format!("OCSP: {e}")),
                }
            } else if issuer_der == root {
                match handle.block_on(self.ca.current_crl("root")) {
                    Ok(crl) => {
                        if !ev.crls.contains(&crl) {
                            ev.crls.push(crl)
                        }
                    }
                    Err(e) => missing.push(format!("CRL: {e}")),
                }
            } else {
                missing.push(format!(
                    "{}: không do CA của hệ thống cấp / not issued by this system's CA",
                    kyso_pki::name::display_name(&cert.tbs_certificate.subject)
                ));
            }
        }
        (ev, missing)
    }

    /// Validates the PDF at `path` now.
    pub async fn verify_pdf_file(&self, path: &std::path::Path) -> Result<ValidationReport> {
        let len = tokio::fs::metadata(path)
            .await
            .map_err(|e| OfficeError::internal("verify", e))?
            .len();
        if len > MAX_VERIFY {
            return Err(crate::upload::too_large(MAX_VERIFY as usize));
        }
        let trust = kyso_ca::trust::load_trust_store(&self.store)
            .await
            .map_err(|e| OfficeError::internal("trust store", e))?;
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| OfficeError::internal("verify", e))?;
        self.with_validation_context(trust, |ctx| {
            validate::validate_pdf(&bytes, ctx).map_err(|e| {
                OfficeError::invalid(
                    "cannot-verify",
                    format!("không kiểm tra được tệp: {e}"),
                    format!("cannot verify the file: {e}"),
                )
            })
        })
    }

    /// Validates a detached CMS/CAdES signature `p7s` (DER or PEM) over
    /// `content` now (a `.p7s` beside its file, as kyso seals a non-PDF
    /// attachment).
    pub async fn verify_detached_bytes(
        &self,
        p7s: &[u8],
        content: &[u8],
    ) -> Result<ValidationReport> {
        let trust = kyso_ca::trust::load_trust_store(&self.store)
            .await
            .map_err(|e| OfficeError::internal("trust store", e))?;
        self.with_validation_context(trust, |ctx| {
            let digest =
                |alg: kyso_crypto::DigestAlgorithm| -> std::result::Result<Vec<u8>, String> {
                    let mut h = kyso_crypto::Hasher::new(alg);
                    h.update(content);
                    Ok(h.finish())
                };
            Ok(validate::validate_detached(
                p7s,
                content.len() as u64,
                &digest,
                ctx,
            ))
        })
    }

    /// Runs `f` with a validation context of this office now: the trust
    /// store `trust`, the CA's chain, revocation answered in process.
    fn with_validation_context<T>(
        &self,
        trust: kyso_pki::trust::TrustStore,
        f: impl FnOnce(&ValidationContext<'_>) -> Result<T>,
    ) -> Result<T> {
        let now = self.now();
        tokio::task::block_in_place(|| {
            let fetch = |chain: &[Certificate]| self.local_evidence(chain);
            let ctx = ValidationContext {
                trust: &trust,
                extra_certificates: self.ca_chain(),
                fetch: Some(&fetch),
                fetch_issuer: None,
                now,
                document_date: None,
            };
            f(&ctx)
        })
    }
}
