//! The long-term archive schedule for heads of agency, auditors, IT
//! officers and the administrator: how many documents are due for a new
//! archive time-stamp, up to date, or failed, and the failed and due ones
//! with their errors.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyso_office::archive::ltv::RenewalView;
use kyso_office::Role;
use serde::Deserialize;

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/archive", get(show))
}

#[derive(Deserialize, Default)]
struct ArchiveQuery {
    /// 0 or absent: every agency (the administrator).
    agency_id: Option<i64>,
}

struct Row {
    document_id: i64,
    state: String,
    next_due: String,
    tsa_not_after: String,
    attempts: i32,
    renewals: i32,
    error: String,
}

#[derive(askama::Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    c: Chrome,
    admin: bool,
    agencies: Vec<(i64, String)>,
    agency_id: i64,
    due: u64,
    done: u64,
    failed: u64,
    due_soon: u64,
    failed_rows: Vec<Row>,
    due_rows: Vec<Row>,
}

fn row(r: &RenewalView) -> Row {
    Row {
        document_id: r.document_id,
        state: r.state.clone(),
        next_due: fmt::datetime(r.next_due),
        tsa_not_after: r
            .tsa_not_after
            .map(fmt::datetime)
            .unwrap_or_else(|| "—".into()),
        attempts: r.attempts,
        renewals: r.renewals,
        error: r.last_error.clone().unwrap_or_default(),
    }
}

async fn show(State(s): State<AppState>, v: Viewer, Query(q): Query<ArchiveQuery>) -> Response {
    let admin = v.actor.has_anywhere(Role::DeptAdmin);
    let mut agencies: Vec<(i64, String)> = v
        .actor
        .memberships
        .iter()
        .filter(|m| admin || matches!(m.role, Role::Head | Role::Auditor | Role::ItOfficer))
        .map(|m| (m.agency_id, m.agency_name.clone()))
        .collect();
    agencies.dedup_by_key(|a| a.0);
    let chosen = q.agency_id.filter(|id| agencies.iter().any(|a| a.0 == *id));
    let agency = match (chosen, admin) {
        (Some(id), _) => Some(id),
        (None, true) => None,
        (None, false) => match agencies.first() {
            Some(a) => Some(a.0),
            None => {
                return page::error(
                    &v.c,
                    &kyso_office::OfficeError::forbidden(
                        "chỉ thủ trưởng, kiểm tra viên, cán bộ CNTT hoặc quản trị xem được lịch lưu trữ",
                        "only a head of agency, an auditor, an IT officer or the administrator reads the archive schedule",
                    ),
                )
            }
        },
    };
    let st = match s.office.archive_status(&v.actor, agency).await {
        Ok(st) => st,
        Err(e) => return page::error(&v.c, &e),
    };
    page::ok(&ArchivePage {
        admin,
        agencies,
        agency_id: agency.unwrap_or(0),
        due: st.due,
        done: st.done,
        failed: st.failed,
        due_soon: st.due_soon,
        failed_rows: st.failed_rows.iter().map(row).collect(),
        due_rows: st.due_rows.iter().map(row).collect(),
        c: v.c,
    })
}
