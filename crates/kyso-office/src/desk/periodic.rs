//! The desk's reports made on a schedule and kept (issue 12 §8;
//! R-REPORTS, R-OVERSIGHT): when a period ends (a month by default, or a
//! quarter), every reporting body — each agency with a department
//! administrator — gets the province's report for it, laid out and signed
//! with its seal as [`super::report_pdf`] does, kept as a blob with its
//! figures, and audited. Every replica runs the job; the unique index on
//! (body, period) keeps one report per period, whichever replica comes
//! first.

use kyso_store::desk::desk_periodic_report as kept;
use kyso_store::office::{agency, membership};
use kyso_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use kyso_store::AuditEvent;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::{Date, Month};
use utoipa::ToSchema;

use super::calendar::iso_day;
use super::report::ReportQuery;
use super::view::AGENCY_READERS;
use crate::actor::{Actor, Scope};
use crate::clock::vietnam_date;
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// How often reports are made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    #[default]
    Monthly,
    Quarterly,
    /// None are made.
    Off,
}

impl Schedule {
    pub fn parse(s: &str) -> std::result::Result<Schedule, String> {
        match s {
            "monthly" => Ok(Schedule::Monthly),
            "quarterly" => Ok(Schedule::Quarterly),
            "off" => Ok(Schedule::Off),
            _ => Err(format!(
                "lịch báo cáo không hợp lệ / bad report schedule: {s} (monthly, quarterly, off)"
            )),
        }
    }

    /// The last period that ended before `today`: its name (`2026-04`,
    /// `2026-Q1`), first and last day.
    pub fn last_period(self, today: Date) -> Option<(String, Date, Date)> {
        let first_month = |m: u8| match self {
            Schedule::Quarterly => (m - 1) / 3 * 3 + 1,
            _ => m,
        };
        let step = match self {
            Schedule::Monthly => 1,
            Schedule::Quarterly => 3,
            Schedule::Off => return None,
        };
        // The first day of the running period, then of the one before.
        let m = first_month(u8::from(today.month()));
        let running = Date::from_calendar_date(today.year(), Month::try_from(m).ok()?, 1).ok()?;
        let (y, m) = if m > step {
            (today.year(), m - step)
        } else {
            (today.year() - 1, m + 12 - step)
        };
        let from = Date::from_calendar_date(y, Month::try_from(m).ok()?, 1).ok()?;
        let to = running.previous_day()?;
        let name = match self {
            Schedule::Quarterly => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            _ => format!("{y:04}-{m:02}"),
        };
        Some((name, from, to))
    }
}

/// A kept report, as lists show it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PeriodicReportView {
    pub id: i64,
    /// The reporting body whose seal signed it.
    pub agency_id: i64,
    pub agency_name: String,
    /// `YYYY-MM` or `YYYY-Qn`.
    pub period: String,
    /// First and last day covered (ISO).
    pub from: String,
    pub to: String,
    /// SHA-256 of the signed PDF.
    pub sha256: String,
    pub created_at: String,
}

/// What one round of the job did.
#[derive(Clone, Debug, Default)]
pub struct PeriodicRun {
    /// (body, period) of each report made and kept now.
    pub kept: Vec<(i64, String)>,
    /// Bodies whose report could not be made, and why.
    pub failed: Vec<(i64, String)>,
}

const AUDIT_ACTION: &str = "desk.report.periodic";

impl Office {
    /// One round: the last ended period's report for every reporting body
    /// that does not have it yet.
    pub async fn make_periodic_reports(&self) -> Result<PeriodicRun> {
        let mut run = PeriodicRun::default();
        let today = vietnam_date(self.now());
        let Some((period, from, to)) = self.config().report_schedule.last_period(today) else {
            return Ok(run);
        };
        let db = self.store.connection();
        let mut bodies: Vec<i64> = membership::Entity::find()
            .filter(membership::Column::RoleCode.eq(Role::DeptAdmin.code()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.agency_id)
            .collect();
        bodies.sort_unstable();
        bodies.dedup();
        for body in bodies {
            if self.kept_report(body, &period).await?.is_some() {
                continue;
            }
            match self.keep_report(body, &period, from, to).await {
                Ok(true) => run.kept.push((body, period.clone())),
                Ok(false) => {}
                Err(e) => run.failed.push((body, e.to_string())),
            }
        }
        Ok(run)
    }

    async fn kept_report(&self, body: i64, period: &str) -> Result<Option<kept::Model>> {
        Ok(kept::Entity::find()
            .filter(kept::Column::AgencyId.eq(body))
            .filter(kept::Column::Period.eq(period))
            .one(self.store.connection())
            .await?)
    }

    /// Makes, signs and keeps `body`'s report of `period`; `false` when
    /// another replica kept it first.
    async fn keep_report(&self, body: i64, period: &str, from: Date, to: Date) -> Result<bool> {
        let q = ReportQuery {
            from: Some(iso_day(from)),
            to: Some(iso_day(to)),
            agency_id: None,
        };
        let report = self.compose_report(None, &q).await?;
        let signed = self.sign_report(body, &report).await?;
        let figures = serde_json::to_string(&report)
            .map_err(|e| OfficeError::internal("report figures", e))?;
        let sha = hex::encode(Sha256::digest(&signed));
        let blob = self.blobs.put(bytes::Bytes::from(signed)).await?;
        let now = self.now();
        let written = self
            .store
            .write(async |tx| {
                if kept::Entity::find()
                    .filter(kept::Column::AgencyId.eq(body))
                    .filter(kept::Column::Period.eq(period))
                    .one(tx)
                    .await?
                    .is_some()
                {
                    return Ok(false);
                }
                kyso_store::record_blob(tx, &blob, "application/pdf", None, now).await?;
                let row = kept::ActiveModel {
                    agency_id: Set(body),
                    period: Set(period.to_string()),
                    from_day: Set(iso_day(from)),
                    to_day: Set(iso_day(to)),
                    blob_sha256: Set(sha.clone()),
                    figures: Set(figures.clone()),
                    created_at: Set(now.unix_timestamp()),
                    ..Default::default()
                }
                .insert(tx)
                .await?;
                crate::audit::record_event(
                    tx,
                    AuditEvent {
                        actor: "system".into(),
                        action: AUDIT_ACTION.into(),
                        object_kind: "desk_report".into(),
                        object_id: row.id.to_string(),
                        object_sha256: Some(sha.clone()),
                        agency_id: Some(body),
                        detail: Some(format!("{period}: {}..{}", report.from, report.to)),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
                Ok(true)
            })
            .await;
        match written {
            Ok(w) => Ok(w),
            // Two replicas inserted at once: the unique index let one in.
            Err(_) if self.kept_report(body, period).await?.is_some() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether `actor` reads the kept reports of `body`: the department
    /// and the CA read every body's; the body's own people (its auditors
    /// among them) theirs.
    fn reads_kept(actor: &Actor, body: i64) -> bool {
        [Role::DeptAdmin, Role::CaOperator]
            .iter()
            .any(|r| actor.has_anywhere(*r))
            || AGENCY_READERS.iter().any(|r| actor.has(*r, body))
    }

    /// The kept reports `actor` may read, newest period first.
    pub async fn periodic_reports(&self, actor: &Actor) -> Result<Vec<PeriodicReportView>> {
        self.guard(actor, "desk.report.periodic.list", async || {
            actor.require_scope(Scope::Read)?;
            let db = self.store.connection();
            let rows = kept::Entity::find()
                .order_by_desc(kept::Column::FromDay)
                .order_by_asc(kept::Column::AgencyId)
                .all(db)
                .await?;
            let mut out = Vec::new();
            for r in rows
                .into_iter()
                .filter(|r| Self::reads_kept(actor, r.agency_id))
            {
                out.push(self.kept_view(r).await?);
            }
            if out.is_empty() && !Self::reads_any_kept(actor) {
                return Err(not_yours());
            }
            Ok(out)
        })
        .await
    }

    fn reads_any_kept(actor: &Actor) -> bool {
        actor
            .memberships
            .iter()
            .any(|m| Self::reads_kept(actor, m.agency_id))
    }

    /// Kept report `id` and its signed PDF.
    pub async fn periodic_report_pdf(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(PeriodicReportView, Vec<u8>)> {
        self.guard(actor, "desk.report.periodic.read", async || {
            actor.require_scope(Scope::Read)?;
            let r = kept::Entity::find_by_id(id)
                .one(self.store.connection())
                .await?
                .ok_or_else(|| {
                    OfficeError::not_found(
                        &format!("báo cáo định kỳ {id}"),
                        &format!("periodic report {id}"),
                    )
                })?;
            if !Self::reads_kept(actor, r.agency_id) {
                return Err(not_yours());
            }
            let pdf = self.blobs.get(&r.blob_sha256).await?;
            Ok((self.kept_view(r).await?, pdf.to_vec()))
        })
        .await
    }

    async fn kept_view(&self, r: kept::Model) -> Result<PeriodicReportView> {
        let name = agency::Entity::find_by_id(r.agency_id)
            .one(self.store.connection())
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        Ok(PeriodicReportView {
            id: r.id,
            agency_id: r.agency_id,
            agency_name: name,
            period: r.period,
            from: r.from_day,
            to: r.to_day,
            sha256: r.blob_sha256,
            created_at: iso(r.created_at),
        })
    }
}

fn not_yours() -> OfficeError {
    OfficeError::forbidden(
        "chỉ Sở, CA, kiểm tra viên và cơ quan lập báo cáo xem được báo cáo định kỳ",
        "only the department, the CA, auditors and the reporting body read periodic reports",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_last_period_is_the_one_that_ended() {
        let m = Schedule::Monthly;
        assert_eq!(
            m.last_period(date!(2026 - 05 - 03)),
            Some((
                "2026-04".into(),
                date!(2026 - 04 - 01),
                date!(2026 - 04 - 30)
            ))
        );
        assert_eq!(
            m.last_period(date!(2026 - 01 - 01)),
            Some((
                "2025-12".into(),
                date!(2025 - 12 - 01),
                date!(2025 - 12 - 31)
            ))
        );
        assert_eq!(
            m.last_period(date!(2024 - 03 - 31)),
            Some((
                "2024-02".into(),
                date!(2024 - 02 - 01),
                date!(2024 - 02 - 29)
            ))
        );
        let q = Schedule::Quarterly;
        assert_eq!(
            q.last_period(date!(2026 - 05 - 03)),
            Some((
                "2026-Q1".into(),
                date!(2026 - 01 - 01),
                date!(2026 - 03 - 31)
            ))
        );
        assert_eq!(
            q.last_period(date!(2026 - 02 - 15)),
            Some((
                "2025-Q4".into(),
                date!(2025 - 10 - 01),
                date!(2025 - 12 - 31)
            ))
        );
        assert_eq!(Schedule::Off.last_period(date!(2026 - 05 - 03)), None);
    }

    #[test]
    fn schedules_parse() {
        assert_eq!(Schedule::parse("quarterly"), Ok(Schedule::Quarterly));
        assert!(Schedule::parse("weekly").is_err());
    }
}
