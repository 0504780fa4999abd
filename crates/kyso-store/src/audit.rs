//! The hash-chained audit log (DESIGN §9): every action of the office
//! appends one entry, in the transaction of the action, whose hash covers
//! its fields and the hash of the entry before it. Editing or deleting a
//! row breaks the chain at that row; [`Store::verify_audit_chain`] names
//! the first broken entry. The chain head is time-stamped periodically
//! ([`Store::add_audit_anchor`]; the caller holds the TSA).
//!
//! Appends are serialised by the single `audit_head` row: locked with
//! `SELECT … FOR UPDATE` on PostgreSQL, and by the write lock that every
//! write transaction takes at `BEGIN IMMEDIATE` on SQLite.

use sea_orm::sea_query::{Alias, Expr, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use sea_orm_migration::prelude::*;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::entity::{audit_anchor, audit_entry, audit_head};
use crate::migration::drop_table;
use crate::timestamp::{from_db, to_db};
use crate::{Store, StoreError};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, by whom (before it is chained).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEvent {
    /// The person who acted (`None`: the system or an anonymous caller).
    pub person_id: Option<i64>,
    /// Their login name, or `system`, `anonymous`.
    pub actor: String,
    /// The role they acted in.
    pub role: Option<String>,
    /// The agency they acted for.
    pub agency_id: Option<i64>,
    /// What was done: `document.issue`, `login.failed`, `access.denied`, …
    pub action: String,
    /// What it was done to: `document`, `delivery`, `person`, …
    pub object_kind: String,
    pub object_id: String,
    /// SHA-256 (hex) of the object's content when it has one (a file).
    pub object_sha256: Option<String>,
    /// The HTTP request id, to match server logs.
    pub request_id: Option<String>,
    /// A short free text (a reason, the new state).
    pub detail: Option<String>,
}

/// One chained entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// A time-stamp over the chain head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    /// The RFC 3161 TimeStampToken (CMS SignedData, DER) over the SHA-256
    /// of the entry hash's bytes (hex decoded).
    pub token_der: Vec<u8>,
    pub at: OffsetDateTime,
}

/// Where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditBreak {
    /// The first entry that does not verify (or is missing).
    pub seq: i64,
    pub reason: String,
}

/// The result of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditCheck {
    /// Entries checked.
    pub entries: i64,
    /// The head (last seq and hash) as recorded.
    pub head_seq: i64,
    pub head_hash: String,
    /// `None` when unbroken.
    pub broken: Option<AuditBreak>,
}

/// The hash of an entry: SHA-256 over the JSON array of its fields in a
/// fixed order, with a version tag.
pub fn entry_hash(seq: i64, at: i64, e: &AuditEvent, prev_hash: &str) -> String {
    let fields = serde_json::json!([
        "kyso-audit/1",
        seq,
        at,
        e.person_id,
        e.actor,
        e.role,
        e.agency_id,
        e.action,
        e.object_kind,
        e.object_id,
        e.object_sha256,
        e.request_id,
        e.detail,
        prev_hash,
    ]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

impl TryFrom<audit_entry::Model> for AuditEntry {
    type Error = StoreError;
    fn try_from(m: audit_entry::Model) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            seq: m.seq,
            at: from_db(m.at)?,
            event: AuditEvent {
                person_id: m.person_id,
                actor: m.actor,
                role: m.role,
                agency_id: m.agency_id,
                action: m.action,
                object_kind: m.object_kind,
                object_id: m.object_id,
                object_sha256: m.object_sha256,
                request_id: m.request_id,
                detail: m.detail,
            },
            prev_hash: m.prev_hash,
            hash: m.hash,
        })
    }
}

/// Appends `event` at `at` to the chain, inside the caller's transaction
/// `tx`: it commits or rolls back with the action it records.
pub async fn append_audit(
    tx: &impl ConnectionTrait,
    event: &AuditEvent,
    at: OffsetDateTime,
) -> Result<AuditEntry, StoreError> {
    let mut q = Query::select();
    q.columns([Alias::new("seq"), Alias::new("hash")])
        .from(Alias::new("audit_head"))
        .and_where(Expr::col(Alias::new("id")).eq(1));
    if tx.get_database_backend() == DbBackend::Postgres {
        q.lock(LockType::Update);
    }
    let row = tx
        .query_one(&q)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".into()))?;
    let prev_seq: i64 = row.try_get("", "seq")?;
    let prev_hash: String = row.try_get("", "hash")?;
    let seq = prev_seq + 1;
    let at_db = to_db(at);
    let hash = entry_hash(seq, at_db, event, &prev_hash);
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        seq: Set(seq),
        at: Set(at_db),
        person_id: Set(event.person_id),
        actor: Set(event.actor.clone()),
        role: Set(event.role.clone()),
        agency_id: Set(event.agency_id),
        action: Set(event.action.clone()),
        object_kind: Set(event.object_kind.clone()),
        object_id: Set(event.object_id.clone()),
        object_sha256: Set(event.object_sha256.clone()),
        request_id: Set(event.request_id.clone()),
        detail: Set(event.detail.clone()),
        prev_hash: Set(prev_hash.clone()),
        hash: Set(hash.clone()),
    })
    .exec_without_returning(tx)
    .await?;
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Seq, Expr::value(seq))
        .col_expr(audit_head::Column::Hash, Expr::value(hash.clone()))
        .filter(audit_head::Column::Id.eq(1))
        .exec(tx)
        .await?;
    Ok(AuditEntry {
        seq,
        at: from_db(at_db)?,
        event: event.clone(),
        prev_hash,
        hash,
    })
}

/// Filter for [`Store::audit_entries`].
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub agency_id: Option<i64>,
    pub person_id: Option<i64>,
    pub action_prefix: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Entries with `seq` below this (paging backwards), newest first.
    pub before_seq: Option<i64>,
    pub limit: u64,
}

/// Entries read per query while verifying.
const VERIFY_PAGE: u64 = 2_000;

impl Store {
    /// The current head: last seq and hash.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        let h = audit_head::Entity::find_by_id(1)
            .one(self.connection())
            .await?
            .ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".into()))?;
        Ok((h.seq, h.hash))
    }

    /// Entries matching `f`, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut q = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Seq);
        if let Some(a) = f.agency_id {
            q = q.filter(audit_entry::Column::AgencyId.eq(a));
        }
        if let Some(p) = f.person_id {
            q = q.filter(audit_entry::Column::PersonId.eq(p));
        }
        if let Some(a) = &f.action_prefix {
            q = q.filter(audit_entry::Column::Action.starts_with(a.as_str()));
        }
        if let Some(k) = &f.object_kind {
            q = q.filter(audit_entry::Column::ObjectKind.eq(k.as_str()));
        }
        if let Some(i) = &f.object_id {
            q = q.filter(audit_entry::Column::ObjectId.eq(i.as_str()));
        }
        if let Some(t) = f.since {
            q = q.filter(audit_entry::Column::At.gte(to_db(t)));
        }
        if let Some(t) = f.until {
            q = q.filter(audit_entry::Column::At.lt(to_db(t)));
        }
        if let Some(s) = f.before_seq {
            q = q.filter(audit_entry::Column::Seq.lt(s));
        }
        let limit = if f.limit == 0 {
            100
        } else {
            Ord::min(f.limit, 1_000)
        };
        q.limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(AuditEntry::try_from)
            .collect()
    }

    /// Recomputes every entry's hash and link from the first one and
    /// compares the head: the first entry that was edited, deleted or
    /// inserted out of the chain is named.
    pub async fn verify_audit_chain(&self) -> Result<AuditCheck, StoreError> {
        let (head_seq, head_hash) = self.audit_head().await?;
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_string();
        let mut entries = 0i64;
        let broken = 'walk: loop {
            let page = audit_entry::Entity::find()
                .filter(audit_entry::Column::Seq.gte(expected_seq))
                .order_by_asc(audit_entry::Column::Seq)
                .limit(VERIFY_PAGE)
                .all(self.connection())
                .await?;
            if page.is_empty() {
                break None;
            }
            for m in page {
                if m.seq != expected_seq {
                    break 'walk Some(AuditBreak {
                        seq: expected_seq,
                        reason: format!(
                            "mục {expected_seq} bị thiếu (đã xóa) / entry {expected_seq} is missing (deleted)"
                        ),
                    });
                }
                if m.prev_hash != prev {
                    break 'walk Some(AuditBreak {
                        seq: m.seq,
                        reason: format!(
                            "mục {} không nối với mục trước / entry {} does not link to the entry before it",
                            m.seq, m.seq
                        ),
                    });
                }
                let e = AuditEntry::try_from(m.clone())?;
                let h = entry_hash(m.seq, m.at, &e.event, &m.prev_hash);
                if h != m.hash {
                    break 'walk Some(AuditBreak {
                        seq: m.seq,
                        reason: format!(
                            "mục {} đã bị sửa (băm không khớp) / entry {} was altered (hash mismatch)",
                            m.seq, m.seq
                        ),
                    });
                }
                prev = m.hash;
                entries += 1;
                expected_seq += 1;
            }
        };
        let broken = broken.or_else(|| {
            if expected_seq - 1 != head_seq {
                Some(AuditBreak {
                    seq: Ord::max(Ord::min(expected_seq, head_seq + 1), 1),
                    reason: format!(
                        "đầu chuỗi ghi số {head_seq} nhưng có {} mục / the head records {head_seq} entries but {} were found",
                        expected_seq - 1,
                        expected_seq - 1
                    ),
                })
            } else if prev != head_hash && head_seq > 0 {
                Some(AuditBreak {
                    seq: head_seq,
                    reason: "băm đầu chuỗi không khớp / the head hash does not match the last entry"
                        .into(),
                })
            } else {
                None
            }
        });
        Ok(AuditCheck {
            entries,
            head_seq,
            head_hash,
            broken,
        })
    }

    /// Records a time-stamp over the entry `seq` whose hash is `hash`.
    pub async fn add_audit_anchor(&self, a: &AuditAnchor) -> Result<(), StoreError> {
        audit_anchor::Entity::insert(audit_anchor::ActiveModel {
            seq: Set(a.seq),
            hash: Set(a.hash.clone()),
            token_der: Set(a.token_der.clone()),
            at: Set(to_db(a.at)),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(self.connection())
        .await?;
        Ok(())
    }

    /// Every anchor, oldest first.
    pub async fn audit_anchors(&self) -> Result<Vec<AuditAnchor>, StoreError> {
        audit_anchor::Entity::find()
            .order_by_asc(audit_anchor::Column::Seq)
            .all(self.connection())
            .await?
            .into_iter()
            .map(|m| {
                Ok(AuditAnchor {
                    seq: m.seq,
                    hash: m.hash,
                    token_der: m.token_der,
                    at: from_db(m.at)?,
                })
            })
            .collect()
    }

    /// The hash recorded for entry `seq`.
    pub async fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        audit_entry::Entity::find_by_id(seq)
            .one(self.connection())
            .await?
            .map(AuditEntry::try_from)
            .transpose()
    }
}

/// Migration `m0006_audit`: `audit_entry`, `audit_head` (one row),
/// `audit_anchor`.
pub(crate) struct M0006Audit;

impl MigrationName for M0006Audit {
    fn name(&self) -> &str {
        "m0006_audit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0006Audit {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let c = |n: &str| ColumnDef::new(Alias::new(n));
        m.create_table(
            Table::create()
                .table(Alias::new("audit_entry"))
                .col(c("seq").big_integer().not_null().primary_key())
                .col(c("at").big_integer().not_null())
                .col(c("person_id").big_integer().null())
                .col(c("actor").text().not_null())
                .col(c("role").text().null())
                .col(c("agency_id").big_integer().null())
                .col(c("action").text().not_null())
                .col(c("object_kind").text().not_null())
                .col(c("object_id").text().not_null())
                .col(c("object_sha256").text().null())
                .col(c("request_id").text().null())
                .col(c("detail").text().null())
                .col(c("prev_hash").text().not_null())
                .col(c("hash").text().not_null())
                .to_owned(),
        )
        .await?;
        for cols in [["agency_id", "seq"], ["object_kind", "object_id"]] {
            let mut i = Index::create();
            i.name(format!("idx_audit_entry_{}", cols.join("_")))
                .table(Alias::new("audit_entry"));
            for col in cols {
                i.col(Alias::new(col));
            }
            m.create_index(i.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(Alias::new("audit_head"))
                .col(c("id").integer().not_null().primary_key())
                .col(c("seq").big_integer().not_null())
                .col(c("hash").text().not_null())
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"
            ))
            .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("audit_anchor"))
                .col(c("seq").big_integer().not_null().primary_key())
                .col(c("hash").text().not_null())
                .col(c("token_der").blob().not_null())
                .col(c("at").big_integer().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_anchor", "audit_head", "audit_entry"] {
            drop_table(m, Alias::new(t)).await?;
        }
        Ok(())
    }
}
