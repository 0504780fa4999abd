//! Migration `m0016_records_file`: records files and their documents
//! ([`super::records_file`], [`super::records_file_item`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::{big, big_null, fk, id, index, int, table, text};

pub(crate) struct M0016RecordsFile;

impl MigrationName for M0016RecordsFile {
    fn name(&self) -> &str {
        "m0016_records_file"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0016RecordsFile {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("records_file")
                .col(id())
                .col(big("agency_id"))
                .col(int("year"))
                .col(int("number"))
                .col(text("notation"))
                .col(text("title"))
                .col(text("retention"))
                .col(
                    text("access")
                        .check(Expr::col(Alias::new("access")).is_in(["public", "conditional"])),
                )
                .col(text("language"))
                .col(text("keywords"))
                .col(text("note"))
                .col(big("created_by"))
                .col(big("created_at"))
                .col(big_null("closed_at"))
                .foreign_key(&mut fk("records_file", "agency_id", "agency", "id"))
                .foreign_key(&mut fk("records_file", "created_by", "person", "id"))
                .to_owned(),
        )
        .await?;
        // uq_records_file_agency_id_year_number: one number per year's list.
        index(m, "records_file", &["agency_id", "year", "number"], true).await?;
        m.create_table(
            table("records_file_item")
                .col(id())
                .col(big("file_id"))
                .col(big("agency_id"))
                .col(big("document_id"))
                .col(int("position"))
                .col(big("added_by"))
                .col(big("added_at"))
                .foreign_key(&mut fk(
                    "records_file_item",
                    "file_id",
                    "records_file",
                    "id",
                ))
                .foreign_key(&mut fk("records_file_item", "agency_id", "agency", "id"))
                .foreign_key(&mut fk(
                    "records_file_item",
                    "document_id",
                    "document",
                    "id",
                ))
                .foreign_key(&mut fk("records_file_item", "added_by", "person", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "records_file_item", &["file_id", "position"], true).await?;
        index(m, "records_file_item", &["agency_id", "document_id"], true).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("records_file_item")).await?;
        drop_table(m, Alias::new("records_file")).await
    }
}
