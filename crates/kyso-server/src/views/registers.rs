//! The registers (sổ đăng ký văn bản đi / đến) by agency, direction and
//! year, with a search and the CSV and signed PDF exports.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyso_office::register::{Direction, RegisterLine};
use kyso_office::Role;
use serde::Deserialize;

use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registers", get(show))
        .route("/registers/export", get(export))
}

#[derive(Deserialize, Default)]
struct RegisterQuery {
    agency_id: Option<i64>,
    direction: Option<String>,
    year: Option<i32>,
    q: Option<String>,
    format: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "registers.html")]
struct RegisterPage {
    c: Chrome,
    agencies: Vec<(i64, String)>,
    agency_id: i64,
    incoming: bool,
    year: i32,
    years: Vec<i32>,
    q: String,
    lines: Vec<RegisterLine>,
    query: String,
}

struct Chosen {
    agency_id: i64,
    direction: Direction,
    year: i32,
}

fn choose(v: &Viewer, q: &RegisterQuery, this_year: i32) -> Option<(Vec<(i64, String)>, Chosen)> {
    let mut agencies: Vec<(i64, String)> = v
        .actor
        .memberships
        .iter()
        .filter(|m| matches!(m.role, Role::Clerk | Role::Head | Role::Auditor))
        .map(|m| (m.agency_id, m.agency_name.clone()))
        .collect();
    agencies.dedup_by_key(|a| a.0);
    let first = agencies.first()?.0;
    let agency_id = q
        .agency_id
        .filter(|id| agencies.iter().any(|a| a.0 == *id))
        .unwrap_or(first);
    let direction = if q.direction.as_deref() == Some("in") {
        Direction::In
    } else {
        Direction::Out
    };
    let year = q
        .year
        .filter(|y| (2000..=this_year + 1).contains(y))
        .unwrap_or(this_year);
    Some((
        agencies,
        Chosen {
            agency_id,
            direction,
            year,
        },
    ))
}

fn forbidden(c: &Chrome) -> Response {
    page::error(
        c,
        &kyso_office::OfficeError::forbidden(
            "chỉ văn thư, thủ trưởng hoặc kiểm tra viên xem được sổ đăng ký",
            "only clerks, heads and auditors read the registers",
        ),
    )
}

async fn show(State(s): State<AppState>, v: Viewer, Query(q): Query<RegisterQuery>) -> Response {
    let this_year = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .year();
    let Some((agencies, ch)) = choose(&v, &q, this_year) else {
        return forbidden(&v.c);
    };
    let lines = match s
        .office
        .register(
            &v.actor,
            ch.agency_id,
            ch.direction,
            ch.year,
            q.q.as_deref(),
        )
        .await
    {
        Ok(l) => l,
        Err(e) => return page::error(&v.c, &e),
    };
    page::ok(&RegisterPage {
        agencies,
        agency_id: ch.agency_id,
        incoming: ch.direction == Direction::In,
        year: ch.year,
        years: (this_year - 4..=this_year).rev().collect(),
        q: q.q.unwrap_or_default(),
        lines,
        query: format!(
            "agency_id={}&direction={}&year={}",
            ch.agency_id,
            ch.direction.code(),
            ch.year
        ),
        c: v.c,
    })
}

async fn export(State(s): State<AppState>, v: Viewer, Query(q): Query<RegisterQuery>) -> Response {
    let this_year = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .year();
    let Some((_, ch)) = choose(&v, &q, this_year) else {
        return forbidden(&v.c);
    };
    let name = format!("so-{}-{}-{}", ch.direction.code(), ch.agency_id, ch.year);
    let r = if q.format.as_deref() == Some("pdf") {
        s.office
            .register_pdf(&v.actor, ch.agency_id, ch.direction, ch.year)
            .await
            .map(|b| page::download(&format!("{name}.pdf"), "application/pdf", b))
    } else {
        s.office
            .register_csv(&v.actor, ch.agency_id, ch.direction, ch.year)
            .await
            .map(|b| page::download(&format!("{name}.csv"), "text/csv; charset=utf-8", b))
    };
    r.unwrap_or_else(|e| page::error(&v.c, &e))
}
