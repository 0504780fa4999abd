//! The certificate desk's report for the department and the ministry
//! (issue 12 §8; R-REPORTS, R-MANAGER-INSPECT, R-OVERSIGHT): certificates
//! by agency and state, requests by kind and state with their deadline
//! compliance and the overdue ones, certificates expiring within 30/60/90
//! days, tokens by state and custodian, and signatures made per agency
//! per month in the office. The department administrator and the CA see
//! the province; a managing organization sees its own agency. The same
//! figures make the JSON, the CSV, the charts and the signed PDF.

use std::collections::{BTreeMap, HashMap};

use kyso_store::desk::{desk_device, desk_request};
use kyso_store::office::{agency, document, document_file};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use kyso_store::CertificateStatus;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::calendar::{iso_day, parse_day};
use super::device::DeviceState;
use super::kind::RequestKind;
use super::state::State;
use super::view::AGENCY_READERS;
use crate::actor::Actor;
use crate::clock::{vietnam_date, VIETNAM};
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// The period and scope of a report (every field optional).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct ReportQuery {
    /// First day (ISO); default the first of January of this year.
    pub from: Option<String>,
    /// Last day (ISO); default today.
    pub to: Option<String>,
    /// One agency only; default everything the caller oversees.
    pub agency_id: Option<i64>,
}

/// Certificates of one agency by state (at the report's time).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CertificateRow {
    pub agency_id: i64,
    pub agency_name: String,
    pub valid: u64,
    pub expired: u64,
    pub revoked: u64,
}

/// Requests of one kind in one state, filed within the period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequestRow {
    pub kind: RequestKind,
    pub kind_name: String,
    pub state: State,
    pub state_name: String,
    pub count: u64,
}

/// Deadline compliance of one kind of request filed within the period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeadlineRow {
    pub kind: RequestKind,
    pub kind_name: String,
    /// Decided by the last day.
    pub on_time: u64,
    /// Decided after it.
    pub late: u64,
    /// Waiting, still within the deadline.
    pub open: u64,
    /// Waiting past the deadline.
    pub overdue: u64,
}

/// A request waiting past its deadline.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverdueRow {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub kind: RequestKind,
    pub kind_name: String,
    pub full_name: String,
    /// Last day (ISO).
    pub due_date: String,
    /// Working days past it.
    pub working_days_late: u32,
}

/// A device not back by its return date (after revocation, expiry or its
/// holder's departure; Decree 68/2024: 5 working days).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverdueReturnRow {
    pub device_id: i64,
    pub serial: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub state: DeviceState,
    /// Last day (ISO).
    pub return_due: String,
    /// Working days past it.
    pub working_days_late: u32,
}

/// A certificate expiring within 90 days.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExpiringRow {
    pub serial: String,
    pub subject: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub not_after: String,
    pub days_left: i64,
}

/// Tokens of one custodian agency in one state.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenRow {
    pub agency_id: i64,
    pub agency_name: String,
    pub state: DeviceState,
    pub state_name: String,
    pub count: u64,
}

/// Signatures and seals made in the office by one agency in one month.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SignatureRow {
    pub agency_id: i64,
    pub agency_name: String,
    /// `YYYY-MM`.
    pub month: String,
    pub count: u64,
}

/// The report.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeskReport {
    /// First and last day of the period (ISO).
    pub from: String,
    pub to: String,
    pub generated_at: String,
    /// What it covers: the province, or one managing organization.
    pub scope: String,
    pub agencies: Vec<i64>,
    pub certificates: Vec<CertificateRow>,
    pub requests: Vec<RequestRow>,
    pub deadlines: Vec<DeadlineRow>,
    pub overdue: Vec<OverdueRow>,
    /// Devices held past their return date (now).
    pub overdue_returns: Vec<OverdueReturnRow>,
    /// Certificates expiring within 30, 60 and 90 days.
    pub expiring_30: u64,
    pub expiring_60: u64,
    pub expiring_90: u64,
    pub expiring: Vec<ExpiringRow>,
    pub tokens: Vec<TokenRow>,
    pub signatures: Vec<SignatureRow>,
}

/// Roles whose holders see the whole province's figures.
const PROVINCE: &[Role] = &[Role::DeptAdmin, Role::CaOperator];

/// Longest period of one report (days).
const MAX_PERIOD_DAYS: i64 = 3660;

/// File roles that carry a signature or a seal made in the office.
const SIGNED_FILES: &[&str] = &[
    "approved",
    "sealed",
    "attachment-sealed",
    "attachment-signature",
];

fn month_of(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .map(|t| {
            let t = t.to_offset(VIETNAM);
            format!("{:04}-{:02}", t.year(), u8::from(t.month()))
        })
        .unwrap_or_default()
}

fn day_start(d: Date) -> i64 {
    d.midnight().assume_offset(VIETNAM).unix_timestamp()
}

impl Office {
    /// The agencies `actor` may report on (`None`: every agency), for
    /// `agency_id` if given, or the refusal.
    fn report_scope(&self, actor: &Actor, agency_id: Option<i64>) -> Result<Option<Vec<i64>>> {
        let province = PROVINCE.iter().any(|r| actor.has_anywhere(*r));
        let mut own: Vec<i64> = actor
            .memberships
            .iter()
            .filter(|m| AGENCY_READERS.contains(&m.role))
            .map(|m| m.agency_id)
            .collect();
        // Two roles in one agency (a head who is also its approver) are
        // one agency.
        own.sort_unstable();
        own.dedup();
        match agency_id {
            Some(a) if province || own.contains(&a) => Ok(Some(vec![a])),
            Some(_) => Err(OfficeError::forbidden(
                "không được xem báo cáo của cơ quan khác",
                "the report of another agency is not yours to see",
            )),
            None if province => Ok(None),
            None if !own.is_empty() => Ok(Some(own)),
            None => Err(OfficeError::forbidden(
                "chỉ cơ quan quản lý, CA và Sở xem báo cáo chứng thư số",
                "only managing organizations, the CA and the department see the desk's report",
            )),
        }
    }

    /// The desk's report for the period and scope of `q`.
    pub async fn desk_report(&self, actor: &Actor, q: &ReportQuery) -> Result<DeskReport> {
        let scope = self
            .guard(actor, "desk.report", async || {
                self.report_scope(actor, q.agency_id)
            })
            .await?;
        self.compose_report(scope, q).await
    }

    /// The report on the agencies of `scope` (`None`: every agency) for
    /// the period of `q`, whoever asks (the caller checked).
    pub(crate) async fn compose_report(
        &self,
        scope: Option<Vec<i64>>,
        q: &ReportQuery,
    ) -> Result<DeskReport> {
        let now = self.now();
        let today = vietnam_date(now);
        let from = match &q.from {
            Some(s) => parse_day(s)?,
            None => Date::from_calendar_date(today.year(), time::Month::January, 1)
                .map_err(|e| OfficeError::internal("report period", e))?,
        };
        let to = match &q.to {
            Some(s) => parse_day(s)?,
            None => today,
        };
        if from > to || (to - from).whole_days() > MAX_PERIOD_DAYS {
            return Err(OfficeError::invalid(
                "bad-period",
                "kỳ báo cáo không hợp lệ: ngày đầu phải trước ngày cuối, tối đa 10 năm",
                "bad period: the first day must not be after the last, at most 10 years",
            ));
        }
        let (t0, t1) = (day_start(from), day_start(to) + 86_400);
        let db = self.store.connection();
        let agencies: HashMap<i64, agency::Model> = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let name = |id: i64| {
            agencies
                .get(&id)
                .map(|a| a.name.clone())
                .unwrap_or_default()
        };
        let within = |id: i64| scope.as_ref().is_none_or(|s| s.contains(&id));
        let scope_name = match &scope {
            None => "Toàn tỉnh / the province".to_string(),
            Some(ids) => ids.iter().map(|i| name(*i)).collect::<Vec<_>>().join(", "),
        };

        let all_requests: Vec<desk_request::Model> = desk_request::Entity::find()
            .order_by_asc(desk_request::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter(|r| within(r.agency_id))
            .collect();

        // Certificates the desk issued, by agency and state (now).
        let mut certs: BTreeMap<i64, (u64, u64, u64)> = BTreeMap::new();
        let mut expiring = Vec::new();
        let mut seen = Vec::new();
        for r in &all_requests {
            let Some(serial) = r.issued_serial.as_deref() else {
                continue;
            };
            if seen.iter().any(|s: &String| s == serial) {
                continue;
            }
            seen.push(serial.to_string());
            let Some(c) = self.ca.store().certificate(serial).await? else {
                continue;
            };
            let e = certs.entry(r.agency_id).or_default();
            if c.status == CertificateStatus::Revoked {
                e.2 += 1;
            } else if c.not_after <= now {
                e.1 += 1;
            } else {
                e.0 += 1;
                let days_left = (vietnam_date(c.not_after) - today).whole_days();
                if days_left <= 90 {
                    expiring.push(ExpiringRow {
                        serial: c.serial_hex.clone(),
                        subject: c.subject.clone(),
                        agency_id: r.agency_id,
                        agency_name: name(r.agency_id),
                        not_after: iso(c.not_after.unix_timestamp()),
                        days_left,
                    });
                }
            }
        }
        expiring.sort_by_key(|e| e.days_left);
        let count_within = |d: i64| expiring.iter().filter(|e| e.days_left <= d).count() as u64;

        // Requests filed within the period.
        let calendar = self.desk_calendar(db).await?;
        let mut by_state: BTreeMap<(usize, usize), u64> = BTreeMap::new();
        let mut deadlines: BTreeMap<usize, [u64; 4]> = BTreeMap::new();
        let mut overdue = Vec::new();
        for r in all_requests
            .iter()
            .filter(|r| r.created_at >= t0 && r.created_at < t1)
        {
            let kind = RequestKind::parse(&r.kind)?;
            let state = State::parse(&r.state)?;
            let ki = RequestKind::ALL
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(0);
            let si = State::ALL.iter().position(|s| *s == state).unwrap_or(0);
            *by_state.entry((ki, si)).or_default() += 1;
            let Some(due) = r.due_date.as_deref() else {
                continue;
            };
            let due = parse_day(due)?;
            let d = deadlines.entry(ki).or_default();
            match (r.decided_at, state) {
                (Some(at), _) => {
                    let decided = OffsetDateTime::from_unix_timestamp(at)
                        .map(vietnam_date)
                        .map_err(|e| OfficeError::internal("decided_at", e))?;
                    d[usize::from(decided > due)] += 1;
                }
                (None, State::Sent) if today > due => {
                    d[3] += 1;
                    let late = working_days_late(&calendar, due, today);
                    overdue.push(OverdueRow {
                        id: r.id,
                        agency_id: r.agency_id,
                        agency_name: name(r.agency_id),
                        kind,
                        kind_name: kind.name_vi().into(),
                        full_name: r.full_name.clone(),
                        due_date: iso_day(due),
                        working_days_late: late,
                    });
                }
                (None, State::Sent) => d[2] += 1,
                _ => {}
            }
        }

        // Tokens by custodian agency and state (now).
        let mut tokens: BTreeMap<(i64, usize), u64> = BTreeMap::new();
        let mut overdue_returns = Vec::new();
        for d in desk_device::Entity::find().all(db).await? {
            if !within(d.agency_id) {
                continue;
            }
            let s = DeviceState::parse(&d.state)?;
            let si = DeviceState::ALL.iter().position(|x| *x == s).unwrap_or(0);
            *tokens.entry((d.agency_id, si)).or_default() += 1;
            // Still held past the day it was due back.
            let held = matches!(
                s,
                DeviceState::Issued | DeviceState::InUse | DeviceState::Locked
            );
            if let (true, Some(due)) = (held, d.return_due.as_deref()) {
                let due = parse_day(due)?;
                if today > due {
                    overdue_returns.push(OverdueReturnRow {
                        device_id: d.id,
                        serial: d.serial.clone(),
                        agency_id: d.agency_id,
                        agency_name: name(d.agency_id),
                        state: s,
                        return_due: iso_day(due),
                        working_days_late: working_days_late(&calendar, due, today),
                    });
                }
            }
        }

        // Signatures and seals made in the office within the period.
        let files = document_file::Entity::find()
            .filter(document_file::Column::Role.is_in(SIGNED_FILES.iter().copied()))
            .filter(document_file::Column::CreatedAt.gte(t0))
            .filter(document_file::Column::CreatedAt.lt(t1))
            .all(db)
            .await?;
        let mut doc_ids: Vec<i64> = files.iter().map(|f| f.document_id).collect();
        doc_ids.sort_unstable();
        doc_ids.dedup();
        let mut doc_agency: HashMap<i64, i64> = HashMap::new();
        for chunk in doc_ids.chunks(500) {
            for d in document::Entity::find()
                .filter(document::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?
            {
                doc_agency.insert(d.id, d.agency_id);
            }
        }
        let mut signatures: BTreeMap<(i64, String), u64> = BTreeMap::new();
        for f in &files {
            let Some(a) = doc_agency.get(&f.document_id).copied() else {
                continue;
            };
            if within(a) {
                *signatures.entry((a, month_of(f.created_at))).or_default() += 1;
            }
        }

        let mut agency_ids: Vec<i64> = match &scope {
            Some(s) => s.clone(),
            None => agencies.keys().copied().collect(),
        };
        agency_ids.sort_unstable();
        Ok(DeskReport {
            from: iso_day(from),
            to: iso_day(to),
            generated_at: iso(now.unix_timestamp()),
            scope: scope_name,
            agencies: agency_ids,
            certificates: certs
                .into_iter()
                .map(|(a, (valid, expired, revoked))| CertificateRow {
                    agency_id: a,
                    agency_name: name(a),
                    valid,
                    expired,
                    revoked,
                })
                .collect(),
            requests: by_state
                .into_iter()
                .map(|((k, s), count)| RequestRow {
                    kind: RequestKind::ALL[k],
                    kind_name: RequestKind::ALL[k].name_vi().into(),
                    state: State::ALL[s],
                    state_name: State::ALL[s].name_vi().into(),
                    count,
                })
                .collect(),
            deadlines: deadlines
                .into_iter()
                .map(|(k, [on_time, late, open, overdue])| DeadlineRow {
                    kind: RequestKind::ALL[k],
                    kind_name: RequestKind::ALL[k].name_vi().into(),
                    on_time,
                    late,
                    open,
                    overdue,
                })
                .collect(),
            overdue,
            overdue_returns,
            expiring_30: count_within(30),
            expiring_60: count_within(60),
            expiring_90: count_within(90),
            expiring,
            tokens: tokens
                .into_iter()
                .map(|((a, s), count)| TokenRow {
                    agency_id: a,
                    agency_name: name(a),
                    state: DeviceState::ALL[s],
                    state_name: DeviceState::ALL[s].name_vi().into(),
                    count,
                })
                .collect(),
            signatures: signatures
                .into_iter()
                .map(|((a, month), count)| SignatureRow {
                    agency_id: a,
                    agency_name: name(a),
                    month,
                    count,
                })
                .collect(),
        })
    }
}

/// Working days after `due` up to `today`.
fn working_days_late(calendar: &super::calendar::Calendar, due: Date, today: Date) -> u32 {
    let mut late = 0;
    let mut day = due;
    while day < today {
        match day.next_day() {
            Some(n) => day = n,
            None => break,
        }
        if calendar.is_working_day(day) {
            late += 1;
        }
    }
    late
}

/// The report as CSV (UTF-8 with BOM, for spreadsheets): one row per
/// figure — section, agency, kind, state, period, count, note.
pub fn report_csv(r: &DeskReport) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let err = |e: csv::Error| OfficeError::internal("report csv", e);
    w.write_record([
        "muc/section",
        "co_quan/agency",
        "loai/kind",
        "trang_thai/state",
        "ky/period",
        "so_luong/count",
        "ghi_chu/note",
    ])
    .map_err(err)?;
    let period = format!("{}..{}", r.from, r.to);
    for c in &r.certificates {
        for (state, n) in [
            ("valid", c.valid),
            ("expired", c.expired),
            ("revoked", c.revoked),
        ] {
            w.write_record([
                "certificates",
                &c.agency_name,
                "",
                state,
                "",
                &n.to_string(),
                "",
            ])
            .map_err(err)?;
        }
    }
    for q in &r.requests {
        w.write_record([
            "requests",
            "",
            q.kind.code(),
            q.state.code(),
            &period,
            &q.count.to_string(),
            "",
        ])
        .map_err(err)?;
    }
    for d in &r.deadlines {
        for (state, n) in [
            ("on_time", d.on_time),
            ("late", d.late),
            ("open", d.open),
            ("overdue", d.overdue),
        ] {
            w.write_record([
                "deadlines",
                "",
                d.kind.code(),
                state,
                &period,
                &n.to_string(),
                "",
            ])
            .map_err(err)?;
        }
    }
    for o in &r.overdue {
        w.write_record([
            "overdue",
            &o.agency_name,
            o.kind.code(),
            "overdue",
            &o.due_date,
            &o.working_days_late.to_string(),
            &format!("#{} {}", o.id, o.full_name),
        ])
        .map_err(err)?;
    }
    for o in &r.overdue_returns {
        w.write_record([
            "overdue_returns",
            &o.agency_name,
            "device",
            o.state.code(),
            &o.return_due,
            &o.working_days_late.to_string(),
            &format!("#{} {}", o.device_id, o.serial),
        ])
        .map_err(err)?;
    }
    for (days, n) in [
        (30, r.expiring_30),
        (60, r.expiring_60),
        (90, r.expiring_90),
    ] {
        w.write_record([
            "expiring",
            "",
            "",
            &format!("within_{days}_days"),
            "",
            &n.to_string(),
            "",
        ])
        .map_err(err)?;
    }
    for e in &r.expiring {
        w.write_record([
            "expiring",
            &e.agency_name,
            "",
            "certificate",
            &e.not_after,
            &e.days_left.to_string(),
            &format!("{} {}", e.serial, e.subject),
        ])
        .map_err(err)?;
    }
    for t in &r.tokens {
        w.write_record([
            "tokens",
            &t.agency_name,
            "",
            t.state.code(),
            "",
            &t.count.to_string(),
            "",
        ])
        .map_err(err)?;
    }
    for s in &r.signatures {
        w.write_record([
            "signatures",
            &s.agency_name,
            "",
            "",
            &s.month,
            &s.count.to_string(),
            "",
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| OfficeError::internal("report csv", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_vietnam_time() {
        // 31 May 2026 18:00 UTC is 1 June 01:00 in Vietnam.
        let t = time::macros::datetime!(2026-05-31 18:00 UTC).unix_timestamp();
        assert_eq!(month_of(t), "2026-06");
    }
}
