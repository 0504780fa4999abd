//! Migration `m0009_search`: the text of each stored PDF
//! ([`super::document_text`]), and indexes on `updated_at` of documents
//! and deliveries, which the search index is fed by.

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::index;

pub(crate) struct M0009Search;

impl MigrationName for M0009Search {
    fn name(&self) -> &str {
        "m0009_search"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0009Search {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("document_text"))
                .col(
                    ColumnDef::new(Alias::new("blob_sha256"))
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Alias::new("text")).text().not_null())
                .col(ColumnDef::new(Alias::new("pages")).integer().not_null())
                .col(
                    ColumnDef::new(Alias::new("pages_with_text"))
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Alias::new("truncated")).boolean().not_null())
                .col(ColumnDef::new(Alias::new("error")).text().null())
                .col(
                    ColumnDef::new(Alias::new("extracted_at"))
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        // idx_document_updated_at, idx_delivery_updated_at
        index(m, "document", &["updated_at"], false).await?;
        index(m, "delivery", &["updated_at"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_document_updated_at", "document"),
            ("idx_delivery_updated_at", "delivery"),
        ] {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        drop_table(m, Alias::new("document_text")).await
    }
}
