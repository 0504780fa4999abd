//! Migration `m0018_desk_custody`: the changes of custodian of devices
//! (see [`super::desk_custody`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::{big, big_null, fk, id, index, table, text};

pub(crate) struct M0018DeskCustody;

impl MigrationName for M0018DeskCustody {
    fn name(&self) -> &str {
        "m0018_desk_custody"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0018DeskCustody {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("desk_custody")
                .col(id())
                .col(big("device_id"))
                .col(big("handover_id"))
                .col(big("agency_id"))
                .col(big_null("old_holder_id"))
                .col(big("new_holder_id"))
                .col(text("record_sha256"))
                .col(big("changed_by"))
                .col(big("changed_at"))
                .foreign_key(&mut fk("desk_custody", "device_id", "desk_device", "id"))
                .foreign_key(&mut fk(
                    "desk_custody",
                    "handover_id",
                    "desk_handover",
                    "id",
                ))
                .foreign_key(&mut fk("desk_custody", "agency_id", "agency", "id"))
                .foreign_key(&mut fk("desk_custody", "old_holder_id", "person", "id"))
                .foreign_key(&mut fk("desk_custody", "new_holder_id", "person", "id"))
                .foreign_key(&mut fk("desk_custody", "changed_by", "person", "id"))
                .to_owned(),
        )
        .await?;
        // uq_desk_custody_handover_id: a record serves one change only.
        index(m, "desk_custody", &["handover_id"], true).await?;
        index(m, "desk_custody", &["device_id"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("desk_custody")).await
    }
}
