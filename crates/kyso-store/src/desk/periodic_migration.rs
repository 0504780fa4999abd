//! Migration `m0019_desk_periodic_report`: the desk's reports kept on the
//! schedule ([`super::desk_periodic_report`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::{big, fk, id, index, table, text};

pub(crate) struct M0019DeskPeriodicReport;

impl MigrationName for M0019DeskPeriodicReport {
    fn name(&self) -> &str {
        "m0019_desk_periodic_report"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0019DeskPeriodicReport {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("desk_periodic_report")
                .col(id())
                .col(big("agency_id"))
                .col(text("period"))
                .col(text("from_day"))
                .col(text("to_day"))
                .col(text("blob_sha256"))
                .col(text("figures"))
                .col(big("created_at"))
                .foreign_key(&mut fk("desk_periodic_report", "agency_id", "agency", "id"))
                .foreign_key(&mut fk(
                    "desk_periodic_report",
                    "blob_sha256",
                    "blob",
                    "sha256",
                ))
                .to_owned(),
        )
        .await?;
        // One report per body and period, whichever replica makes it.
        index(m, "desk_periodic_report", &["agency_id", "period"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("desk_periodic_report")).await
    }
}
