//! Revocation and CRL publication.
use kyso_pki::crl::{build_crl, RevokedCertificate};
use kyso_pki::RevocationReason;
use kyso_store::{CertificateRecord, CrlRecord, StoreError};
use time::{Duration, OffsetDateTime};

use crate::authority::{ISSUING, ROOT};
use crate::issuance::normalize_serial;
use crate::{Ca, CaError};

impl Ca {
    /// Revoke a certificate with an RFC 5280 reason. The registry change,
    /// the OCSP cache invalidation (in every replica) and a fresh CRL of
    /// the issuer follow at once.
    pub async fn revoke(
        &self,
        serial: &str,
        reason: Option<RevocationReason>,
    ) -> Result<CertificateRecord, CaError> {
        let serial = normalize_serial(serial);
        if reason == Some(RevocationReason::RemoveFromCrl) {
            return Err(CaError::Policy(
                "removeFromCRL is only for delta CRLs; it is not a reason to revoke".into(),
            ));
        }
        let rec = match self
            .store
            .revoke(
                &serial,
                reason.map(|r| i16::from(r.code())),
                OffsetDateTime::now_utc(),
            )
            .await
        {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(CaError::UnknownSerial(serial)),
            Err(StoreError::AlreadyRevoked) => return Err(CaError::AlreadyRevoked(serial)),
            Err(e) => return Err(e.into()),
        };
        self.ocsp.invalidate();
        let issuer = if rec.issuer_id == ROOT { ROOT } else { ISSUING };
        self.publish_crl(issuer).await?;
        Ok(rec)
    }

    /// Sign and store a new CRL for `issuer` (`root` or `issuing`).
    pub async fn publish_crl(&self, issuer: &str) -> Result<Vec<u8>, CaError> {
        let authority = match issuer {
            ROOT => &self.root,
            ISSUING => &self.issuing,
            other => {
                return Err(CaError::Config(format!(
                    "no CA named '{other}'; use root or issuing"
                )))
            }
        };
        let revoked = self
            .store
            .revoked_by_issuer(issuer)
            .await?
            .into_iter()
            .map(|r| {
                Ok(RevokedCertificate {
                    serial: hex::decode(&r.serial_hex)
                        .map_err(|e| CaError::Config(e.to_string()))?,
                    revocation_date: r.revoked_at,
                    reason: r
                        .reason
                        .and_then(|c| u8::try_from(c).ok())
                        .and_then(RevocationReason::from_code),
                })
            })
            .collect::<Result<Vec<_>, CaError>>()?;
        let number = self.store.next_crl_number(issuer).await?;
        let this_update = OffsetDateTime::now_utc();
        let next_update = this_update + Duration::hours(i64::from(self.config.crl_validity_hours));
        let der = build_crl(
            &authority.certificate,
            authority.signer.as_ref(),
            number as u64,
            this_update,
            next_update,
            &revoked,
        )?;
        self.store
            .insert_crl(&CrlRecord {
                issuer_id: issuer.to_string(),
                crl_number: number,
                this_update,
                next_update,
                der: der.clone(),
            })
            .await?;
        Ok(der)
    }

    /// The current CRL of `issuer`: the stored one while it is in its first
    /// half of validity, else a new one — so a CRL is always replaced well
    /// before its nextUpdate.
    pub async fn current_crl(&self, issuer: &str) -> Result<Vec<u8>, CaError> {
        if let Some(c) = self.store.latest_crl(issuer).await? {
            let half = (c.next_update - c.this_update) / 2;
            if OffsetDateTime::now_utc() < c.this_update + half {
                return Ok(c.der);
            }
        }
        self.publish_crl(issuer).await
    }
}
