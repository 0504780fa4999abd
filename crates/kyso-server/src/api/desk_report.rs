//! The certificate desk's notice log and reports (issue 12 §7–8), and
//! the reports made on the schedule and kept.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use kyso_office::desk::{
    chart_svg, report_csv, ChartKind, DeskReport, NoticeView, PeriodicReportView, ReportQuery,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notices))
        .routes(routes!(report))
        .routes(routes!(report_csv_file))
        .routes(routes!(report_pdf_file))
        .routes(routes!(report_chart))
        .routes(routes!(periodic_reports))
        .routes(routes!(periodic_report_pdf))
}

/// How many notices to list.
#[derive(Deserialize, IntoParams)]
pub struct NoticeQuery {
    /// At most this many (1–1000, default 200).
    pub limit: Option<u64>,
}

/// The e-mail notice log (expiry, state changes, overdue requests),
/// newest first: all of it for the department and the CA, its own for a
/// managing organization.
#[utoipa::path(get, path = "/api/v1/desk/notices", tag = "desk", params(NoticeQuery),
    responses((status = 200, body = [NoticeView])))]
async fn notices(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<NoticeQuery>,
) -> Result<axum::Json<Vec<NoticeView>>, WebError> {
    Ok(axum::Json(
        s.office.desk_notices(&a, q.limit.unwrap_or(200)).await?,
    ))
}

/// The desk's report (certificates, requests and deadlines, expiring
/// certificates, tokens, signatures) for a period and scope.
#[utoipa::path(get, path = "/api/v1/desk/report", tag = "desk", params(ReportQuery),
    responses((status = 200, body = DeskReport)))]
async fn report(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<ReportQuery>,
) -> Result<axum::Json<DeskReport>, WebError> {
    Ok(axum::Json(s.office.desk_report(&a, &q).await?))
}

/// The same report as CSV.
#[utoipa::path(get, path = "/api/v1/desk/report.csv", tag = "desk", params(ReportQuery),
    responses((status = 200, description = "the report as CSV", content_type = "text/csv", body = String)))]
async fn report_csv_file(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let r = s.office.desk_report(&a, &q).await?;
    let name = format!("bao-cao-chung-thu-so-{}-{}.csv", r.from, r.to);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                super::content_disposition(&name),
            ),
        ],
        report_csv(&r)?,
    )
        .into_response())
}

/// The same report as a PDF laid out in Vietnamese and signed (PAdES
/// B-T) with the seal key of the reporting body: the department or the
/// CA for the province, the managing organization for its own agency.
#[utoipa::path(get, path = "/api/v1/desk/report.pdf", tag = "desk", params(ReportQuery),
    responses((status = 200, description = "the signed report", content_type = "application/pdf", body = Vec<u8>)))]
async fn report_pdf_file(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let pdf = s.office.desk_report_pdf(&a, &q).await?;
    let name = format!(
        "bao-cao-chung-thu-so-{}-{}.pdf",
        q.from.as_deref().unwrap_or("dau-nam"),
        q.to.as_deref().unwrap_or("hom-nay")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                super::content_disposition(&name),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// One chart of the report as SVG, drawn on the server: `certificates`,
/// `deadlines`, `expiring`, `tokens` or `signatures`.
#[utoipa::path(get, path = "/api/v1/desk/report/charts/{kind}", tag = "desk",
    params(("kind" = String, Path, description = "certificates, deadlines, expiring, tokens, signatures"),
           ReportQuery),
    responses((status = 200, description = "the chart", content_type = "image/svg+xml", body = String)))]
async fn report_chart(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(kind): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let kind = ChartKind::parse(&kind)?;
    let r = s.office.desk_report(&a, &q).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        chart_svg(&r, kind)?,
    )
        .into_response())
}

/// The reports made on the schedule (monthly by default) for the
/// department, signed with its seal and kept, newest period first.
#[utoipa::path(get, path = "/api/v1/desk/reports/periodic", tag = "desk",
    responses((status = 200, body = [PeriodicReportView])))]
async fn periodic_reports(
    State(s): State<AppState>,
    Caller(a): Caller,
) -> Result<axum::Json<Vec<PeriodicReportView>>, WebError> {
    Ok(axum::Json(s.office.periodic_reports(&a).await?))
}

/// One kept report: its signed PDF as it was made.
#[utoipa::path(get, path = "/api/v1/desk/reports/periodic/{id}/pdf", tag = "desk",
    params(("id" = i64, Path, description = "the kept report")),
    responses((status = 200, description = "the signed report", content_type = "application/pdf", body = Vec<u8>)))]
async fn periodic_report_pdf(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (r, pdf) = s.office.periodic_report_pdf(&a, id).await?;
    let name = format!("bao-cao-chung-thu-so-{}.pdf", r.period);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                super::content_disposition(&name),
            ),
        ],
        pdf,
    )
        .into_response())
}
