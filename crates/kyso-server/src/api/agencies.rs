//! Agencies: the province's tree, their seal keys and seal images.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kyso_office::agency::{AgencyUpdate, AgencyView, NewAgency, SealKeySetup};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{require_content_type, Caller, Json, Path, Query, RawBody};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(set_seal_key))
}

/// Routes that take a file body.
pub fn file_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_seal_image))
}

#[derive(Deserialize, IntoParams)]
pub struct AgencySearch {
    /// Words of the name, short name or code, without regard to accents.
    pub q: Option<String>,
}

/// Every agency (everyone logged in: recipients are chosen from it).
#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies", params(AgencySearch),
    responses((status = 200, body = [AgencyView])))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<AgencySearch>,
) -> Result<axum::Json<Vec<AgencyView>>, WebError> {
    Ok(axum::Json(
        s.office.list_agencies(&a, q.q.as_deref()).await?,
    ))
}

/// Create an agency (department administrator).
#[utoipa::path(post, path = "/api/v1/agencies", tag = "agencies", request_body = NewAgency,
    responses((status = 201, body = AgencyView)))]
async fn create(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewAgency>,
) -> Result<(StatusCode, axum::Json<AgencyView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.create_agency(&a, n).await?),
    ))
}

/// One agency.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "agencies",
    params(("id" = i64, Path, description = "agency id")),
    responses((status = 200, body = AgencyView)))]
async fn get_one(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<AgencyView>, WebError> {
    Ok(axum::Json(s.office.agency(&a, id).await?))
}

/// Change an agency's details (department administrator).
#[utoipa::path(patch, path = "/api/v1/agencies/{id}", tag = "agencies",
    params(("id" = i64, Path, description = "agency id")),
    request_body = AgencyUpdate,
    responses((status = 200, body = AgencyView)))]
async fn update(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(u): Json<AgencyUpdate>,
) -> Result<axum::Json<AgencyView>, WebError> {
    Ok(axum::Json(s.office.update_agency(&a, id, u).await?))
}

/// Set up the agency's seal key: generated here (the built-in CA issues
/// the organization certificate) or on a PKCS#11 token.
#[utoipa::path(put, path = "/api/v1/agencies/{id}/seal-key", tag = "agencies",
    params(("id" = i64, Path, description = "agency id")),
    request_body = SealKeySetup,
    responses((status = 200, body = AgencyView)))]
async fn set_seal_key(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(k): Json<SealKeySetup>,
) -> Result<axum::Json<AgencyView>, WebError> {
    Ok(axum::Json(s.office.set_seal_key(&a, id, k).await?))
}

/// Set the agency's seal image (PNG with transparency).
#[utoipa::path(put, path = "/api/v1/agencies/{id}/seal-image", tag = "agencies",
    params(("id" = i64, Path, description = "agency id")),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = AgencyView)))]
async fn set_seal_image(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    RawBody(png): RawBody,
) -> Result<axum::Json<AgencyView>, WebError> {
    require_content_type(&headers, &["image/png"])?;
    Ok(axum::Json(s.office.set_seal_image(&a, id, png).await?))
}
