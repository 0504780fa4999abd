//! The certificate desk's report page (issue 12 §8–9) for the department
//! administrator, the CA operator and the managing organizations: the
//! period chosen, the figures as tables, the charts drawn on the server
//! as SVG, and the same report as CSV and as a signed PDF; below, the
//! reports made each month (or quarter) and kept.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyso_office::desk::{ChartKind, DeskReport, PeriodicReportView, ReportQuery};
use kyso_office::{Actor, Role};

use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/desk/report", get(show))
}

/// Whether the menu offers the report to `a`.
pub fn opens(a: &Actor) -> bool {
    [
        Role::DeptAdmin,
        Role::CaOperator,
        Role::Head,
        Role::ItOfficer,
    ]
    .iter()
    .any(|r| a.has_anywhere(*r))
}

/// `2026-04-30` → `30/04/2026`.
fn day(iso: &str) -> String {
    let p: Vec<&str> = iso.get(..10).unwrap_or(iso).split('-').collect();
    match p.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

#[derive(askama::Template)]
#[template(path = "desk_report.html")]
struct ReportPage {
    c: Chrome,
    r: DeskReport,
    /// The query string of this report (for the charts and downloads).
    q: String,
    from: String,
    to: String,
    period: String,
    charts: Vec<(&'static str, &'static str)>,
    /// The reports made on the schedule and kept (those the viewer reads).
    kept: Vec<PeriodicReportView>,
}

impl ReportPage {
    fn day(&self, iso: &str) -> String {
        day(iso)
    }
    /// `2026-04` → `04/2026`.
    fn month(&self, m: &str) -> String {
        match m.split_once('-') {
            Some((y, mm)) => format!("{mm}/{y}"),
            None => m.to_string(),
        }
    }
}

async fn show(State(s): State<AppState>, v: Viewer, Query(q): Query<ReportQuery>) -> Response {
    let r = match s.office.desk_report(&v.actor, &q).await {
        Ok(r) => r,
        Err(e) => return page::not_yours(&v.c, e),
    };
    // A managing organization reads no kept report of the department's:
    // the section is then empty, not an error.
    let kept = s
        .office
        .periodic_reports(&v.actor)
        .await
        .unwrap_or_default();
    let mut qs = format!("from={}&to={}", r.from, r.to);
    if let Some(a) = q.agency_id {
        qs.push_str(&format!("&agency_id={a}"));
    }
    let c = v.c;
    page::ok(&ReportPage {
        charts: ChartKind::ALL
            .iter()
            .map(|k| (k.code(), c.named("desk.chart", k.code())))
            .collect(),
        period: format!("{} – {}", day(&r.from), day(&r.to)),
        from: r.from.clone(),
        to: r.to.clone(),
        q: qs,
        kept,
        r,
        c,
    })
}
