//! Migration `m0011_desk_notice`: the desk's notice log (see
//! [`super::desk_notice`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::index;

pub(crate) struct M0011DeskNotice;

impl MigrationName for M0011DeskNotice {
    fn name(&self) -> &str {
        "m0011_desk_notice"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

#[async_trait::async_trait]
impl MigrationTrait for M0011DeskNotice {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("desk_notice"))
                .col(
                    col("id")
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(col("kind").text().not_null())
                .col(col("subject_ref").text().not_null())
                .col(col("threshold").big_integer().not_null())
                .col(col("request_id").big_integer().null())
                .col(col("agency_id").big_integer().null())
                .col(col("recipients").text().not_null())
                .col(col("subject").text().not_null())
                .col(col("body").text().not_null())
                .col(col("state").text().not_null())
                .col(col("attempts").integer().not_null())
                .col(col("last_error").text().null())
                .col(col("leased_until").big_integer().null())
                .col(col("created_at").big_integer().not_null())
                .col(col("sent_at").big_integer().null())
                .to_owned(),
        )
        .await?;
        index(
            m,
            "desk_notice",
            &["kind", "subject_ref", "threshold"],
            true,
        )
        .await?;
        index(m, "desk_notice", &["state"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("desk_notice")).await
    }
}
