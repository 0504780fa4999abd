//! The certificate desk's people, custody and dossiers (issue 12 §5–6):
//! a person leaving the state sector or moving inside it (Decree
//! 68/2024), the organization token's change of custodian on a sealed
//! handover record (R-TOKEN-ORG), and request dossiers as one ZIP with a
//! manifest (R-DIC-RECORDS, R-MANAGER-DOSSIERS).

use axum::extract::State;
use axum::response::Response;
use kyso_office::desk::{
    CustodianChange, CustodyView, Departure, DepartureView, DeviceView, RequestFilter, Transfer,
    TransferView,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::archive::{temp_zip, zip_download};
use crate::error::WebError;
use crate::extract::{Caller, Json, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(leave))
        .routes(routes!(transfer))
        .routes(routes!(custodian))
        .routes(routes!(custody))
        .routes(routes!(dossier))
        .routes(routes!(dossiers))
}

/// A person leaves the state sector: their managing organization files a
/// revocation request for each of their valid certificates and their
/// devices become due back within 5 working days.
#[utoipa::path(post, path = "/api/v1/desk/people/{id}/leave", tag = "desk",
    params(("id" = i64, Path, description = "person id")), request_body = Departure,
    responses((status = 200, body = DepartureView)))]
async fn leave(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Departure>,
) -> Result<axum::Json<DepartureView>, WebError> {
    Ok(axum::Json(s.office.person_leaves(&a, id, b).await?))
}

/// A person moves to another agency or position inside the state sector:
/// an information change request for each of their valid certificates.
#[utoipa::path(post, path = "/api/v1/desk/people/{id}/transfer", tag = "desk",
    params(("id" = i64, Path, description = "person id")), request_body = Transfer,
    responses((status = 200, body = TransferView)))]
async fn transfer(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<Transfer>,
) -> Result<axum::Json<TransferView>, WebError> {
    Ok(axum::Json(s.office.person_transfers(&a, id, b).await?))
}

/// The organization's token passes to a new custodian on a handover
/// record sealed with the managing organization's seal (refused without).
#[utoipa::path(post, path = "/api/v1/desk/devices/{id}/custodian", tag = "desk",
    params(("id" = i64, Path, description = "device id")), request_body = CustodianChange,
    responses((status = 200, body = DeviceView)))]
async fn custodian(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(b): Json<CustodianChange>,
) -> Result<axum::Json<DeviceView>, WebError> {
    Ok(axum::Json(s.office.change_custodian(&a, id, b).await?))
}

/// A device's changes of custodian with their records, oldest first.
#[utoipa::path(get, path = "/api/v1/desk/devices/{id}/custody", tag = "desk",
    params(("id" = i64, Path, description = "device id")),
    responses((status = 200, body = [CustodyView])))]
async fn custody(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<CustodyView>>, WebError> {
    Ok(axum::Json(s.office.custody_changes(&a, id).await?))
}

/// One request's dossier as a ZIP: form, request with its history,
/// decision, certificates (DER and PEM), handover and loss records,
/// audit trail, `dossier.json` and `manifest.xml` (every file's SHA-256).
/// The subscriber's managing organization, the department, the CA and
/// auditors.
#[utoipa::path(get, path = "/api/v1/desk/requests/{id}/dossier", tag = "desk",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, description = "the dossier",
        content((Vec<u8> = "application/zip")),
        headers(("content-disposition" = String, description = "attachment; filename=…")))))]
async fn dossier(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (file, out) = temp_zip()?;
    s.office.request_dossier(&a, id, out).await?;
    Ok(zip_download(file, &format!("ho-so-yeu-cau-{id}.zip"))?)
}

/// The dossiers of the requests a search finds (the filters of
/// `/api/v1/desk/requests`, at most 500) as one ZIP.
#[utoipa::path(get, path = "/api/v1/desk/dossiers", tag = "desk", params(RequestFilter),
    responses((status = 200, description = "the dossiers",
        content((Vec<u8> = "application/zip")),
        headers(("content-disposition" = String, description = "attachment; filename=…")))))]
async fn dossiers(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(f): Query<RequestFilter>,
) -> Result<Response, WebError> {
    let (file, out) = temp_zip()?;
    s.office.search_dossiers(&a, &f, out).await?;
    Ok(zip_download(file, "ho-so-yeu-cau.zip")?)
}
