//! Migration `m0008_desk`: the certificate desk's tables (see each entity).

use sea_orm_migration::prelude::*;

use crate::migration::drop_table;
use crate::office::migration::index;

/// Tables in creation order (drop in reverse).
const TABLES: &[&str] = &[
    "desk_request",
    "desk_event",
    "desk_holiday",
    "desk_device",
    "desk_handover",
];

/// How a column is declared.
#[derive(Clone, Copy)]
enum T {
    Id,
    Text,
    TextNull,
    Big,
    BigNull,
    IntNull,
}

fn column(name: &str, t: T) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    match t {
        T::Id => c.big_integer().not_null().auto_increment().primary_key(),
        T::Text => c.text().not_null(),
        T::TextNull => c.text().null(),
        T::Big => c.big_integer().not_null(),
        T::BigNull => c.big_integer().null(),
        T::IntNull => c.integer().null(),
    };
    c
}

/// `CREATE TABLE name (cols…)` with foreign keys `(column, table)` to `id`.
async fn create(
    m: &SchemaManager<'_>,
    name: &str,
    cols: &[(&str, T)],
    fks: &[(&str, &str)],
) -> Result<(), DbErr> {
    let mut t = Table::create();
    t.table(Alias::new(name));
    for (c, ty) in cols {
        t.col(column(c, *ty));
    }
    for (c, to) in fks {
        t.foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_{c}"))
                .from(Alias::new(name), Alias::new(*c))
                .to(Alias::new(*to), Alias::new("id")),
        );
    }
    m.create_table(t.to_owned()).await
}

pub(crate) struct M0008Desk;

impl MigrationName for M0008Desk {
    fn name(&self) -> &str {
        "m0008_desk"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0008Desk {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use T::*;
        create(
            m,
            "desk_request",
            &[
                ("id", Id),
                ("kind", Text),
                ("state", Text),
                ("route", Text),
                ("agency_id", Big),
                ("subscriber_id", BigNull),
                ("created_by", Big),
                ("identity_number", Text),
                ("full_name", Text),
                ("position", Text),
                ("email", Text),
                ("phone", Text),
                ("reason", Text),
                ("token_serial", TextNull),
                ("certificate_serial", TextNull),
                ("revocation_reason", IntNull),
                ("renewal_days", IntNull),
                ("confirmed_by", BigNull),
                ("confirmed_at", BigNull),
                ("confirmation", TextNull),
                ("sent_at", BigNull),
                ("due_date", TextNull),
                ("decided_by", BigNull),
                ("decided_at", BigNull),
                ("note", TextNull),
                ("issued_serial", TextNull),
                ("completed_at", BigNull),
                ("created_at", Big),
                ("updated_at", Big),
            ],
            &[
                ("agency_id", "agency"),
                ("subscriber_id", "person"),
                ("created_by", "person"),
                ("confirmed_by", "person"),
                ("decided_by", "person"),
            ],
        )
        .await?;
        index(m, "desk_request", &["agency_id", "state"], false).await?;
        index(m, "desk_request", &["state", "due_date"], false).await?;
        create(
            m,
            "desk_event",
            &[
                ("id", Id),
                ("request_id", Big),
                ("action", Text),
                ("from_state", Text),
                ("to_state", Text),
                ("person_id", Big),
                ("note", TextNull),
                ("at", Big),
            ],
            &[("request_id", "desk_request"), ("person_id", "person")],
        )
        .await?;
        index(m, "desk_event", &["request_id"], false).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("desk_holiday"))
                .col(
                    ColumnDef::new(Alias::new("day"))
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(column("kind", Text))
                .col(column("name", Text))
                .col(column("updated_by", Big))
                .col(column("updated_at", Big))
                .to_owned(),
        )
        .await?;
        create(
            m,
            "desk_device",
            &[
                ("id", Id),
                ("serial", Text),
                ("model", Text),
                ("module", Text),
                ("state", Text),
                ("agency_id", Big),
                ("holder_id", BigNull),
                ("certificate_serial", TextNull),
                ("return_due", TextNull),
                ("created_at", Big),
                ("updated_at", Big),
            ],
            &[("agency_id", "agency"), ("holder_id", "person")],
        )
        .await?;
        index(m, "desk_device", &["serial"], true).await?;
        create(
            m,
            "desk_handover",
            &[
                ("id", Id),
                ("device_id", Big),
                ("request_id", BigNull),
                ("kind", Text),
                ("method", Text),
                ("tracking_number", TextNull),
                ("handed_on", Text),
                ("from_party", Text),
                ("to_party", Text),
                ("note", TextNull),
                ("record_sha256", TextNull),
                ("created_by", Big),
                ("created_at", Big),
            ],
            &[
                ("device_id", "desk_device"),
                ("request_id", "desk_request"),
                ("created_by", "person"),
            ],
        )
        .await?;
        index(m, "desk_handover", &["device_id"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            drop_table(m, Alias::new(*t)).await?;
        }
        Ok(())
    }
}
