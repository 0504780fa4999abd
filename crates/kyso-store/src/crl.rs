//! Published CRLs, one row per (issuer, CRL number).

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::OffsetDateTime;

use crate::entity::crl;
use crate::error::is_unique_violation;
use crate::timestamp::{from_db, to_db};
use crate::{Store, StoreError};

/// A CRL as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlRecord {
    /// Id of the issuing authority.
    pub issuer_id: String,
    /// The cRLNumber extension's value (from [`Store::next_crl_number`]).
    pub crl_number: i64,
    /// thisUpdate (stored to the second).
    pub this_update: OffsetDateTime,
    /// nextUpdate (stored to the second).
    pub next_update: OffsetDateTime,
    /// The CRL, DER.
    pub der: Vec<u8>,
}

impl TryFrom<crl::Model> for CrlRecord {
    type Error = StoreError;

    fn try_from(m: crl::Model) -> Result<Self, StoreError> {
        Ok(CrlRecord {
            issuer_id: m.issuer_id,
            crl_number: m.crl_number,
            this_update: from_db(m.this_update)?,
            next_update: from_db(m.next_update)?,
            der: m.der,
        })
    }
}

impl Store {
    /// Stores a published CRL. [`StoreError::DuplicateCrlNumber`] when this
    /// issuer already has a CRL with that number.
    pub async fn insert_crl(&self, rec: &CrlRecord) -> Result<(), StoreError> {
        let row = crl::ActiveModel {
            issuer_id: Set(rec.issuer_id.clone()),
            crl_number: Set(rec.crl_number),
            this_update: Set(to_db(rec.this_update)),
            next_update: Set(to_db(rec.next_update)),
            der: Set(rec.der.clone()),
        };
        match crl::Entity::insert(row)
            .exec_without_returning(&self.inner.db)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateCrlNumber),
            Err(e) => Err(e.into()),
        }
    }

    /// The CRL of `issuer_id` with the highest CRL number, if any.
    pub async fn latest_crl(&self, issuer_id: &str) -> Result<Option<CrlRecord>, StoreError> {
        crl::Entity::find()
            .filter(crl::Column::IssuerId.eq(issuer_id))
            .order_by_desc(crl::Column::CrlNumber)
            .one(&self.inner.db)
            .await?
            .map(CrlRecord::try_from)
            .transpose()
    }
}
