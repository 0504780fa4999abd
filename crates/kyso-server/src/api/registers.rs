//! The registers of outgoing and incoming documents (Decree 30/2020
//! Appendix IV), as JSON and as CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kyso_office::register::{Direction, RegisterLine};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

#[derive(Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// Words of the number, subject, author …, without regard to accents.
    pub q: Option<String>,
}

fn year_of(s: &str) -> Result<i32, WebError> {
    s.parse::<i32>()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .ok_or_else(|| {
            WebError::invalid(
                "bad-year",
                "năm không hợp lệ (1900–9999)",
                "not a valid year (1900–9999)",
            )
        })
}

/// The register of one agency, direction and year: one line per number.
/// (`…/{year}.csv` gives it as CSV.)
#[utoipa::path(get, path = "/api/v1/registers/{agency_id}/{direction}/{year}", tag = "registers",
    params(("agency_id" = i64, Path, description = "agency id"),
           ("direction" = Direction, Path, description = "`out`: outgoing, `in`: incoming"),
           ("year" = i32, Path, description = "the register's year (incoming: the arrival year)"),
           RegisterQuery),
    responses((status = 200, body = [RegisterLine])))]
async fn register(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path((agency_id, direction, year)): Path<(i64, Direction, String)>,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    if let Some(y) = year.strip_suffix(".csv") {
        return register_csv(&s, &a, agency_id, direction, year_of(y)?).await;
    }
    let lines = s
        .office
        .register(&a, agency_id, direction, year_of(&year)?, q.q.as_deref())
        .await?;
    Ok(axum::Json(lines).into_response())
}

/// The register as CSV with the columns of Appendix IV (UTF-8 with a
/// byte-order mark, so spreadsheet programs show Vietnamese).
#[utoipa::path(get, path = "/api/v1/registers/{agency_id}/{direction}/{year}.csv", tag = "registers",
    params(("agency_id" = i64, Path, description = "agency id"),
           ("direction" = Direction, Path, description = "`out` or `in`"),
           ("year" = i32, Path, description = "the register's year")),
    responses((status = 200, description = "the register", content_type = "text/csv; charset=utf-8", body = String)))]
pub(crate) async fn register_csv(
    s: &AppState,
    a: &kyso_office::Actor,
    agency_id: i64,
    direction: Direction,
    year: i32,
) -> Result<Response, WebError> {
    let csv = s.office.register_csv(a, agency_id, direction, year).await?;
    let name = format!("so-{}-{agency_id}-{year}.csv", direction.code());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                super::content_disposition(&name),
            ),
        ],
        csv,
    )
        .into_response())
}
