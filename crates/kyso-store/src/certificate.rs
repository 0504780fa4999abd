//! The certificate registry: every certificate issued, with its status.
//!
//! Serial numbers and fingerprints are hex strings, stored lower-case (the
//! store lower-cases what it is given), so one serial is one row whatever the
//! caller's case.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;

use crate::entity::certificate;
use crate::error::is_unique_violation;
use crate::timestamp::{from_db, now, to_db};
use crate::{Backend, Store, StoreError};

/// Revocation status of a registered certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    /// Not revoked (it may still be expired: compare `not_after`).
    Valid,
    /// Revoked; see `revoked_at` and `revocation_reason`.
    Revoked,
}

impl CertificateStatus {
    /// The stored text: `valid` or `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
        }
    }

    /// `valid` or `revoked`.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "valid" => Ok(CertificateStatus::Valid),
            "revoked" => Ok(CertificateStatus::Revoked),
            other => Err(StoreError::Corrupt(format!("certificate status {other:?}"))),
        }
    }
}

/// A certificate to register, as just issued (status `valid`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificate {
    /// Serial number, hex (unique in the registry).
    pub serial_hex: String,
    /// Id of the issuing authority (`authority.id`, e.g. "issuing").
    pub issuer_id: String,
    /// Issuance profile name.
    pub profile: String,
    /// Subject distinguished name, as displayed.
    pub subject: String,
    /// Subject e-mail address, if any.
    pub subject_email: Option<String>,
    /// Start of validity (stored to the second).
    pub not_before: OffsetDateTime,
    /// End of validity (stored to the second).
    pub not_after: OffsetDateTime,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of `der`, hex (unique in the registry).
    pub fingerprint_sha256: String,
    /// Serial of the certificate this one renews, if a renewal.
    pub renewed_from: Option<String>,
}

/// A registered certificate: every column of the `certificate` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Serial number, lower-case hex.
    pub serial_hex: String,
    /// Id of the issuing authority.
    pub issuer_id: String,
    /// Issuance profile name.
    pub profile: String,
    /// Subject distinguished name.
    pub subject: String,
    /// Subject e-mail address.
    pub subject_email: Option<String>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of `der`, lower-case hex.
    pub fingerprint_sha256: String,
    /// Valid or revoked.
    pub status: CertificateStatus,
    /// When revoked (None while valid).
    pub revoked_at: Option<OffsetDateTime>,
    /// CRLReason code (RFC 5280 §5.3.1), if one was given.
    pub revocation_reason: Option<i16>,
    /// Serial of the certificate this one renews.
    pub renewed_from: Option<String>,
    /// When it was registered.
    pub created_at: OffsetDateTime,
}

impl TryFrom<certificate::Model> for CertificateRecord {
    type Error = StoreError;

    fn try_from(m: certificate::Model) -> Result<Self, StoreError> {
        Ok(CertificateRecord {
            status: CertificateStatus::parse(&m.status)?,
            not_before: from_db(m.not_before)?,
            not_after: from_db(m.not_after)?,
            revoked_at: m.revoked_at.map(from_db).transpose()?,
            created_at: from_db(m.created_at)?,
            serial_hex: m.serial_hex,
            issuer_id: m.issuer_id,
            profile: m.profile,
            subject: m.subject,
            subject_email: m.subject_email,
            der: m.der,
            fingerprint_sha256: m.fingerprint_sha256,
            revocation_reason: m.revocation_reason,
            renewed_from: m.renewed_from,
        })
    }
}

/// Which certificates [`Store::list_certificates`] returns. `Default` is all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateFilter {
    /// Only those of this issuer.
    pub issuer_id: Option<String>,
    /// Only those with this status.
    pub status: Option<CertificateStatus>,
    /// Only those of this profile.
    pub profile: Option<String>,
    /// Only those whose subject contains this text. Case-insensitive as the
    /// database's `lower()` is: ASCII on SQLite, Unicode on PostgreSQL.
    pub subject_contains: Option<String>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many rows first.
    pub offset: Option<u64>,
}

/// Escapes `%`, `_` and `!` for a LIKE pattern with `ESCAPE '!'` (not a
/// backslash, which the two backends and SeaQuery treat differently).
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Registers a newly issued certificate (status valid).
    ///
    /// Errors: [`StoreError::DuplicateSerial`] when the serial is already
    /// registered, [`StoreError::DuplicateFingerprint`] when the same
    /// certificate is; nothing is written then.
    pub async fn insert_certificate(&self, c: &NewCertificate) -> Result<(), StoreError> {
        let serial = c.serial_hex.to_ascii_lowercase();
        let row = certificate::ActiveModel {
            serial_hex: Set(serial.clone()),
            issuer_id: Set(c.issuer_id.clone()),
            profile: Set(c.profile.clone()),
            subject: Set(c.subject.clone()),
            subject_email: Set(c.subject_email.clone()),
            not_before: Set(to_db(c.not_before)),
            not_after: Set(to_db(c.not_after)),
            der: Set(c.der.clone()),
            fingerprint_sha256: Set(c.fingerprint_sha256.to_ascii_lowercase()),
            status: Set(CertificateStatus::Valid.as_str().to_owned()),
            revoked_at: Set(None),
            revocation_reason: Set(None),
            renewed_from: Set(c.renewed_from.as_deref().map(str::to_ascii_lowercase)),
            created_at: Set(now()),
        };
        match certificate::Entity::insert(row)
            .exec_without_returning(&self.inner.db)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                if self.certificate(&serial).await?.is_some() {
                    Err(StoreError::DuplicateSerial)
                } else {
                    Err(StoreError::DuplicateFingerprint)
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The certificate with this serial, if registered.
    pub async fn certificate(
        &self,
        serial_hex: &str,
    ) -> Result<Option<CertificateRecord>, StoreError> {
        certificate::Entity::find_by_id(serial_hex.to_ascii_lowercase())
            .one(&self.inner.db)
            .await?
            .map(CertificateRecord::try_from)
            .transpose()
    }

    /// The certificate with this SHA-256 fingerprint (hex), if registered.
    pub async fn certificate_by_fingerprint(
        &self,
        fingerprint_sha256: &str,
    ) -> Result<Option<CertificateRecord>, StoreError> {
        certificate::Entity::find()
            .filter(
                certificate::Column::FingerprintSha256.eq(fingerprint_sha256.to_ascii_lowercase()),
            )
            .one(&self.inner.db)
            .await?
            .map(CertificateRecord::try_from)
            .transpose()
    }

    /// Registered certificates matching `filter`, newest first (by
    /// registration time, then `not_before`, then serial).
    pub async fn list_certificates(
        &self,
        filter: &CertificateFilter,
    ) -> Result<Vec<CertificateRecord>, StoreError> {
        let mut q = certificate::Entity::find();
        if let Some(issuer) = &filter.issuer_id {
            q = q.filter(certificate::Column::IssuerId.eq(issuer.as_str()));
        }
        if let Some(status) = filter.status {
            q = q.filter(certificate::Column::Status.eq(status.as_str()));
        }
        if let Some(profile) = &filter.profile {
            q = q.filter(certificate::Column::Profile.eq(profile.as_str()));
        }
        if let Some(text) = &filter.subject_contains {
            let pattern = format!("%{}%", escape_like(text));
            // SeaQuery's placeholder in custom SQL is backend-specific.
            let sql = match self.inner.backend {
                Backend::Postgres => "lower(subject) LIKE lower($1) ESCAPE '!'",
                Backend::Sqlite => "lower(subject) LIKE lower(?) ESCAPE '!'",
            };
            q = q.filter(Expr::cust_with_values(sql, [pattern]));
        }
        q = q
            .order_by_desc(certificate::Column::CreatedAt)
            .order_by_desc(certificate::Column::NotBefore)
            .order_by_asc(certificate::Column::SerialHex);
        if let Some(limit) = filter.limit {
            q = q.limit(limit);
        }
        if let Some(offset) = filter.offset {
            q = q.offset(offset);
        }
        q.all(&self.inner.db)
            .await?
            .into_iter()
            .map(CertificateRecord::try_from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("a%b_c!d\\"), "a!%b!_c!!d\\");
        assert_eq!(escape_like("Nguyễn"), "Nguyễn");
    }

    #[test]
    fn status_text() {
        for s in [CertificateStatus::Valid, CertificateStatus::Revoked] {
            assert_eq!(CertificateStatus::parse(s.as_str()).unwrap(), s);
        }
        assert!(matches!(
            CertificateStatus::parse("bogus"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
