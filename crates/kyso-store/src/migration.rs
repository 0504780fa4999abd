//! Schema migrations, written once with SeaQuery for SQLite and PostgreSQL.
//!
//! Applied by [`crate::Store::open`]; already-applied migrations are skipped
//! (tracked in `seaql_migrations`), so opening an existing database is
//! idempotent. Add new migrations at the end of [`Migrator::migrations`];
//! never edit one that has shipped.

use sea_orm_migration::prelude::*;

/// `CREATE INDEX name ON table (column)`.
pub(crate) async fn create_index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .create_index(
            Index::create()
                .name(name)
                .table(table)
                .col(column)
                .to_owned(),
        )
        .await
}

/// `DROP TABLE IF EXISTS table`.
pub(crate) async fn drop_table(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(table).if_exists().to_owned())
        .await
}

/// The ordered list of migrations.
pub(crate) struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001Init),
            Box::new(M0002TokenRecovery),
            Box::new(crate::pending_signature::M0003PendingSignature),
            Box::new(crate::pending_document::M0004PendingDocument),
            Box::new(crate::office::migration::M0005Office),
            Box::new(crate::audit::M0006Audit),
            Box::new(crate::pending_signature::M0007PendingResult),
            Box::new(crate::desk::migration::M0008Desk),
            Box::new(crate::search::migration::M0009Search),
            Box::new(crate::renewal::migration::M0010ArchiveRenewal),
            Box::new(crate::desk::notice_migration::M0011DeskNotice),
            Box::new(crate::portal::migration::M0012Portal),
            Box::new(crate::notification::migration::M0013NotificationSeen),
            Box::new(crate::records::migration::M0016RecordsFile),
            Box::new(crate::desk::letter_migration::M0017DeskLetter),
            Box::new(crate::desk::custody_migration::M0018DeskCustody),
            Box::new(crate::desk::periodic_migration::M0019DeskPeriodicReport),
        ]
    }
}

#[derive(DeriveIden)]
enum Authority {
    Table,
    Id,
    Kind,
    CertificateDer,
    EncryptedKey,
    KeyRef,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Certificate {
    Table,
    SerialHex,
    IssuerId,
    Profile,
    Subject,
    SubjectEmail,
    NotBefore,
    NotAfter,
    Der,
    FingerprintSha256,
    Status,
    RevokedAt,
    RevocationReason,
    RenewedFrom,
    CreatedAt,
}

// Column names are fixed by the schema (`crl.crl_number`).
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Crl {
    Table,
    IssuerId,
    CrlNumber,
    ThisUpdate,
    NextUpdate,
    Der,
}

#[derive(DeriveIden)]
enum TrustAnchor {
    Table,
    FingerprintSha256,
    Subject,
    Label,
    Der,
    AddedAt,
    Builtin,
}

#[derive(DeriveIden)]
enum Counter {
    Table,
    Name,
    Value,
}

/// The initial schema: authority, certificate, crl, trust_anchor, counter.
#[derive(DeriveMigrationName)]
struct M0001Init;

#[async_trait::async_trait]
impl MigrationTrait for M0001Init {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Authority::Table)
                    .col(
                        ColumnDef::new(Authority::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Authority::Kind).text().not_null())
                    .col(ColumnDef::new(Authority::CertificateDer).blob().not_null())
                    .col(ColumnDef::new(Authority::EncryptedKey).blob().null())
                    .col(ColumnDef::new(Authority::KeyRef).text().null())
                    .col(
                        ColumnDef::new(Authority::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Certificate::Table)
                    .col(
                        ColumnDef::new(Certificate::SerialHex)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Certificate::IssuerId).text().not_null())
                    .col(ColumnDef::new(Certificate::Profile).text().not_null())
                    .col(ColumnDef::new(Certificate::Subject).text().not_null())
                    .col(ColumnDef::new(Certificate::SubjectEmail).text().null())
                    .col(
                        ColumnDef::new(Certificate::NotBefore)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificate::NotAfter)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Certificate::Der).blob().not_null())
                    .col(
                        ColumnDef::new(Certificate::FingerprintSha256)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Certificate::Status)
                            .text()
                            .not_null()
                            .check(Expr::col(Certificate::Status).is_in(["valid", "revoked"])),
                    )
                    .col(ColumnDef::new(Certificate::RevokedAt).big_integer().null())
                    .col(
                        ColumnDef::new(Certificate::RevocationReason)
                            .small_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Certificate::RenewedFrom).text().null())
                    .col(
                        ColumnDef::new(Certificate::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_certificate_issuer_id", Certificate::IssuerId),
            ("idx_certificate_status", Certificate::Status),
            ("idx_certificate_not_after", Certificate::NotAfter),
            ("idx_certificate_created_at", Certificate::CreatedAt),
        ] {
            create_index(manager, name, Certificate::Table, col).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Crl::Table)
                    .col(ColumnDef::new(Crl::IssuerId).text().not_null())
                    .col(ColumnDef::new(Crl::CrlNumber).big_integer().not_null())
                    .col(ColumnDef::new(Crl::ThisUpdate).big_integer().not_null())
                    .col(ColumnDef::new(Crl::NextUpdate).big_integer().not_null())
                    .col(ColumnDef::new(Crl::Der).blob().not_null())
                    .primary_key(Index::create().col(Crl::IssuerId).col(Crl::CrlNumber))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TrustAnchor::Table)
                    .col(
                        ColumnDef::new(TrustAnchor::FingerprintSha256)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TrustAnchor::Subject).text().not_null())
                    .col(ColumnDef::new(TrustAnchor::Label).text().not_null())
                    .col(ColumnDef::new(TrustAnchor::Der).blob().not_null())
                    .col(
                        ColumnDef::new(TrustAnchor::AddedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(TrustAnchor::Builtin).boolean().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Counter::Table)
                    .col(
                        ColumnDef::new(Counter::Name)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Counter::Value).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Counter::Table.into_iden(),
            TrustAnchor::Table.into_iden(),
            Crl::Table.into_iden(),
            Certificate::Table.into_iden(),
            Authority::Table.into_iden(),
        ] {
            drop_table(manager, t).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TokenRecovery {
    Table,
    Id,
    TokenSerial,
    TokenLabel,
    Officer,
    RecoveredAt,
    Result,
    Detail,
}

/// Recoveries of locked tokens (`token_recovery`), numbered by the
/// `token_recovery` counter.
struct M0002TokenRecovery;

// Named explicitly: `DeriveMigrationName` names a migration after its
// module, which M0001Init already took.
impl MigrationName for M0002TokenRecovery {
    fn name(&self) -> &str {
        "m0002_token_recovery"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0002TokenRecovery {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TokenRecovery::Table)
                    .col(
                        ColumnDef::new(TokenRecovery::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TokenRecovery::TokenSerial).text().not_null())
                    .col(ColumnDef::new(TokenRecovery::TokenLabel).text().not_null())
                    .col(ColumnDef::new(TokenRecovery::Officer).text().not_null())
                    .col(
                        ColumnDef::new(TokenRecovery::RecoveredAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TokenRecovery::Result)
                            .text()
                            .not_null()
                            .check(Expr::col(TokenRecovery::Result).is_in(["completed", "failed"])),
                    )
                    .col(ColumnDef::new(TokenRecovery::Detail).text().null())
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_token_recovery_token_serial",
            TokenRecovery::Table,
            TokenRecovery::TokenSerial,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, TokenRecovery::Table).await
    }
}
