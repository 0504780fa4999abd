//! The prepared PDF of a pending remote signature, kept in the database
//! beside its nonce so that whichever replica receives the signature can
//! finalize the document: no sticky sessions, nothing in process memory
//! (DESIGN §1, §4). A document is deleted once its signature is finalized
//! or its time is up.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sea_orm_migration::prelude::*;
use time::OffsetDateTime;

use crate::entity::{pending_document, pending_signature};
use crate::migration::{create_index, drop_table};
use crate::timestamp::to_db;
use crate::{PendingSignatureRecord, Store, StoreError};

/// A prepared document waiting for the signature of its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDocument {
    /// SHA-256 (hex) of the nonce it is bound to.
    pub nonce_sha256: String,
    /// The prepared file (`/ByteRange` patched, `/Contents` zeros).
    pub prepared_pdf: Vec<u8>,
    /// Offset of the `<` opening `/Contents`.
    pub contents_start: u64,
    /// Offset just after the `>` closing `/Contents`.
    pub contents_end: u64,
    /// Bytes reserved for the CMS.
    pub contents_size: u64,
    /// Name of the signature field.
    pub field_name: String,
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    <i64 as TryFrom<u64>>::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("{what} out of range")))
}

fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    <u64 as TryFrom<i64>>::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("{what} is negative")))
}

impl TryFrom<pending_document::Model> for PendingDocument {
    type Error = StoreError;

    fn try_from(m: pending_document::Model) -> Result<Self, StoreError> {
        Ok(PendingDocument {
            nonce_sha256: m.nonce_sha256,
            prepared_pdf: m.prepared_pdf,
            contents_start: to_u64(m.contents_start, "contents_start")?,
            contents_end: to_u64(m.contents_end, "contents_end")?,
            contents_size: to_u64(m.contents_size, "contents_size")?,
            field_name: m.field_name,
        })
    }
}

/// Both rows of a pending signature in `tx`.
pub(crate) async fn insert_pending(
    tx: &impl sea_orm::ConnectionTrait,
    record: &PendingSignatureRecord,
    document: &PendingDocument,
) -> Result<(), StoreError> {
    if record.nonce_sha256 != document.nonce_sha256 {
        return Err(StoreError::Corrupt(
            "document and pending signature have different nonces".into(),
        ));
    }
    let row = pending_document::ActiveModel {
        nonce_sha256: Set(document.nonce_sha256.clone()),
        prepared_pdf: Set(document.prepared_pdf.clone()),
        contents_start: Set(to_i64(document.contents_start, "contents_start")?),
        contents_end: Set(to_i64(document.contents_end, "contents_end")?),
        contents_size: Set(to_i64(document.contents_size, "contents_size")?),
        field_name: Set(document.field_name.clone()),
        expires_at: Set(to_db(record.expires_at)),
    };
    crate::pending_signature::insert_record(tx, record).await?;
    pending_document::Entity::insert(row)
        .exec_without_returning(tx)
        .await?;
    Ok(())
}

impl Store {
    /// Record a pending signature and its prepared document in one
    /// transaction: both exist or neither does.
    pub async fn create_pending_document(
        &self,
        record: &PendingSignatureRecord,
        document: &PendingDocument,
    ) -> Result<(), StoreError> {
        if record.nonce_sha256 != document.nonce_sha256 {
            return Err(StoreError::Corrupt(
                "document and pending signature have different nonces".into(),
            ));
        }
        let txn = self.begin_write().await?;
        insert_pending(&txn, record, document).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The pending signature of `nonce_sha256` and its document, if the
    /// document is still kept. Reading changes nothing: the nonce is only
    /// used by [`Store::consume_pending_signature`].
    pub async fn pending_document(
        &self,
        nonce_sha256: &str,
    ) -> Result<Option<(PendingSignatureRecord, Option<PendingDocument>)>, StoreError> {
        let Some(record) = pending_signature::Entity::find_by_id(nonce_sha256.to_string())
            .one(&self.inner.db)
            .await?
        else {
            return Ok(None);
        };
        let document = pending_document::Entity::find_by_id(nonce_sha256.to_string())
            .one(&self.inner.db)
            .await?
            .map(PendingDocument::try_from)
            .transpose()?;
        Ok(Some((record.try_into()?, document)))
    }

    /// Delete the document of `nonce_sha256` (finalized or abandoned).
    pub async fn delete_pending_document(&self, nonce_sha256: &str) -> Result<(), StoreError> {
        pending_document::Entity::delete_by_id(nonce_sha256.to_string())
            .exec(&self.inner.db)
            .await?;
        Ok(())
    }

    /// Delete the documents whose signature expired at or before `now`;
    /// their nonce rows stay, so a late signature is told "expired".
    pub async fn purge_pending_documents(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let r = pending_document::Entity::delete_many()
            .filter(pending_document::Column::ExpiresAt.lte(to_db(now)))
            .exec(&self.inner.db)
            .await?;
        Ok(r.rows_affected)
    }

    /// How many documents wait for a signature at `now`, across every
    /// replica.
    pub async fn open_pending_documents(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(pending_document::Entity::find()
            .filter(pending_document::Column::ExpiresAt.gt(to_db(now)))
            .count(&self.inner.db)
            .await?)
    }
}

mod iden {
    use sea_orm_migration::prelude::*;

    #[derive(DeriveIden)]
    pub(super) enum PendingDocument {
        Table,
        NonceSha256,
        PreparedPdf,
        ContentsStart,
        ContentsEnd,
        ContentsSize,
        FieldName,
        ExpiresAt,
    }
}

/// The `pending_document` table.
pub(crate) struct M0004PendingDocument;

impl MigrationName for M0004PendingDocument {
    fn name(&self) -> &str {
        "m0004_pending_document"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0004PendingDocument {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use iden::PendingDocument as T;
        let big = |c: T| ColumnDef::new(c).big_integer().not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(
                        ColumnDef::new(T::NonceSha256)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(T::PreparedPdf).blob().not_null())
                    .col(big(T::ContentsStart))
                    .col(big(T::ContentsEnd))
                    .col(big(T::ContentsSize))
                    .col(ColumnDef::new(T::FieldName).text().not_null())
                    .col(big(T::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pending_document_signature")
                            .from(T::Table, T::NonceSha256)
                            .to(Alias::new("pending_signature"), Alias::new("nonce_sha256"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_pending_document_expires_at",
            T::Table,
            T::ExpiresAt,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, iden::PendingDocument::Table).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::test_stores;
    use crate::ConsumeRefusal;

    fn record(nonce: &str, now: OffsetDateTime) -> PendingSignatureRecord {
        PendingSignatureRecord {
            nonce_sha256: nonce.into(),
            document_title: "Công văn 123".into(),
            digest_hex: "ab".repeat(32),
            algorithm: "RSASSA-PSS with SHA-256".into(),
            certificate_sha256: "cd".repeat(32),
            created_at: now,
            expires_at: now + time::Duration::minutes(10),
            consumed_at: None,
            purpose: None,
            signature_sha256: None,
            result_sha256: None,
        }
    }

    fn document(nonce: &str) -> PendingDocument {
        PendingDocument {
            nonce_sha256: nonce.into(),
            // Every byte value, so a text column would mangle it.
            prepared_pdf: (0..=255u8).cycle().take(70_000).collect(),
            contents_start: 1_000,
            contents_end: 33_770,
            contents_size: 16_384,
            field_name: "Signature1".into(),
        }
    }

    #[tokio::test]
    async fn documents_are_kept_with_their_nonce_read_by_any_store_and_purged_on_every_backend() {
        for (backend, store) in test_stores().await {
            let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
            store
                .create_pending_document(&record("n1", now), &document("n1"))
                .await
                .unwrap();
            store
                .create_pending_document(&record("n2", now), &document("n2"))
                .await
                .unwrap();
            // A duplicate nonce fails and leaves nothing half-written.
            assert!(store
                .create_pending_document(&record("n1", now), &document("n1"))
                .await
                .is_err());
            assert_eq!(
                store.open_pending_documents(now).await.unwrap(),
                2,
                "{backend}"
            );

            // Another connection (another replica) reads the same bytes.
            let other = store.reopen().await.unwrap();
            let (rec, doc) = other.pending_document("n1").await.unwrap().unwrap();
            assert_eq!(rec, record("n1", now), "{backend}");
            assert_eq!(doc.unwrap(), document("n1"), "{backend}");
            assert!(other.pending_document("nope").await.unwrap().is_none());

            // Consumed once; the document is then deleted.
            assert!(other
                .consume_pending_signature("n1", now)
                .await
                .unwrap()
                .is_ok());
            assert_eq!(
                store.consume_pending_signature("n1", now).await.unwrap(),
                Err(ConsumeRefusal::AlreadyUsed)
            );
            store.delete_pending_document("n1").await.unwrap();
            let (_, doc) = store.pending_document("n1").await.unwrap().unwrap();
            assert!(doc.is_none(), "{backend}");

            // Expired documents go; their nonce row stays to say "expired".
            let later = now + time::Duration::minutes(11);
            assert_eq!(store.purge_pending_documents(later).await.unwrap(), 1);
            assert_eq!(store.open_pending_documents(now).await.unwrap(), 0);
            assert_eq!(
                store.consume_pending_signature("n2", later).await.unwrap(),
                Err(ConsumeRefusal::Expired)
            );
            // Purging the nonce rows takes their documents with them.
            store
                .create_pending_document(&record("n3", now), &document("n3"))
                .await
                .unwrap();
            store.purge_pending_signatures(later).await.unwrap();
            assert_eq!(
                store.open_pending_documents(now).await.unwrap(),
                0,
                "{backend}"
            );
        }
    }
}
