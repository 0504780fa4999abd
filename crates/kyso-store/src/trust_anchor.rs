//! Trust anchors: the roots trusted when validating signatures.

use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};
use time::OffsetDateTime;

use crate::entity::trust_anchor;
use crate::error::is_unique_violation;
use crate::timestamp::{from_db, to_db};
use crate::{Store, StoreError};

/// A trusted root certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchorRecord {
    /// SHA-256 of `der`, hex (stored lower-case): the key.
    pub fingerprint_sha256: String,
    /// Subject distinguished name, as displayed.
    pub subject: String,
    /// A human label ("Root CA Chính phủ", …).
    pub label: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// When it was added (stored to the second).
    pub added_at: OffsetDateTime,
    /// Shipped with kyso rather than added by an operator.
    pub builtin: bool,
}

impl TryFrom<trust_anchor::Model> for TrustAnchorRecord {
    type Error = StoreError;

    fn try_from(m: trust_anchor::Model) -> Result<Self, StoreError> {
        Ok(TrustAnchorRecord {
            fingerprint_sha256: m.fingerprint_sha256,
            subject: m.subject,
            label: m.label,
            der: m.der,
            added_at: from_db(m.added_at)?,
            builtin: m.builtin,
        })
    }
}

impl Store {
    /// Adds a trust anchor; [`StoreError::DuplicateAnchor`] when one with
    /// this fingerprint is present (it is left unchanged).
    pub async fn add_trust_anchor(&self, a: &TrustAnchorRecord) -> Result<(), StoreError> {
        let row = trust_anchor::ActiveModel {
            fingerprint_sha256: Set(a.fingerprint_sha256.to_ascii_lowercase()),
            subject: Set(a.subject.clone()),
            label: Set(a.label.clone()),
            der: Set(a.der.clone()),
            added_at: Set(to_db(a.added_at)),
            builtin: Set(a.builtin),
        };
        match trust_anchor::Entity::insert(row)
            .exec_without_returning(&self.inner.db)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateAnchor),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the trust anchor with this fingerprint; false when absent.
    pub async fn remove_trust_anchor(&self, fingerprint_sha256: &str) -> Result<bool, StoreError> {
        let res = trust_anchor::Entity::delete_by_id(fingerprint_sha256.to_ascii_lowercase())
            .exec(&self.inner.db)
            .await?;
        Ok(res.rows_affected > 0)
    }

    /// Every trust anchor, by label then fingerprint.
    pub async fn trust_anchors(&self) -> Result<Vec<TrustAnchorRecord>, StoreError> {
        trust_anchor::Entity::find()
            .order_by_asc(trust_anchor::Column::Label)
            .order_by_asc(trust_anchor::Column::FingerprintSha256)
            .all(&self.inner.db)
            .await?
            .into_iter()
            .map(TrustAnchorRecord::try_from)
            .collect()
    }
}
