//! The certificate service desk (DESIGN §10, Decree 68/2024): requests
//! from subscriber to CA or department, the working-day calendar, and the
//! registry of key devices with their handovers and loss records.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kyso_office::desk::{
    Approval, CalendarDay, DayKind, DeviceState, DeviceView, NewDevice, NewHandover, NewRequest,
    RequestFilter, RequestForm, RequestView,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Json, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(confirm))
        .routes(routes!(return_request))
        .routes(routes!(resubmit))
        .routes(routes!(cancel))
        .routes(routes!(send))
        .routes(routes!(approve))
        .routes(routes!(refuse))
        .routes(routes!(complete))
        .routes(routes!(calendar))
        .routes(routes!(set_day, remove_day))
        .routes(routes!(add_fixed))
        .routes(routes!(devices, register_device))
        .routes(routes!(device))
        .routes(routes!(device_state))
        .routes(routes!(handover))
        .routes(routes!(loss))
        .routes(routes!(handover_record))
}

/// Written reasons (a return or a refusal).
#[derive(Deserialize, ToSchema)]
pub struct Reasons {
    pub reasons: String,
}

/// A corrected form (optional).
#[derive(Deserialize, ToSchema)]
pub struct Resubmit {
    #[serde(default)]
    pub form: Option<RequestForm>,
}

/// An optional note.
#[derive(Deserialize, ToSchema)]
pub struct Note {
    #[serde(default)]
    pub note: Option<String>,
}

/// Requests the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/desk/requests", tag = "desk", params(RequestFilter),
    responses((status = 200, body = [RequestView])))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(f): Query<RequestFilter>,
) -> Result<axum::Json<Vec<RequestView>>, WebError> {
    Ok(axum::Json(s.office.desk_requests(&a, &f).await?))
}

/// File a request (the subscriber, or the managing organization on
/// their behalf).
#[utoipa::path(post, path = "/api/v1/desk/requests", tag = "desk", request_body = NewRequest,
    responses((status = 201, body = RequestView)))]
async fn create(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewRequest>,
) -> Result<(StatusCode, axum::Json<RequestView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.create_request(&a, n).await?),
    ))
}

/// One request with its history and what may be done next.
#[utoipa::path(get, path = "/api/v1/desk/requests/{id}", tag = "desk",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = RequestView)))]
async fn get_one(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.desk_request(&a, id).await?))
}

/// The managing organization confirms, answering for the form's accuracy;
/// the request's letter (`letter_document_id`) is drafted as its outgoing
/// document and submitted to its approver.
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/confirm", tag = "desk",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = RequestView)))]
async fn confirm(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.confirm_request(&a, id).await?))
}

/// The managing organization returns it with written reasons.
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/return", tag = "desk",
    params(("id" = i64, Path, description = "request id")), request_body = Reasons,
    responses((status = 200, body = RequestView)))]
async fn return_request(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Reasons>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(
        s.office.return_request(&a, id, &b.reasons).await?,
    ))
}

/// Its creator sends a returned request again, corrected.
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/resubmit", tag = "desk",
    params(("id" = i64, Path, description = "request id")), request_body = Resubmit,
    responses((status = 200, body = RequestView)))]
async fn resubmit(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Resubmit>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.resubmit_request(&a, id, b.form).await?))
}

/// Its creator cancels it before confirmation.
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/cancel", tag = "desk",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = RequestView)))]
async fn cancel(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.cancel_request(&a, id).await?))
}

/// The managing organization sends it to the CA or the department: only
/// with its letter issued (`409 letter-missing`, `409 letter-not-issued`);
/// issuing the letter (`POST /api/v1/documents/{id}/issue`) sends it.
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/send", tag = "desk",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = RequestView)))]
async fn send(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.send_request(&a, id).await?))
}

/// The CA or department approves: issues (from the CSR made on the
/// subscriber's token), renews, changes or revokes through the CA — once
/// the request's letter has been received and registered by the deciding
/// agency with both signatures valid (`409 letter-not-received`,
/// `409 letter-not-verified`).
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/approve", tag = "desk",
    params(("id" = i64, Path, description = "request id")), request_body = Approval,
    responses((status = 200, body = RequestView)))]
async fn approve(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Approval>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.approve_request(&a, id, b).await?))
}

/// The CA or department refuses in writing with reasons.
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/refuse", tag = "desk",
    params(("id" = i64, Path, description = "request id")), request_body = Reasons,
    responses((status = 200, body = RequestView)))]
async fn refuse(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Reasons>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(
        s.office.refuse_request(&a, id, &b.reasons).await?,
    ))
}

/// An approved request is completed (result handed over).
#[utoipa::path(post, path = "/api/v1/desk/requests/{id}/complete", tag = "desk",
    params(("id" = i64, Path, description = "request id")), request_body = Note,
    responses((status = 200, body = RequestView)))]
async fn complete(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Note>,
) -> Result<axum::Json<RequestView>, WebError> {
    Ok(axum::Json(s.office.complete_request(&a, id, b.note).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    pub year: i32,
}

/// The working-day calendar's entries of a year.
#[utoipa::path(get, path = "/api/v1/desk/calendar", tag = "desk", params(YearQuery),
    responses((status = 200, body = [CalendarDay])))]
async fn calendar(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<YearQuery>,
) -> Result<axum::Json<Vec<CalendarDay>>, WebError> {
    Ok(axum::Json(s.office.holidays(&a, q.year).await?))
}

/// A calendar day's kind and name.
#[derive(Deserialize, ToSchema)]
pub struct DayEntry {
    pub kind: DayKind,
    pub name: String,
}

/// Set a day of the calendar (department administrator).
#[utoipa::path(put, path = "/api/v1/desk/calendar/{day}", tag = "desk",
    params(("day" = String, Path, description = "ISO date")), request_body = DayEntry,
    responses((status = 200, body = CalendarDay)))]
async fn set_day(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(day): Path<String>,
    Json(b): Json<DayEntry>,
) -> Result<axum::Json<CalendarDay>, WebError> {
    Ok(axum::Json(
        s.office
            .set_holiday(
                &a,
                CalendarDay {
                    day,
                    kind: b.kind,
                    name: b.name,
                },
            )
            .await?,
    ))
}

/// Remove a day from the calendar (department administrator).
#[utoipa::path(delete, path = "/api/v1/desk/calendar/{day}", tag = "desk",
    params(("day" = String, Path, description = "ISO date")),
    responses((status = 204, description = "removed")))]
async fn remove_day(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(day): Path<String>,
) -> Result<StatusCode, WebError> {
    s.office.remove_holiday(&a, &day).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enter a year's fixed public holidays (department administrator).
#[utoipa::path(post, path = "/api/v1/desk/calendar/fixed", tag = "desk", params(YearQuery),
    responses((status = 200, body = [CalendarDay])))]
async fn add_fixed(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<YearQuery>,
) -> Result<axum::Json<Vec<CalendarDay>>, WebError> {
    Ok(axum::Json(s.office.add_fixed_holidays(&a, q.year).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct DeviceQuery {
    pub agency_id: Option<i64>,
}

/// The devices the caller keeps or holds.
#[utoipa::path(get, path = "/api/v1/desk/devices", tag = "desk", params(DeviceQuery),
    responses((status = 200, body = [DeviceView])))]
async fn devices(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<DeviceQuery>,
) -> Result<axum::Json<Vec<DeviceView>>, WebError> {
    Ok(axum::Json(s.office.devices(&a, q.agency_id).await?))
}

/// Register a device (CA operator, department administrator).
#[utoipa::path(post, path = "/api/v1/desk/devices", tag = "desk", request_body = NewDevice,
    responses((status = 201, body = DeviceView)))]
async fn register_device(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewDevice>,
) -> Result<(StatusCode, axum::Json<DeviceView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.register_device(&a, n).await?),
    ))
}

/// One device with its handovers.
#[utoipa::path(get, path = "/api/v1/desk/devices/{id}", tag = "desk",
    params(("id" = i64, Path, description = "device id")),
    responses((status = 200, body = DeviceView)))]
async fn device(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<DeviceView>, WebError> {
    Ok(axum::Json(s.office.device(&a, id).await?))
}

/// A device's new state.
#[derive(Deserialize, ToSchema)]
pub struct NewState {
    pub state: DeviceState,
}

/// Change a device's state as the table allows.
#[utoipa::path(post, path = "/api/v1/desk/devices/{id}/state", tag = "desk",
    params(("id" = i64, Path, description = "device id")), request_body = NewState,
    responses((status = 200, body = DeviceView)))]
async fn device_state(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<NewState>,
) -> Result<axum::Json<DeviceView>, WebError> {
    Ok(axum::Json(
        s.office.set_device_state(&a, id, b.state).await?,
    ))
}

/// Record a handover of a device.
#[utoipa::path(post, path = "/api/v1/desk/devices/{id}/handovers", tag = "desk",
    params(("id" = i64, Path, description = "device id")), request_body = NewHandover,
    responses((status = 200, body = DeviceView)))]
async fn handover(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<NewHandover>,
) -> Result<axum::Json<DeviceView>, WebError> {
    Ok(axum::Json(s.office.record_handover(&a, id, b).await?))
}

/// A loss record.
#[derive(Deserialize, ToSchema)]
pub struct Loss {
    /// ISO date the loss was noticed.
    pub day: String,
    pub note: String,
}

/// Record a device's loss; its certificate is revoked at once.
#[utoipa::path(post, path = "/api/v1/desk/devices/{id}/loss", tag = "desk",
    params(("id" = i64, Path, description = "device id")), request_body = Loss,
    responses((status = 200, body = DeviceView)))]
async fn loss(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Loss>,
) -> Result<axum::Json<DeviceView>, WebError> {
    Ok(axum::Json(
        s.office.report_loss(&a, id, &b.day, &b.note).await?,
    ))
}

/// The handover record (biên bản bàn giao) as a PDF sealed with the
/// device's agency's seal key (its clerk or head); kept with the handover.
#[utoipa::path(post, path = "/api/v1/desk/devices/{id}/handovers/{handover_id}/record", tag = "desk",
    params(("id" = i64, Path, description = "device id"),
           ("handover_id" = i64, Path, description = "handover id")),
    responses((status = 200, description = "the sealed record", content_type = "application/pdf", body = Vec<u8>)))]
async fn handover_record(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path((id, handover_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let pdf = s.office.handover_record(&a, id, handover_id).await?;
    let name = format!("bien-ban-ban-giao-{id}-{handover_id}.pdf");
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
