//! The CA's own authorities (root, issuing, tsa, ocsp): certificate and key.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};
use time::OffsetDateTime;

use crate::entity::authority;
use crate::timestamp::{from_db, to_db};
use crate::{Store, StoreError};

/// One of the CA's own keys with its certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorityRecord {
    /// "root", "issuing", "tsa", "ocsp", …
    pub id: String,
    /// What the authority is for (free text, e.g. the same as `id`).
    pub kind: String,
    /// Its certificate, DER.
    pub certificate_der: Vec<u8>,
    /// Its private key as encrypted PKCS#8 (None when held in a token).
    pub encrypted_key: Option<Vec<u8>>,
    /// Where the key lives when not stored here (a PKCS#11 URI).
    pub key_ref: Option<String>,
    /// When the record was created (stored to the second).
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for AuthorityRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityRecord")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("certificate_der_len", &self.certificate_der.len())
            .field("encrypted_key", &self.encrypted_key.as_ref().map(|_| "…"))
            .field("key_ref", &self.key_ref)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl TryFrom<authority::Model> for AuthorityRecord {
    type Error = StoreError;

    fn try_from(m: authority::Model) -> Result<Self, StoreError> {
        Ok(AuthorityRecord {
            id: m.id,
            kind: m.kind,
            certificate_der: m.certificate_der,
            encrypted_key: m.encrypted_key,
            key_ref: m.key_ref,
            created_at: from_db(m.created_at)?,
        })
    }
}

impl Store {
    /// Inserts the authority, or replaces every field of the one with this id.
    pub async fn put_authority(&self, a: &AuthorityRecord) -> Result<(), StoreError> {
        let row = authority::ActiveModel {
            id: Set(a.id.clone()),
            kind: Set(a.kind.clone()),
            certificate_der: Set(a.certificate_der.clone()),
            encrypted_key: Set(a.encrypted_key.clone()),
            key_ref: Set(a.key_ref.clone()),
            created_at: Set(to_db(a.created_at)),
        };
        authority::Entity::insert(row)
            .on_conflict(
                OnConflict::column(authority::Column::Id)
                    .update_columns([
                        authority::Column::Kind,
                        authority::Column::CertificateDer,
                        authority::Column::EncryptedKey,
                        authority::Column::KeyRef,
                        authority::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.inner.db)
            .await?;
        Ok(())
    }

    /// The authority with this id, if stored.
    pub async fn authority(&self, id: &str) -> Result<Option<AuthorityRecord>, StoreError> {
        authority::Entity::find_by_id(id)
            .one(&self.inner.db)
            .await?
            .map(AuthorityRecord::try_from)
            .transpose()
    }

    /// Every authority, by id.
    pub async fn authorities(&self) -> Result<Vec<AuthorityRecord>, StoreError> {
        authority::Entity::find()
            .order_by_asc(authority::Column::Id)
            .all(&self.inner.db)
            .await?
            .into_iter()
            .map(AuthorityRecord::try_from)
            .collect()
    }
}
