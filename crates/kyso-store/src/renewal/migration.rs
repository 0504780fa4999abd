//! Migration `m0010_archive_renewal`: the archive-renewal schedule
//! ([`super::archive_renewal`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::index;

pub(crate) struct M0010ArchiveRenewal;

impl MigrationName for M0010ArchiveRenewal {
    fn name(&self) -> &str {
        "m0010_archive_renewal"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

#[async_trait::async_trait]
impl MigrationTrait for M0010ArchiveRenewal {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("archive_renewal"))
                .col(col("document_id").big_integer().not_null().primary_key())
                .col(col("original_sha256").text().not_null())
                .col(col("current_sha256").text().not_null())
                .col(col("tsa_not_after").big_integer().null())
                .col(col("tsa_algorithm").text().null())
                .col(col("next_due").big_integer().not_null())
                .col(
                    col("state")
                        .text()
                        .not_null()
                        .check(Expr::col(Alias::new("state")).is_in(["due", "done", "failed"])),
                )
                .col(col("attempts").integer().not_null())
                .col(col("renewals").integer().not_null())
                .col(col("last_error").text().null())
                .col(col("lease_owner").text().null())
                .col(col("lease_until").big_integer().null())
                .col(col("updated_at").big_integer().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_archive_renewal_document_id")
                        .from(Alias::new("archive_renewal"), Alias::new("document_id"))
                        .to(Alias::new("document"), Alias::new("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_archive_renewal_current_sha256")
                        .from(Alias::new("archive_renewal"), Alias::new("current_sha256"))
                        .to(Alias::new("blob"), Alias::new("sha256")),
                )
                .to_owned(),
        )
        .await?;
        // idx_archive_renewal_next_due, idx_archive_renewal_state
        index(m, "archive_renewal", &["next_due"], false).await?;
        index(m, "archive_renewal", &["state"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("archive_renewal")).await
    }
}
