//! Migration `m0017_desk_letter`: the request's letter (công văn đề
//! nghị), the office's outgoing document the managing organization signs
//! twice and sends to the CA or the department
//! ([`super::desk_request::Model::letter_document_id`]).
//!
//! SQLite cannot add a foreign key to an existing table, so the link is
//! kept by the office's use cases (the document is created in the same
//! transaction as the link) and by a unique index: one letter, one request.

use sea_orm_migration::prelude::*;

use crate::office::migration::{big_null, index};

pub(crate) struct M0017DeskLetter;

impl MigrationName for M0017DeskLetter {
    fn name(&self) -> &str {
        "m0017_desk_letter"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0017DeskLetter {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("desk_request"))
                .add_column(big_null("letter_document_id"))
                .to_owned(),
        )
        .await?;
        // uq_desk_request_letter_document_id: a letter serves one request.
        index(m, "desk_request", &["letter_document_id"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("uq_desk_request_letter_document_id")
                .table(Alias::new("desk_request"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("desk_request"))
                .drop_column(Alias::new("letter_document_id"))
                .to_owned(),
        )
        .await
    }
}
