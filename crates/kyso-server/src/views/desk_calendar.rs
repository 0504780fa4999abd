//! The holiday calendar of the certificate desk (issue 12 §4) on the
//! web: the days of a year that are not worked (fixed and lunar-calendar
//! holidays, compensatory days) or worked on a weekend, which every
//! deadline in working days skips or counts. Everyone reads it; the
//! department administrator adds and removes days and enters the fixed
//! public holidays of a year, each a `kyso-office` use case with its
//! audit entry.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::desk::{CalendarDay, DayKind};
use kyso_office::{OfficeError, Role};
use serde::Deserialize;

use super::desk::message;
use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::error::WebError;
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/calendar", get(show).post(add))
        .route("/desk/calendar/remove", post(remove))
        .route("/desk/calendar/fixed", post(fixed))
}

const KINDS: [DayKind; 4] = [
    DayKind::Fixed,
    DayKind::Lunar,
    DayKind::Compensatory,
    DayKind::Workday,
];

/// Years the page offers (the calendar's walk is bounded anyway).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<i32>,
}

/// What was typed in the form of a day.
#[derive(Deserialize, Default, Clone)]
struct DayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    year: String,
}

/// A day as the page shows it.
struct DayRow {
    iso: String,
    day: String,
    weekday: &'static str,
    kind_code: &'static str,
    kind: &'static str,
    name: String,
}

#[derive(askama::Template)]
#[template(path = "desk_calendar.html")]
struct CalendarPage {
    c: Chrome,
    year: i32,
    days: Vec<DayRow>,
    can_edit: bool,
    kinds: Vec<(&'static str, &'static str)>,
    f: DayForm,
    error: Option<String>,
}

fn this_year(s: &AppState) -> i32 {
    s.office.now().to_offset(time::macros::offset!(+7)).year()
}

fn weekday_key(iso: &str) -> &'static str {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(iso, &fmt).map(|d| d.weekday()) {
        Ok(time::Weekday::Monday) => "desk.weekday.1",
        Ok(time::Weekday::Tuesday) => "desk.weekday.2",
        Ok(time::Weekday::Wednesday) => "desk.weekday.3",
        Ok(time::Weekday::Thursday) => "desk.weekday.4",
        Ok(time::Weekday::Friday) => "desk.weekday.5",
        Ok(time::Weekday::Saturday) => "desk.weekday.6",
        Ok(time::Weekday::Sunday) => "desk.weekday.7",
        Err(_) => "common.unknown",
    }
}

async fn calendar_page(
    s: &AppState,
    v: Viewer,
    year: i32,
    f: DayForm,
    error: Option<(StatusCode, String)>,
) -> Response {
    let days = match s.office.holidays(&v.actor, year).await {
        Ok(d) => d,
        Err(e) => return page::error(&v.c, &e),
    };
    let c = v.c;
    let days = days
        .into_iter()
        .map(|d| DayRow {
            day: fmt::when(&d.day),
            weekday: c.t(weekday_key(&d.day)),
            kind_code: d.kind.code(),
            kind: c.named("desk.day_kind", d.kind.code()),
            name: d.name,
            iso: d.day,
        })
        .collect();
    let (status, error) = match error {
        Some((st, m)) => (st, Some(m)),
        None => (StatusCode::OK, None),
    };
    page::render(
        status,
        &CalendarPage {
            year,
            days,
            can_edit: v.actor.has_anywhere(Role::DeptAdmin),
            kinds: KINDS
                .iter()
                .map(|k| (k.code(), c.named("desk.day_kind", k.code())))
                .collect(),
            f,
            error,
            c,
        },
    )
}

async fn show(State(s): State<AppState>, v: Viewer, Query(q): Query<YearQuery>) -> Response {
    let year = q
        .year
        .filter(|y| YEARS.contains(y))
        .unwrap_or_else(|| this_year(&s));
    let f = DayForm {
        kind: DayKind::Lunar.code().into(),
        ..DayForm::default()
    };
    calendar_page(&s, v, year, f, None).await
}

/// The year of a form (the page's, else the day's, else this year).
fn year_of(s: &AppState, f: &DayForm) -> i32 {
    f.year
        .trim()
        .parse()
        .ok()
        .or_else(|| f.day.get(..4).and_then(|y| y.parse().ok()))
        .filter(|y| YEARS.contains(y))
        .unwrap_or_else(|| this_year(s))
}

async fn after(
    s: &AppState,
    v: Viewer,
    f: DayForm,
    done: Result<(), OfficeError>,
    ok: &str,
) -> Response {
    let year = year_of(s, &f);
    match done {
        Ok(()) => Redirect::to(&format!("/desk/calendar?year={year}&ok={ok}")).into_response(),
        Err(e) => {
            let m = message(&v.c, &e);
            calendar_page(s, v, year, f, Some((WebError::status_of(e.kind), m))).await
        }
    }
}

async fn add(State(s): State<AppState>, v: Viewer, Form(f): Form<DayForm>) -> Response {
    let done = match DayKind::parse(f.kind.trim()) {
        Ok(kind) => s
            .office
            .set_holiday(
                &v.actor,
                CalendarDay {
                    day: f.day.clone(),
                    kind,
                    name: f.name.clone(),
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, v, f, done, "day-set").await
}

async fn remove(State(s): State<AppState>, v: Viewer, Form(f): Form<DayForm>) -> Response {
    let done = s.office.remove_holiday(&v.actor, &f.day).await;
    let f = DayForm {
        year: f.day.get(..4).unwrap_or_default().to_string(),
        ..DayForm::default()
    };
    after(&s, v, f, done, "day-removed").await
}

async fn fixed(State(s): State<AppState>, v: Viewer, Form(f): Form<DayForm>) -> Response {
    let year = year_of(&s, &f);
    let done = s
        .office
        .add_fixed_holidays(&v.actor, year)
        .await
        .map(|_| ());
    after(&s, v, f, done, "fixed-added").await
}
