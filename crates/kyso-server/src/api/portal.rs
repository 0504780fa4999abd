//! `/api/v1/documents/{id}/publication` and `/api/v1/portal`: publishing
//! issued documents on the agency's portal page, and the portal itself —
//! public, read-only, only what was published (R-PORTAL).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kyso_office::portal::{PortalAgency, PortalPage, Publication, Section};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::content_disposition;
use crate::error::WebError;
use crate::extract::{Caller, Json, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publication, publish, unpublish))
        .routes(routes!(agencies))
        .routes(routes!(page))
        .routes(routes!(file))
}

#[derive(Deserialize, ToSchema)]
pub struct PublishRequest {
    pub section: Section,
}

/// Whether the document is published on its agency's portal page (404
/// when it is not).
#[utoipa::path(get, path = "/api/v1/documents/{id}/publication", tag = "portal",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = Publication)))]
async fn publication(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Publication>, WebError> {
    s.office
        .publication(&a, id)
        .await?
        .map(axum::Json)
        .ok_or_else(|| {
            kyso_office::OfficeError::not_found("văn bản đã đăng", "published document").into()
        })
}

/// Publishes an issued document on its agency's portal page (a clerk or
/// the head of the issuing agency); its issued file is verified now and
/// the verdict shown with it.
#[utoipa::path(post, path = "/api/v1/documents/{id}/publication", tag = "portal",
    params(("id" = i64, Path, description = "document id")),
    request_body = PublishRequest,
    responses((status = 201, body = Publication)))]
async fn publish(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(r): Json<PublishRequest>,
) -> Result<(StatusCode, axum::Json<Publication>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.publish(&a, id, r.section).await?),
    ))
}

/// Withdraws the document from the portal.
#[utoipa::path(delete, path = "/api/v1/documents/{id}/publication", tag = "portal",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 204, description = "withdrawn")))]
async fn unpublish(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    s.office.unpublish(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The agencies that have published documents (public).
#[utoipa::path(get, path = "/api/v1/portal", tag = "portal", security(()),
    responses((status = 200, body = [PortalAgency])))]
async fn agencies(State(s): State<AppState>) -> Result<axum::Json<Vec<PortalAgency>>, WebError> {
    Ok(axum::Json(s.office.portal_agencies().await?))
}

#[derive(Deserialize, IntoParams)]
pub struct PortalQuery {
    /// Only this section.
    pub section: Option<Section>,
}

/// An agency's portal page (public): its published documents, newest
/// first, with their verification verdict.
#[utoipa::path(get, path = "/api/v1/portal/{agency_code}", tag = "portal", security(()),
    params(("agency_code" = String, Path, description = "the agency's official code"), PortalQuery),
    responses((status = 200, body = PortalPage)))]
async fn page(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PortalQuery>,
) -> Result<axum::Json<PortalPage>, WebError> {
    Ok(axum::Json(s.office.portal_page(&code, q.section).await?))
}

/// A published document's issued file (public; 404 unless published).
#[utoipa::path(get, path = "/api/v1/portal/{agency_code}/{id}/file", tag = "portal", security(()),
    params(("agency_code" = String, Path, description = "the agency's official code"),
           ("id" = i64, Path, description = "document id")),
    responses((status = 200, description = "the issued PDF",
        content((Vec<u8> = "application/pdf")),
        headers(("content-disposition" = String, description = "attachment; filename=…")))))]
async fn file(
    State(s): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let (d, bytes) = s.office.published_file(&code, id).await?;
    Ok(pdf_response(&d.file_name, bytes))
}

/// A PDF download.
pub(crate) fn pdf_response(name: &str, bytes: bytes::Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, content_disposition(name)),
        ],
        bytes,
    )
        .into_response()
}
