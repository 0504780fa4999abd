//! Pending remote signatures (browser signing through the local agent,
//! DESIGN §4): the server prepared a document and waits for the signature
//! of its digest. Each is bound to a one-time nonce, kept only as its
//! SHA-256, and consumed atomically in the database: a nonce is used once,
//! by one replica, before it expires.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sea_orm_migration::prelude::*;
use time::OffsetDateTime;

use crate::entity::pending_signature;
use crate::migration::{create_index, drop_table};
use crate::timestamp::{from_db, to_db};
use crate::{Store, StoreError};

/// A pending signature as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSignatureRecord {
    pub nonce_sha256: String,
    pub document_title: String,
    pub digest_hex: String,
    pub algorithm: String,
    pub certificate_sha256: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
    /// `sign` or `approve:<document id>`.
    pub purpose: Option<String>,
    /// SHA-256 (hex) of the signature that consumed the nonce.
    pub signature_sha256: Option<String>,
    /// SHA-256 (hex) of the finalized file (a blob).
    pub result_sha256: Option<String>,
}

/// Why a nonce could not be consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumeRefusal {
    /// No pending signature has this nonce.
    Unknown,
    /// It expired before it was used.
    Expired,
    /// It was used already.
    AlreadyUsed,
}

impl TryFrom<pending_signature::Model> for PendingSignatureRecord {
    type Error = StoreError;

    fn try_from(m: pending_signature::Model) -> Result<Self, StoreError> {
        Ok(PendingSignatureRecord {
            nonce_sha256: m.nonce_sha256,
            document_title: m.document_title,
            digest_hex: m.digest_hex,
            algorithm: m.algorithm,
            certificate_sha256: m.certificate_sha256,
            created_at: from_db(m.created_at)?,
            expires_at: from_db(m.expires_at)?,
            consumed_at: m.consumed_at.map(from_db).transpose()?,
            purpose: m.purpose,
            signature_sha256: m.signature_sha256,
            result_sha256: m.result_sha256,
        })
    }
}

/// [`Store::create_pending_signature`] on `db` (a transaction).
pub(crate) async fn insert_record(
    db: &impl ConnectionTrait,
    r: &PendingSignatureRecord,
) -> Result<(), StoreError> {
    let row = pending_signature::ActiveModel {
        nonce_sha256: Set(r.nonce_sha256.clone()),
        document_title: Set(r.document_title.clone()),
        digest_hex: Set(r.digest_hex.clone()),
        algorithm: Set(r.algorithm.clone()),
        certificate_sha256: Set(r.certificate_sha256.clone()),
        created_at: Set(to_db(r.created_at)),
        expires_at: Set(to_db(r.expires_at)),
        consumed_at: Set(None),
        purpose: Set(r.purpose.clone()),
        signature_sha256: Set(None),
        result_sha256: Set(None),
    };
    pending_signature::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

impl Store {
    /// Record a pending signature (`consumed_at` is ignored).
    pub async fn create_pending_signature(
        &self,
        r: &PendingSignatureRecord,
    ) -> Result<(), StoreError> {
        insert_record(&self.inner.db, r).await
    }

    /// Consume the pending signature of `nonce_sha256` at `now`, at most
    /// once across every replica (one conditional UPDATE). Returns the
    /// record, or why it cannot be used.
    pub async fn consume_pending_signature(
        &self,
        nonce_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<Result<PendingSignatureRecord, ConsumeRefusal>, StoreError> {
        let t = to_db(now);
        let updated = pending_signature::Entity::update_many()
            .col_expr(pending_signature::Column::ConsumedAt, Expr::value(t))
            .filter(pending_signature::Column::NonceSha256.eq(nonce_sha256))
            .filter(pending_signature::Column::ConsumedAt.is_null())
            .filter(pending_signature::Column::ExpiresAt.gt(t))
            .exec(&self.inner.db)
            .await?;
        let row = pending_signature::Entity::find_by_id(nonce_sha256.to_string())
            .one(&self.inner.db)
            .await?;
        let Some(row) = row else {
            return Ok(Err(ConsumeRefusal::Unknown));
        };
        if updated.rows_affected == 1 {
            return Ok(Ok(row.try_into()?));
        }
        if row.consumed_at.is_some() {
            Ok(Err(ConsumeRefusal::AlreadyUsed))
        } else {
            Ok(Err(ConsumeRefusal::Expired))
        }
    }

    /// Consume the nonce of `nonce_sha256` at `now` inside the caller's
    /// transaction `tx`, recording the signature that consumed it and the
    /// finalized file, and delete its prepared document. Done in the
    /// transaction that stores the signed result, so a failure before it
    /// commits leaves the nonce usable for a retry, and a retry after it
    /// finds the result.
    pub async fn finish_pending_signature(
        tx: &impl ConnectionTrait,
        nonce_sha256: &str,
        now: OffsetDateTime,
        signature_sha256: &str,
        result_sha256: &str,
    ) -> Result<Result<(), ConsumeRefusal>, StoreError> {
        let t = to_db(now);
        let updated = pending_signature::Entity::update_many()
            .col_expr(pending_signature::Column::ConsumedAt, Expr::value(t))
            .col_expr(
                pending_signature::Column::SignatureSha256,
                Expr::value(signature_sha256.to_string()),
            )
            .col_expr(
                pending_signature::Column::ResultSha256,
                Expr::value(result_sha256.to_string()),
            )
            .filter(pending_signature::Column::NonceSha256.eq(nonce_sha256))
            .filter(pending_signature::Column::ConsumedAt.is_null())
            .filter(pending_signature::Column::ExpiresAt.gt(t))
            .exec(tx)
            .await?;
        if updated.rows_affected == 1 {
            crate::entity::pending_document::Entity::delete_by_id(nonce_sha256.to_string())
                .exec(tx)
                .await?;
            return Ok(Ok(()));
        }
        let row = pending_signature::Entity::find_by_id(nonce_sha256.to_string())
            .one(tx)
            .await?;
        Ok(Err(match row {
            None => ConsumeRefusal::Unknown,
            Some(r) if r.consumed_at.is_some() => ConsumeRefusal::AlreadyUsed,
            Some(_) => ConsumeRefusal::Expired,
        }))
    }

    /// Record a pending signature and its prepared document in the
    /// caller's transaction.
    pub async fn insert_pending_in(
        tx: &impl ConnectionTrait,
        record: &PendingSignatureRecord,
        document: &crate::PendingDocument,
    ) -> Result<(), StoreError> {
        crate::pending_document::insert_pending(tx, record, document).await
    }

    /// Delete pending signatures that expired before `before`; returns how
    /// many.
    pub async fn purge_pending_signatures(
        &self,
        before: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let r = pending_signature::Entity::delete_many()
            .filter(pending_signature::Column::ExpiresAt.lt(to_db(before)))
            .exec(&self.inner.db)
            .await?;
        Ok(r.rows_affected)
    }
}

#[derive(DeriveIden)]
enum PendingSignature {
    Table,
    NonceSha256,
    DocumentTitle,
    DigestHex,
    Algorithm,
    CertificateSha256,
    CreatedAt,
    ExpiresAt,
    ConsumedAt,
}

/// The `pending_signature` table.
pub(crate) struct M0003PendingSignature;

impl MigrationName for M0003PendingSignature {
    fn name(&self) -> &str {
        "m0003_pending_signature"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0003PendingSignature {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PendingSignature::Table)
                    .col(
                        ColumnDef::new(PendingSignature::NonceSha256)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::DocumentTitle)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::DigestHex)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::Algorithm)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::CertificateSha256)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingSignature::ConsumedAt)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_pending_signature_expires_at",
            PendingSignature::Table,
            PendingSignature::ExpiresAt,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, PendingSignature::Table).await
    }
}

/// Migration `m0007_pending_result`: what a pending signature is for, and
/// the signature and signed file that finished it (so a retried finalize
/// gets the same result).
pub(crate) struct M0007PendingResult;

impl MigrationName for M0007PendingResult {
    fn name(&self) -> &str {
        "m0007_pending_result"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0007PendingResult {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["purpose", "signature_sha256", "result_sha256"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PendingSignature::Table)
                        .add_column(ColumnDef::new(Alias::new(col)).text().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["purpose", "signature_sha256", "result_sha256"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PendingSignature::Table)
                        .drop_column(Alias::new(col))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
