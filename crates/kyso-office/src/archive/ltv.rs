//! Long-term validity on a schedule (DESIGN §7, §11; R-ARCHIVE-ORIGINAL;
//! issue 13 §1).
//!
//! When a document is issued, its sealed file is extended to PAdES B-LT
//! and B-LTA with the office's own CA and TSA answering in process (no
//! network): the result is a new blob (file role `archive`) linked to the
//! issued file, which is never changed. Each issued document has a row in
//! `archive_renewal` saying when its last document time-stamp must be
//! renewed: `margin` before its TSA certificate expires, or at once when
//! its algorithm is refused (SHA-1, RSA under 2048 bits).
//!
//! [`Office::renew_due`] takes up to `batch` due rows, each under a lease
//! in the database (an `UPDATE … WHERE` the lease is free, which one
//! replica wins), adds fresh validation material and a new document
//! time-stamp to the current file as an incremental update, and records
//! the new blob, the row and an audit entry in one transaction per
//! document. A failure is recorded (attempts, error) and retried after a
//! back-off; a crash leaves a lease that runs out and is taken again.

use std::path::Path;

use kyso_sign::{ArchiveTimestamp, PadesLevel};
use kyso_store::office::document;
use kyso_store::renewal::archive_renewal::{self as renewal, DONE, DUE, FAILED};
use kyso_store::sea_orm::sea_query::{Expr, ExprTrait, Query};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use kyso_store::{AuditEvent, BlobRef};
use time::{Duration, OffsetDateTime};

use crate::actor::{Actor, Scope};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// The file role of a long-term (B-LTA) version of the issued file.
pub const ARCHIVE_ROLE: &str = "archive";
/// Default renewal margin before the TSA certificate expires.
pub const DEFAULT_MARGIN: Duration = Duration::days(365);
/// How long a replica holds a row it renews.
const LEASE: Duration = Duration::minutes(10);
/// A file just time-stamped is not renewed again sooner than this, even
/// when the TSA's own certificate is already within the margin (renewing
/// with the same certificate would gain nothing; the warning says why).
const MIN_INTERVAL: Duration = Duration::days(30);
/// Longest error text kept.
const MAX_ERROR: usize = 1000;
/// Who may read the schedule.
const READERS: &[Role] = &[Role::Head, Role::Auditor, Role::ItOfficer, Role::DeptAdmin];

/// A long-term file made from another.
pub(crate) struct Extended {
    blob: BlobRef,
    stamp: ArchiveTimestamp,
}

/// What one round of [`Office::renew_due`] did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RenewalRound {
    /// Documents renewed (their long-term file time-stamped again).
    pub renewed: Vec<i64>,
    /// Documents whose renewal failed, with the error.
    pub failed: Vec<(i64, String)>,
    /// Due rows another replica took first.
    pub skipped: usize,
}

/// One document on the schedule.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RenewalView {
    pub document_id: i64,
    /// `due`, `done` or `failed`.
    pub state: String,
    /// The issued file (never changed).
    pub original_sha256: String,
    /// The latest long-term file.
    pub current_sha256: String,
    /// When the last document time-stamp's TSA certificate expires.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub tsa_not_after: Option<OffsetDateTime>,
    pub tsa_algorithm: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_due: OffsetDateTime,
    pub attempts: i32,
    pub renewals: i32,
    /// Why the last attempt failed, or a warning on the last success.
    pub last_error: Option<String>,
}

/// The schedule in figures, and the rows needing attention.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ArchiveStatus {
    /// Rows waiting for a first or renewed time-stamp now.
    pub due: u64,
    /// Rows up to date (`next_due` in the future).
    pub done: u64,
    /// Rows whose last attempt failed.
    pub failed: u64,
    /// Rows coming due within the next 30 days.
    pub due_soon: u64,
    /// The failed rows and those due now (at most 100 each), oldest first.
    pub failed_rows: Vec<RenewalView>,
    pub due_rows: Vec<RenewalView>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub now: OffsetDateTime,
}

fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl From<renewal::Model> for RenewalView {
    fn from(m: renewal::Model) -> Self {
        RenewalView {
            document_id: m.document_id,
            state: m.state,
            original_sha256: m.original_sha256,
            current_sha256: m.current_sha256,
            tsa_not_after: m.tsa_not_after.map(at),
            tsa_algorithm: m.tsa_algorithm,
            next_due: at(m.next_due),
            attempts: m.attempts,
            renewals: m.renewals,
            last_error: m.last_error,
        }
    }
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_ERROR).collect()
}

/// When a file whose last time-stamp is `stamp`, made at `now`, is next
/// due, and a warning when it cannot be renewed usefully soon.
fn schedule(
    stamp: &ArchiveTimestamp,
    now: OffsetDateTime,
    margin: Duration,
    just_stamped: bool,
) -> (OffsetDateTime, Option<String>) {
    let mut due = stamp.not_after - margin;
    let mut warning = None;
    if !stamp.weak.is_empty() {
        due = now;
        warning = Some(format!(
            "thuật toán của dấu thời gian không còn được chấp nhận / the time-stamp's algorithm is refused: {}",
            stamp.weak.join(", ")
        ));
    } else if due <= now {
        warning = Some(format!(
            "chứng thư TSA hết hạn ngày {} (trong khoảng dự phòng); cần gia hạn chứng thư TSA / the TSA certificate expires on {} (within the margin); renew the TSA certificate",
            crate::document::metadata::iso_date(stamp.not_after.date()),
            crate::document::metadata::iso_date(stamp.not_after.date()),
        ));
    }
    if just_stamped && due < now + MIN_INTERVAL {
        due = now + MIN_INTERVAL;
    }
    (due, warning)
}

/// `u` also gives the row's lease back and stamps the change (the end of
/// every renewal attempt, successful or not).
fn released(
    u: kyso_store::sea_orm::UpdateMany<renewal::Entity>,
    now: OffsetDateTime,
) -> kyso_store::sea_orm::UpdateMany<renewal::Entity> {
    u.col_expr(
        renewal::Column::LeaseOwner,
        Expr::value(Option::<String>::None),
    )
    .col_expr(
        renewal::Column::LeaseUntil,
        Expr::value(Option::<i64>::None),
    )
    .col_expr(
        renewal::Column::UpdatedAt,
        Expr::value(now.unix_timestamp()),
    )
}

impl Office {
    /// Extends the signed PDF at `input` to B-LT then B-LTA with the
    /// office's CA and TSA in process, stores the result as a blob (not
    /// yet recorded) and reads its archive time-stamp.
    pub(crate) async fn extend_for_archive(&self, input: &Path) -> Result<Extended> {
        let out = input.with_extension("lta.pdf");
        let extra = self.ca_chain();
        let tsa_failed = |e: String| OfficeError::internal("archive time-stamp", e);
        let stamp = tokio::task::block_in_place(|| {
            let handle = tokio::runtime::Handle::current();
            let tsa = |req: &[u8]| -> std::result::Result<
                Vec<u8>,
                Box<dyn std::error::Error + Send + Sync>,
            > { Ok(handle.block_on(self.ca.tsa().respond(req)).to_vec()) };
            let fetch = |chain: &[x509_cert::Certificate]| self.local_evidence(chain);
            kyso_sign::extend(input, &out, PadesLevel::BLta, Some(&tsa), &fetch, &extra)
                .map_err(|e| tsa_failed(e.to_string()))?;
            kyso_sign::last_document_timestamp(&out)
                .map_err(|e| tsa_failed(e.to_string()))?
                .ok_or_else(|| tsa_failed("no document time-stamp was added".into()))
        })?;
        let blob = self.blobs.put_file(&out).await?;
        let _ = tokio::fs::remove_file(&out).await;
        Ok(Extended { blob, stamp })
    }

    /// Extends the issued file at `path` for the archive; the outcome is
    /// recorded by [`record_issue_extension`] in the issue's transaction.
    pub(crate) async fn extend_issued(&self, path: &Path) -> std::result::Result<Extended, String> {
        self.extend_for_archive(path).await.map_err(|e| {
            tracing::warn!("extending an issued file for the archive failed: {e}");
            e.to_string()
        })
    }

    /// Up to `batch` documents due for renewal at the office's clock,
    /// each renewed under a lease; `margin` before the TSA certificate's
    /// expiry is when a file falls due.
    pub async fn renew_due(&self, margin: Duration, batch: u64) -> Result<RenewalRound> {
        let now = self.now();
        let t = now.unix_timestamp();
        let db = self.store.connection();
        let free = || {
            renewal::Column::LeaseUntil
                .is_null()
                .or(renewal::Column::LeaseUntil.lt(t))
        };
        let rows = renewal::Entity::find()
            .filter(renewal::Column::NextDue.lte(t))
            .filter(free())
            .order_by_asc(renewal::Column::NextDue)
            .order_by_asc(renewal::Column::DocumentId)
            .limit(batch)
            .all(db)
            .await?;
        let mut owner = [0u8; 12];
        kyso_crypto::random_bytes(&mut owner).map_err(|e| OfficeError::internal("lease", e))?;
        let owner = hex::encode(owner);
        let mut round = RenewalRound::default();
        for r in rows {
            // The lease: only if the row is still due, unchanged and free.
            let taken = renewal::Entity::update_many()
                .col_expr(renewal::Column::LeaseOwner, Expr::value(owner.clone()))
                .col_expr(
                    renewal::Column::LeaseUntil,
                    Expr::value((now + LEASE).unix_timestamp()),
                )
                .filter(renewal::Column::DocumentId.eq(r.document_id))
                .filter(renewal::Column::CurrentSha256.eq(r.current_sha256.clone()))
                .filter(renewal::Column::NextDue.lte(t))
                .filter(free())
                .exec(db)
                .await?;
            if taken.rows_affected != 1 {
                round.skipped += 1;
                continue;
            }
            match self.renew_one(&r, &owner, margin).await {
                Ok(()) => round.renewed.push(r.document_id),
                Err(e) => {
                    let msg = clip(&e.to_string());
                    tracing::warn!(
                        "archive renewal of document {} failed: {msg}",
                        r.document_id
                    );
                    self.record_failure(&r, &owner, &msg).await?;
                    round.failed.push((r.document_id, msg));
                }
            }
        }
        Ok(round)
    }

    /// Renews the leased row `r`: a fresh B-LTA update of its current
    /// file, recorded with the row and the audit in one transaction.
    async fn renew_one(&self, r: &renewal::Model, owner: &str, margin: Duration) -> Result<()> {
        let dir = self.work_dir()?;
        let input = dir.path().join("current.pdf");
        self.blobs.get_to_file(&r.current_sha256, &input).await?;
        let ext = self.extend_for_archive(&input).await?;
        drop(dir);
        let now = self.now();
        let (due, warning) = schedule(&ext.stamp, now, margin, true);
        let first = r.current_sha256 == r.original_sha256;
        self.store
            .write(async |tx| {
                kyso_store::record_blob(
                    tx,
                    &ext.blob,
                    "application/pdf",
                    Some(&r.current_sha256),
                    now,
                )
                .await?;
                crate::document::draft::insert_file(
                    tx,
                    r.document_id,
                    ARCHIVE_ROLE,
                    "luu-tru-dai-han.pdf",
                    &ext.blob.sha256,
                    Some(&r.current_sha256),
                    None,
                    now,
                )
                .await?;
                let done = released(renewal::Entity::update_many(), now)
                    .col_expr(
                        renewal::Column::CurrentSha256,
                        Expr::value(ext.blob.sha256.clone()),
                    )
                    .col_expr(
                        renewal::Column::TsaNotAfter,
                        Expr::value(ext.stamp.not_after.unix_timestamp()),
                    )
                    .col_expr(
                        renewal::Column::TsaAlgorithm,
                        Expr::value(ext.stamp.algorithm.clone()),
                    )
                    .col_expr(renewal::Column::NextDue, Expr::value(due.unix_timestamp()))
                    .col_expr(renewal::Column::State, Expr::value(DONE))
                    .col_expr(renewal::Column::Attempts, Expr::value(0))
                    .col_expr(
                        renewal::Column::Renewals,
                        Expr::col(renewal::Column::Renewals).add(if first { 0 } else { 1 }),
                    )
                    .col_expr(renewal::Column::LastError, Expr::value(warning.clone()))
                    .filter(renewal::Column::DocumentId.eq(r.document_id))
                    .filter(renewal::Column::LeaseOwner.eq(owner))
                    .filter(renewal::Column::CurrentSha256.eq(r.current_sha256.clone()))
                    .exec(tx)
                    .await?;
                if done.rows_affected != 1 {
                    return Err(OfficeError::conflict(
                        "lease-lost",
                        "hết thời hạn giữ việc gia hạn; một máy khác đã nhận",
                        "the renewal's lease ran out and another replica took it",
                    ));
                }
                let agency_id = document::Entity::find_by_id(r.document_id)
                    .one(tx)
                    .await?
                    .map(|d| d.agency_id);
                system_audit(
                    tx,
                    if first {
                        "archive.extend"
                    } else {
                        "archive.renew"
                    },
                    r.document_id,
                    agency_id,
                    Some(ext.blob.sha256.clone()),
                    format!(
                        "B-LTA from {}; TSA certificate until {}; next due {}{}",
                        r.current_sha256,
                        iso(ext.stamp.not_after),
                        iso(due),
                        warning
                            .as_deref()
                            .map(|w| format!("; {w}"))
                            .unwrap_or_default()
                    ),
                    now,
                )
                .await
            })
            .await
    }

    /// Records a failed attempt on the leased row `r`: retried after a
    /// back-off (5 minutes, doubling, at most a day).
    async fn record_failure(&self, r: &renewal::Model, owner: &str, msg: &str) -> Result<()> {
        let now = self.now();
        let attempts = r.attempts + 1;
        let wait = Ord::min(300i64 << Ord::min(attempts - 1, 10), 86_400);
        self.store
            .write(async |tx| {
                let n = released(renewal::Entity::update_many(), now)
                    .col_expr(renewal::Column::State, Expr::value(FAILED))
                    .col_expr(renewal::Column::Attempts, Expr::value(attempts))
                    .col_expr(renewal::Column::LastError, Expr::value(msg.to_string()))
                    .col_expr(
                        renewal::Column::NextDue,
                        Expr::value(now.unix_timestamp() + wait),
                    )
                    .filter(renewal::Column::DocumentId.eq(r.document_id))
                    .filter(renewal::Column::LeaseOwner.eq(owner))
                    .exec(tx)
                    .await?;
                if n.rows_affected != 1 {
                    return Ok(());
                }
                let agency_id = document::Entity::find_by_id(r.document_id)
                    .one(tx)
                    .await?
                    .map(|d| d.agency_id);
                system_audit(
                    tx,
                    "archive.renew_failed",
                    r.document_id,
                    agency_id,
                    None,
                    format!("attempt {attempts}: {msg}"),
                    now,
                )
                .await
            })
            .await
    }

    /// The schedule as `actor` may see it: agency `agency_id`'s documents
    /// for its head, auditor or IT officer; any agency's, or every
    /// agency's without `agency_id`, for the department administrator.
    pub async fn archive_status(
        &self,
        actor: &Actor,
        agency_id: Option<i64>,
    ) -> Result<ArchiveStatus> {
        self.guard(actor, "archive.status", async || {
            actor.require_scope(Scope::Read)?;
            if !actor.has_anywhere(Role::DeptAdmin) {
                let agency = agency_id.ok_or_else(|| {
                    OfficeError::forbidden(
                        "chọn cơ quan để xem lịch lưu trữ dài hạn",
                        "choose an agency to read its long-term archive schedule",
                    )
                })?;
                actor.require_any(READERS, agency)?;
            }
            self.schedule_status(agency_id.map(|a| vec![a])).await
        })
        .await
    }

    /// The whole schedule (the `kyso archive status` command, run by the
    /// operator on the server).
    pub async fn archive_status_all(&self) -> Result<ArchiveStatus> {
        self.schedule_status(None).await
    }

    async fn schedule_status(&self, agencies: Option<Vec<i64>>) -> Result<ArchiveStatus> {
        let db = self.store.connection();
        let now = self.now();
        let t = now.unix_timestamp();
        let scoped = || {
            let q = renewal::Entity::find();
            match &agencies {
                None => q,
                Some(ids) => q.filter(
                    renewal::Column::DocumentId.in_subquery(
                        Query::select()
                            .column(document::Column::Id)
                            .from(document::Entity)
                            .and_where(document::Column::AgencyId.is_in(ids.clone()))
                            .to_owned(),
                    ),
                ),
            }
        };
        let failed = scoped()
            .filter(renewal::Column::State.eq(FAILED))
            .count(db)
            .await?;
        let due = scoped()
            .filter(renewal::Column::State.ne(FAILED))
            .filter(renewal::Column::NextDue.lte(t))
            .count(db)
            .await?;
        let done = scoped()
            .filter(renewal::Column::State.ne(FAILED))
            .filter(renewal::Column::NextDue.gt(t))
            .count(db)
            .await?;
        let due_soon = scoped()
            .filter(renewal::Column::NextDue.gt(t))
            .filter(renewal::Column::NextDue.lte(t + Duration::days(30).whole_seconds()))
            .count(db)
            .await?;
        let failed_rows = scoped()
            .filter(renewal::Column::State.eq(FAILED))
            .order_by_asc(renewal::Column::UpdatedAt)
            .limit(100)
            .all(db)
            .await?;
        let due_rows = scoped()
            .filter(renewal::Column::State.ne(FAILED))
            .filter(renewal::Column::NextDue.lte(t))
            .order_by_asc(renewal::Column::NextDue)
            .limit(100)
            .all(db)
            .await?;
        Ok(ArchiveStatus {
            due,
            done,
            failed,
            due_soon,
            failed_rows: failed_rows.into_iter().map(Into::into).collect(),
            due_rows: due_rows.into_iter().map(Into::into).collect(),
            now,
        })
    }

    /// Puts every issued document without a schedule row on the schedule,
    /// due now (documents issued before long-term extension existed).
    pub async fn schedule_unscheduled(&self) -> Result<usize> {
        let db = self.store.connection();
        let docs = document::Entity::find()
            .filter(document::Column::IssuedAt.is_not_null())
            .filter(
                document::Column::Id.not_in_subquery(
                    Query::select()
                        .column(renewal::Column::DocumentId)
                        .from(renewal::Entity)
                        .to_owned(),
                ),
            )
            .limit(1000)
            .all(db)
            .await?;
        let mut n = 0;
        for d in docs {
            let Ok(sealed) = self.latest_file(db, d.id, &["sealed"]).await else {
                continue;
            };
            let now = self.now();
            let added = self
                .store
                .write(async |tx| {
                    if renewal::Entity::find_by_id(d.id).one(tx).await?.is_some() {
                        return Ok::<_, OfficeError>(false);
                    }
                    insert_row(tx, d.id, &sealed.blob_sha256, None, now, now, None).await?;
                    Ok(true)
                })
                .await?;
            n += usize::from(added);
        }
        Ok(n)
    }
}

/// Records, in the issue's transaction `tx`, the long-term extension of
/// document `doc_id`'s issued file `original`: the new blob and file and
/// the schedule row; when the extension failed, the row is due now so
/// that the next renewal round retries it.
pub(crate) async fn record_issue_extension(
    tx: &DatabaseTransaction,
    doc_id: i64,
    original: &str,
    ext: &std::result::Result<Extended, String>,
    margin: Duration,
    now: OffsetDateTime,
) -> Result<()> {
    match ext {
        Ok(e) => {
            kyso_store::record_blob(tx, &e.blob, "application/pdf", Some(original), now).await?;
            crate::document::draft::insert_file(
                tx,
                doc_id,
                ARCHIVE_ROLE,
                "luu-tru-dai-han.pdf",
                &e.blob.sha256,
                Some(original),
                None,
                now,
            )
            .await?;
            let (due, warning) = schedule(&e.stamp, now, margin, false);
            insert_row(tx, doc_id, original, Some(e), due, now, warning).await
        }
        Err(msg) => insert_row(tx, doc_id, original, None, now, now, Some(clip(msg))).await,
    }
}

async fn insert_row(
    tx: &impl ConnectionTrait,
    doc_id: i64,
    original: &str,
    ext: Option<&Extended>,
    due: OffsetDateTime,
    now: OffsetDateTime,
    note: Option<String>,
) -> Result<()> {
    renewal::ActiveModel {
        document_id: Set(doc_id),
        original_sha256: Set(original.into()),
        current_sha256: Set(ext.map_or(original.into(), |e| e.blob.sha256.clone())),
        tsa_not_after: Set(ext.map(|e| e.stamp.not_after.unix_timestamp())),
        tsa_algorithm: Set(ext.map(|e| e.stamp.algorithm.clone())),
        next_due: Set(due.unix_timestamp()),
        state: Set(if ext.is_some() { DONE } else { DUE }.into()),
        attempts: Set(0),
        renewals: Set(0),
        last_error: Set(note),
        lease_owner: Set(None),
        lease_until: Set(None),
        updated_at: Set(now.unix_timestamp()),
    }
    .insert(tx)
    .await?;
    Ok(())
}

fn iso(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn system_audit(
    tx: &DatabaseTransaction,
    action: &str,
    doc_id: i64,
    agency_id: Option<i64>,
    sha256: Option<String>,
    detail: String,
    now: OffsetDateTime,
) -> Result<()> {
    crate::audit::record_event(
        tx,
        AuditEvent {
            actor: "system".into(),
            action: action.into(),
            object_kind: "document".into(),
            object_id: doc_id.to_string(),
            object_sha256: sha256,
            agency_id,
            detail: Some(detail),
            ..Default::default()
        },
        now,
    )
    .await
}
