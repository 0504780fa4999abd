//! Revocation: one transaction per certificate, visible to every replica.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use time::OffsetDateTime;

use crate::certificate::{CertificateRecord, CertificateStatus};
use crate::entity::certificate;
use crate::timestamp::{from_db, to_db};
use crate::watch::{publish, REVOCATION_CHANNEL, REVOCATION_GENERATION};
use crate::{counter, Backend, Store, StoreError};

/// One entry of a CRL's revokedCertificates list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedRow {
    /// Serial number, lower-case hex.
    pub serial_hex: String,
    /// Revocation date.
    pub revoked_at: OffsetDateTime,
    /// CRLReason code, if one was given.
    pub reason: Option<i16>,
}

impl Store {
    /// Revokes the certificate `serial_hex` at `at` (stored to the second)
    /// with an optional CRLReason code, and returns the updated record.
    ///
    /// In one transaction: the row is locked (`SELECT … FOR UPDATE` on
    /// PostgreSQL, `BEGIN IMMEDIATE` on SQLite), its status is set, the
    /// revocation generation is bumped and, on PostgreSQL,
    /// `NOTIFY kyso_revocation, '<serial>'` is sent (delivered on commit).
    ///
    /// Errors: [`StoreError::NotFound`] for an unknown serial,
    /// [`StoreError::AlreadyRevoked`] for a revoked one (nothing changes).
    pub async fn revoke(
        &self,
        serial_hex: &str,
        reason: Option<i16>,
        at: OffsetDateTime,
    ) -> Result<CertificateRecord, StoreError> {
        let serial = serial_hex.to_ascii_lowercase();
        let txn = self.begin_write().await?;
        let mut select = certificate::Entity::find_by_id(serial.clone());
        if self.inner.backend == Backend::Postgres {
            select = select.lock_exclusive();
        }
        let Some(row) = select.one(&txn).await? else {
            txn.rollback().await?;
            return Err(StoreError::NotFound);
        };
        if CertificateStatus::parse(&row.status)? == CertificateStatus::Revoked {
            txn.rollback().await?;
            return Err(StoreError::AlreadyRevoked);
        }
        let mut active: certificate::ActiveModel = row.into();
        active.status = Set(CertificateStatus::Revoked.as_str().to_owned());
        active.revoked_at = Set(Some(to_db(at)));
        active.revocation_reason = Set(reason);
        let updated = active.update(&txn).await?;
        let generation = counter::bump(&txn, REVOCATION_GENERATION).await?;
        if self.inner.backend == Backend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [REVOCATION_CHANNEL.into(), serial.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        publish(&self.inner.generation, generation);
        CertificateRecord::try_from(updated)
    }

    /// Every revoked certificate of `issuer_id`, by revocation date then
    /// serial: the revokedCertificates of its next CRL. Expired certificates
    /// are included; the caller decides whether to drop them.
    pub async fn revoked_by_issuer(&self, issuer_id: &str) -> Result<Vec<RevokedRow>, StoreError> {
        let rows: Vec<(String, Option<i64>, Option<i16>)> = certificate::Entity::find()
            .select_only()
            .columns([
                certificate::Column::SerialHex,
                certificate::Column::RevokedAt,
                certificate::Column::RevocationReason,
            ])
            .filter(certificate::Column::IssuerId.eq(issuer_id))
            .filter(certificate::Column::Status.eq(CertificateStatus::Revoked.as_str()))
            .order_by_asc(certificate::Column::RevokedAt)
            .order_by_asc(certificate::Column::SerialHex)
            .into_tuple()
            .all(&self.inner.db)
            .await?;
        rows.into_iter()
            .map(|(serial_hex, revoked_at, reason)| {
                let revoked_at = revoked_at.ok_or_else(|| {
                    StoreError::Corrupt(format!("revoked certificate {serial_hex} has no date"))
                })?;
                Ok(RevokedRow {
                    serial_hex,
                    revoked_at: from_db(revoked_at)?,
                    reason,
                })
            })
            .collect()
    }
}
