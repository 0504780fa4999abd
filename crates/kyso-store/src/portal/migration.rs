//! Migration `m0012_portal`: the portal's publications
//! ([`super::publication`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::index;

pub(crate) struct M0012Portal;

impl MigrationName for M0012Portal {
    fn name(&self) -> &str {
        "m0012_portal"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

fn fk(name: &str, column: &str, table: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(Alias::new("publication"), Alias::new(column))
        .to(Alias::new(table), Alias::new(to))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for M0012Portal {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("publication"))
                .col(col("document_id").big_integer().not_null().primary_key())
                .col(col("agency_id").big_integer().not_null())
                .col(
                    col("section").text().not_null().check(
                        Expr::col(Alias::new("section")).is_in(["schedule", "legal", "notice"]),
                    ),
                )
                .col(col("blob_sha256").text().not_null())
                .col(col("indication").text().not_null())
                .col(col("verdict_vi").text().not_null())
                .col(col("verdict_en").text().not_null())
                .col(col("published_by").big_integer().not_null())
                .col(col("published_at").big_integer().not_null())
                .foreign_key(&mut fk(
                    "fk_publication_document_id",
                    "document_id",
                    "document",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "fk_publication_agency_id",
                    "agency_id",
                    "agency",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "fk_publication_blob_sha256",
                    "blob_sha256",
                    "blob",
                    "sha256",
                ))
                .foreign_key(&mut fk(
                    "fk_publication_published_by",
                    "published_by",
                    "person",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        // idx_publication_agency_id_published_at
        index(m, "publication", &["agency_id", "published_at"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("publication")).await
    }
}
