//! Migration `m0013_notification_seen` ([`super::seen`]).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;

pub(crate) struct M0013NotificationSeen;

impl MigrationName for M0013NotificationSeen {
    fn name(&self) -> &str {
        "m0013_notification_seen"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0013NotificationSeen {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("notification_seen"))
                .col(
                    ColumnDef::new(Alias::new("person_id"))
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Alias::new("seen_at"))
                        .big_integer()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notification_seen_person_id")
                        .from(Alias::new("notification_seen"), Alias::new("person_id"))
                        .to(Alias::new("person"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, Alias::new("notification_seen")).await
    }
}
