//! E-mail notices of the certificate desk (issue 12 §7): to the subscriber
//! and the managing organization 30, 14 and 3 days before a certificate
//! the desk issued expires, on every state change of their request, and
//! when a request sent to the CA or department passes its deadline
//! (counted in working days by [`super::calendar`]).
//!
//! Nothing is sent twice: each notice due is first inserted into
//! `desk_notice` under its unique key (what, about which, which
//! threshold) — a second replica's insert of the same notice does
//! nothing — and sent only by the replica that takes its lease. A notice
//! that could not be sent is `failed` and retried; without an SMTP server
//! configured it stays `pending` with the reason, and is listed.

use std::collections::HashMap;

use kyso_store::desk::{desk_event, desk_notice, desk_request};
use kyso_store::office::agency;
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use kyso_store::{AuditEvent, CertificateStatus};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::calendar::{iso_day, parse_day};
use super::kind::RequestKind;
use super::state::State;
use super::view::AGENCY_READERS;
use crate::actor::Actor;
use crate::clock::vietnam_date;
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Days before expiry at which the subscriber is warned.
pub const EXPIRY_THRESHOLDS: [i64; 3] = [30, 14, 3];

/// State changes older than this are history, not news (seconds).
const STATE_NEWS: i64 = 7 * 86_400;

/// How long a replica holds a notice while sending it (seconds).
const LEASE: i64 = 120;

/// Attempts before a failed notice is left for a person to look at.
pub const MAX_ATTEMPTS: i32 = 10;

/// Why a notice is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A certificate expires within 30, 14 or 3 days.
    Expiry,
    /// A request changed state.
    State,
    /// A request is past its deadline.
    Overdue,
}

impl NoticeKind {
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Expiry => "expiry",
            NoticeKind::State => "state",
            NoticeKind::Overdue => "overdue",
        }
    }
    fn parse(s: &str) -> Result<NoticeKind> {
        [NoticeKind::Expiry, NoticeKind::State, NoticeKind::Overdue]
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| OfficeError::internal("desk notice", format!("unknown kind {s}")))
    }
}

/// Where a notice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Not sent yet (or no SMTP server configured: see `last_error`).
    Pending,
    Sent,
    /// The last attempt failed; retried up to [`MAX_ATTEMPTS`] times.
    Failed,
}

impl NoticeState {
    pub fn code(self) -> &'static str {
        match self {
            NoticeState::Pending => "pending",
            NoticeState::Sent => "sent",
            NoticeState::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Result<NoticeState> {
        [NoticeState::Pending, NoticeState::Sent, NoticeState::Failed]
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| OfficeError::internal("desk notice", format!("unknown state {s}")))
    }
}

/// One notice of the log, as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub kind: NoticeKind,
    /// The certificate's serial or the request's id.
    pub subject_ref: String,
    /// Days before expiry, history row, or missed due date (`YYYYMMDD`).
    pub threshold: i64,
    pub request_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub state: NoticeState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// What one round of the notice job did.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct NoticeRun {
    /// Notices newly found due and logged.
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
    /// Left pending because no SMTP server is configured.
    pub unsent_no_smtp: usize,
}

/// A notice found due, before it is logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DueNotice {
    pub kind: NoticeKind,
    pub subject_ref: String,
    pub threshold: i64,
    pub request_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// The expiry threshold a certificate with `days_left` days left has
/// reached: the smallest of 30, 14, 3 not below `days_left` (a job that
/// did not run for a week sends the latest warning, not all of them).
pub fn expiry_threshold(days_left: i64) -> Option<i64> {
    if days_left < 0 {
        return None;
    }
    EXPIRY_THRESHOLDS
        .iter()
        .copied()
        .filter(|t| days_left <= *t)
        .min()
}

fn vn_date(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// Distinct, non-empty addresses that parse as mailboxes.
fn recipients(addrs: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in addrs {
        let a = a.trim();
        if a.is_empty() || a.parse::<lettre::Address>().is_err() {
            continue;
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.to_string());
        }
    }
    out
}

fn kind_name(k: &str) -> (String, String) {
    RequestKind::parse(k)
        .map(|k| (k.name_vi().to_string(), k.code().replace('_', " ")))
        .unwrap_or_else(|_| (k.to_string(), k.to_string()))
}

impl Office {
    /// Every notice due at the office's clock (logged or not).
    pub(crate) async fn due_notices(&self, db: &impl ConnectionTrait) -> Result<Vec<DueNotice>> {
        let now = self.now();
        let today = vietnam_date(now);
        let agencies: HashMap<i64, agency::Model> = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let agency_of = |id: i64| agencies.get(&id);
        let mut out = Vec::new();

        // Expiry of the certificates the desk issued and nothing replaced.
        let issued = desk_request::Entity::find()
            .filter(desk_request::Column::IssuedSerial.is_not_null())
            .order_by_asc(desk_request::Column::Id)
            .all(db)
            .await?;
        let replaced: Vec<String> = issued
            .iter()
            .filter(|r| matches!(r.kind.as_str(), "renew" | "change"))
            .filter_map(|r| r.certificate_serial.clone())
            .collect();
        for r in &issued {
            let Some(serial) = r.issued_serial.as_deref() else {
                continue;
            };
            if replaced.iter().any(|s| s.eq_ignore_ascii_case(serial)) {
                continue;
            }
            let Some(c) = self.ca.store().certificate(serial).await? else {
                continue;
            };
            if c.status != CertificateStatus::Valid {
                continue;
            }
            let end = vietnam_date(c.not_after);
            let days_left = (end - today).whole_days();
            let Some(t) = expiry_threshold(days_left) else {
                continue;
            };
            let a = agency_of(r.agency_id);
            let agency_name = a.map(|a| a.name.as_str()).unwrap_or("");
            out.push(DueNotice {
                kind: NoticeKind::Expiry,
                subject_ref: c.serial_hex.clone(),
                threshold: t,
                request_id: Some(r.id),
                agency_id: Some(r.agency_id),
                recipients: recipients(&[
                    c.subject_email.as_deref().unwrap_or(&r.email),
                    &r.email,
                    a.map(|a| a.email.as_str()).unwrap_or(""),
                ]),
                subject: format!(
                    "[kyso] Chứng thư số sắp hết hạn sau {days_left} ngày / \
                     Certificate expires in {days_left} days"
                ),
                body: format!(
                    "Kính gửi {name},\n\n\
                     Chứng thư số của {name} (số hiệu {serial}, cấp theo yêu cầu số {id}) \
                     hết hạn vào ngày {end_vn}, còn {days_left} ngày. \
                     Đề nghị lập yêu cầu gia hạn qua cơ quan quản lý ({agency_name}).\n\n\
                     The certificate of {name} (serial {serial}, request {id}) expires on \
                     {end_iso}, in {days_left} days; please request a renewal through the \
                     managing organization.\n",
                    name = r.full_name,
                    serial = c.serial_hex,
                    id = r.id,
                    end_vn = vn_date(end),
                    end_iso = iso_day(end),
                ),
            });
        }

        // State changes of the last days.
        let events = desk_event::Entity::find()
            .filter(desk_event::Column::At.gte(now.unix_timestamp() - STATE_NEWS))
            .order_by_asc(desk_event::Column::Id)
            .all(db)
            .await?;
        let mut requests: HashMap<i64, desk_request::Model> = HashMap::new();
        for e in events {
            if !requests.contains_key(&e.request_id) {
                if let Some(r) = desk_request::Entity::find_by_id(e.request_id)
                    .one(db)
                    .await?
                {
                    requests.insert(r.id, r);
                }
            }
            let Some(r) = requests.get(&e.request_id) else {
                continue;
            };
            let to = State::parse(&e.to_state)?;
            let (kvi, ken) = kind_name(&r.kind);
            let note = e
                .note
                .as_deref()
                .map(|n| format!("\nGhi chú / Note: {n}\n"))
                .unwrap_or_default();
            out.push(DueNotice {
                kind: NoticeKind::State,
                subject_ref: r.id.to_string(),
                threshold: e.id,
                request_id: Some(r.id),
                agency_id: Some(r.agency_id),
                recipients: recipients(&[
                    &r.email,
                    agency_of(r.agency_id)
                        .map(|a| a.email.as_str())
                        .unwrap_or(""),
                ]),
                subject: format!(
                    "[kyso] Yêu cầu số {id}: {vi} / Request {id}: {en}",
                    id = r.id,
                    vi = to.name_vi(),
                    en = to.name_en()
                ),
                body: format!(
                    "Yêu cầu số {id} ({kvi}) của {name} nay ở trạng thái \"{vi}\" ({at}).\n{note}\n\
                     Request {id} ({ken}) of {name} is now {en} ({at}).\n",
                    id = r.id,
                    name = r.full_name,
                    vi = to.name_vi(),
                    en = to.name_en(),
                    at = iso(e.at),
                ),
            });
        }

        // Requests sent and not decided by their last day.
        let overdue = desk_request::Entity::find()
            .filter(desk_request::Column::State.eq(State::Sent.code()))
            .filter(desk_request::Column::DueDate.lt(iso_day(today)))
            .order_by_asc(desk_request::Column::Id)
            .all(db)
            .await?;
        for r in overdue {
            let Some(due) = r.due_date.as_deref() else {
                continue;
            };
            let d = parse_day(due)?;
            let (kvi, ken) = kind_name(&r.kind);
            out.push(DueNotice {
                kind: NoticeKind::Overdue,
                subject_ref: r.id.to_string(),
                threshold: i64::from(d.year()) * 10_000
                    + i64::from(u8::from(d.month())) * 100
                    + i64::from(d.day()),
                request_id: Some(r.id),
                agency_id: Some(r.agency_id),
                recipients: recipients(&[
                    &r.email,
                    agency_of(r.agency_id)
                        .map(|a| a.email.as_str())
                        .unwrap_or(""),
                ]),
                subject: format!(
                    "[kyso] Yêu cầu số {id} quá hạn xử lý / Request {id} is overdue",
                    id = r.id
                ),
                body: format!(
                    "Yêu cầu số {id} ({kvi}) của {name} phải được giải quyết chậm nhất ngày \
                     {due_vn} nhưng đến nay vẫn chưa có quyết định.\n\n\
                     Request {id} ({ken}) of {name} was due for a decision by {due} and is \
                     still open.\n",
                    id = r.id,
                    name = r.full_name,
                    due_vn = vn_date(d),
                ),
            });
        }
        Ok(out)
    }

    /// Logs the notices due now that are not logged yet; returns how many
    /// were new. One transaction; a notice another replica logged first
    /// is left alone (unique key, `ON CONFLICT DO NOTHING`).
    pub async fn queue_desk_notices(&self) -> Result<usize> {
        let now = self.now();
        let due = self.due_notices(self.store.connection()).await?;
        self.store
            .write(async |tx| {
                let mut queued = 0;
                for n in &due {
                    let am = desk_notice::ActiveModel {
                        kind: Set(n.kind.code().into()),
                        subject_ref: Set(n.subject_ref.clone()),
                        threshold: Set(n.threshold),
                        request_id: Set(n.request_id),
                        agency_id: Set(n.agency_id),
                        recipients: Set(n.recipients.join(",")),
                        subject: Set(n.subject.clone()),
                        body: Set(n.body.clone()),
                        state: Set(NoticeState::Pending.code().into()),
                        attempts: Set(0),
                        last_error: Set(None),
                        leased_until: Set(None),
                        created_at: Set(now.unix_timestamp()),
                        sent_at: Set(None),
                        ..Default::default()
                    };
                    let r = desk_notice::Entity::insert(am)
                        .on_conflict_do_nothing_on([
                            desk_notice::Column::Kind,
                            desk_notice::Column::SubjectRef,
                            desk_notice::Column::Threshold,
                        ])
                        .exec_without_returning(tx)
                        .await?;
                    if matches!(r, kyso_store::sea_orm::TryInsertResult::Inserted(n) if n > 0) {
                        queued += 1;
                    }
                }
                if queued > 0 {
                    crate::audit::record_event(
                        tx,
                        AuditEvent {
                            person_id: None,
                            actor: "system".into(),
                            role: None,
                            agency_id: None,
                            action: "desk.notice.queue".into(),
                            object_kind: "desk_notice".into(),
                            object_id: String::new(),
                            object_sha256: None,
                            request_id: None,
                            detail: Some(format!("{queued} notices due")),
                        },
                        now,
                    )
                    .await?;
                }
                Ok(queued)
            })
            .await
    }

    /// One round of the notice job: logs what is due, then sends what is
    /// pending or failed (at most `batch`), each under a lease so that two
    /// replicas never send the same notice.
    pub async fn run_desk_notices(&self, batch: u64) -> Result<NoticeRun> {
        let mut run = NoticeRun {
            queued: self.queue_desk_notices().await?,
            ..NoticeRun::default()
        };
        let db = self.store.connection();
        let now = self.now().unix_timestamp();
        let open = desk_notice::Entity::find()
            .filter(
                desk_notice::Column::State
                    .is_in([NoticeState::Pending.code(), NoticeState::Failed.code()]),
            )
            .filter(desk_notice::Column::Attempts.lt(MAX_ATTEMPTS))
            .filter(
                desk_notice::Column::LeasedUntil
                    .is_null()
                    .or(desk_notice::Column::LeasedUntil.lt(now)),
            )
            .order_by_asc(desk_notice::Column::Id)
            .limit(batch)
            .all(db)
            .await?;
        let Some(url) = self.config.smtp_url.clone() else {
            let reason = "chưa cấu hình máy chủ thư (smtp_url) / no SMTP configured";
            for n in &open {
                if n.last_error.as_deref() != Some(reason) {
                    let mut a: desk_notice::ActiveModel = n.clone().into();
                    a.last_error = Set(Some(reason.into()));
                    a.update(db).await?;
                }
            }
            run.unsent_no_smtp = open.len();
            if !open.is_empty() {
                tracing::warn!(
                    "{} desk notices not sent: no SMTP server configured (smtp_url)",
                    open.len()
                );
            }
            return Ok(run);
        };
        for n in open {
            let taken = desk_notice::Entity::update_many()
                .col_expr(
                    desk_notice::Column::LeasedUntil,
                    kyso_store::sea_orm::sea_query::Expr::value(now + LEASE),
                )
                .filter(desk_notice::Column::Id.eq(n.id))
                .filter(desk_notice::Column::State.ne(NoticeState::Sent.code()))
                .filter(
                    desk_notice::Column::LeasedUntil
                        .is_null()
                        .or(desk_notice::Column::LeasedUntil.lt(now)),
                )
                .exec(db)
                .await?;
            if taken.rows_affected != 1 {
                continue;
            }
            let to: Vec<String> = n
                .recipients
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            let result = if to.is_empty() {
                Err("không có địa chỉ nhận / no recipient address".to_string())
            } else {
                send_mail(&url, &self.config.smtp_from, &to, &n.subject, &n.body).await
            };
            let attempts = n.attempts + 1;
            let mut a: desk_notice::ActiveModel = n.into();
            a.attempts = Set(attempts);
            a.leased_until = Set(None);
            match result {
                Ok(()) => {
                    a.state = Set(NoticeState::Sent.code().into());
                    a.sent_at = Set(Some(self.now().unix_timestamp()));
                    a.last_error = Set(None);
                    run.sent += 1;
                }
                Err(e) => {
                    a.state = Set(NoticeState::Failed.code().into());
                    a.last_error = Set(Some(e.chars().take(500).collect()));
                    run.failed += 1;
                }
            }
            a.update(db).await?;
        }
        Ok(run)
    }

    /// The notice log as the actor may see it, newest first: everything
    /// for the department administrator and the CA operator, its own
    /// agency's notices for a managing organization.
    pub async fn desk_notices(&self, actor: &Actor, limit: u64) -> Result<Vec<NoticeView>> {
        let all = actor.has_anywhere(Role::DeptAdmin) || actor.has_anywhere(Role::CaOperator);
        let own: Vec<i64> = actor
            .memberships
            .iter()
            .filter(|m| AGENCY_READERS.contains(&m.role))
            .map(|m| m.agency_id)
            .collect();
        self.guard(actor, "desk.notice.list", async || {
            if all || !own.is_empty() {
                Ok(())
            } else {
                Err(OfficeError::forbidden(
                    "chỉ cơ quan quản lý, CA và Sở xem nhật ký thông báo",
                    "only managing organizations, the CA and the department see the notice log",
                ))
            }
        })
        .await?;
        let mut q = desk_notice::Entity::find();
        if !all {
            q = q.filter(desk_notice::Column::AgencyId.is_in(own));
        }
        let rows = q
            .order_by_desc(desk_notice::Column::Id)
            .limit(limit.clamp(1, 1000))
            .all(self.store.connection())
            .await?;
        rows.into_iter().map(notice_view).collect()
    }
}

fn notice_view(n: desk_notice::Model) -> Result<NoticeView> {
    Ok(NoticeView {
        id: n.id,
        kind: NoticeKind::parse(&n.kind)?,
        subject_ref: n.subject_ref,
        threshold: n.threshold,
        request_id: n.request_id,
        agency_id: n.agency_id,
        recipients: n
            .recipients
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        subject: n.subject,
        body: n.body,
        state: NoticeState::parse(&n.state)?,
        attempts: n.attempts,
        last_error: n.last_error,
        created_at: iso(n.created_at),
        sent_at: n.sent_at.map(iso),
    })
}

/// Checks an SMTP URL as lettre reads it (at start-up).
pub fn check_smtp_url(url: &str) -> std::result::Result<(), String> {
    use lettre::{AsyncSmtpTransport, Tokio1Executor};
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| format!("smtp_url {url}: {e}"))
}

/// Sends one plain-text UTF-8 mail through the SMTP server at `url`.
async fn send_mail(
    url: &str,
    from: &str,
    to: &[String],
    subject: &str,
    body: &str,
) -> std::result::Result<(), String> {
    use lettre::message::{header::ContentType, Mailbox};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let from: Mailbox = from.parse().map_err(|e| format!("smtp_from {from}: {e}"))?;
    let mut b = Message::builder().from(from).subject(subject);
    for t in to {
        b = b.to(t.parse().map_err(|e| format!("{t}: {e}"))?);
    }
    let m = b
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| e.to_string())?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    transport
        .send(m)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_send_the_latest_warning_only() {
        assert_eq!(expiry_threshold(45), None);
        assert_eq!(expiry_threshold(31), None);
        assert_eq!(expiry_threshold(30), Some(30));
        assert_eq!(expiry_threshold(15), Some(30));
        assert_eq!(expiry_threshold(14), Some(14));
        assert_eq!(expiry_threshold(10), Some(14));
        assert_eq!(expiry_threshold(3), Some(3));
        assert_eq!(expiry_threshold(0), Some(3));
        assert_eq!(expiry_threshold(-1), None);
    }

    #[test]
    fn recipients_are_distinct_and_valid() {
        assert_eq!(
            recipients(&["a@b.vn", "", "A@b.vn", "not an address", "c@d.vn"]),
            vec!["a@b.vn".to_string(), "c@d.vn".to_string()]
        );
    }

    #[test]
    fn dates_in_vietnamese_order() {
        assert_eq!(vn_date(time::macros::date!(2026 - 05 - 04)), "04/05/2026");
    }
}
