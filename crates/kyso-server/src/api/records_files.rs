//! `/api/v1/archive/files`: an agency's records files (hồ sơ) of a year
//! — opened, filled with its issued and registered documents, closed —
//! with the metadata of Circular 02/2019/TT-BNV. A file is exported with
//! `GET /api/v1/archive/export?records_file=ID`.

use axum::extract::State;
use axum::http::StatusCode;
use kyso_office::records_file::{NewRecordsFile, RecordsFileView};
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
        .routes(routes!(show))
        .routes(routes!(add_document))
        .routes(routes!(close))
}

#[derive(Deserialize, IntoParams)]
pub struct FilesQuery {
    pub agency_id: i64,
    /// Năm hình thành hồ sơ.
    pub year: i32,
}

/// The agency's list of files of a year (danh mục hồ sơ), by number;
/// clerks, heads and auditors of the agency.
#[utoipa::path(get, path = "/api/v1/archive/files", tag = "archive", params(FilesQuery),
    responses((status = 200, body = Vec<RecordsFileView>)))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<FilesQuery>,
) -> Result<axum::Json<Vec<RecordsFileView>>, WebError> {
    Ok(axum::Json(
        s.office.records_files(&a, q.agency_id, q.year).await?,
    ))
}

/// Opens a records file (a clerk or the head of the agency): number
/// (the next free one when absent) and notation, title, retention
/// (`permanent` or 1–70 years), access (`public`, `conditional`).
#[utoipa::path(post, path = "/api/v1/archive/files", tag = "archive",
    request_body = NewRecordsFile,
    responses((status = 201, body = RecordsFileView)))]
async fn create(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewRecordsFile>,
) -> Result<(StatusCode, axum::Json<RecordsFileView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.create_records_file(&a, n).await?),
    ))
}

/// One records file with its documents in order.
#[utoipa::path(get, path = "/api/v1/archive/files/{id}", tag = "archive",
    params(("id" = i64, Path, description = "records file id")),
    responses((status = 200, body = RecordsFileView)))]
async fn show(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<RecordsFileView>, WebError> {
    Ok(axum::Json(s.office.records_file(&a, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct FileDocument {
    pub document_id: i64,
}

/// Files a document at the next position: one the agency issued, or
/// received and registered; once per agency; not in a closed file.
#[utoipa::path(post, path = "/api/v1/archive/files/{id}/documents", tag = "archive",
    params(("id" = i64, Path, description = "records file id")),
    request_body = FileDocument,
    responses((status = 200, body = RecordsFileView)))]
async fn add_document(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(r): Json<FileDocument>,
) -> Result<axum::Json<RecordsFileView>, WebError> {
    Ok(axum::Json(
        s.office.file_document(&a, id, r.document_id).await?,
    ))
}

/// Closes the file (kết thúc hồ sơ): nothing is added after.
#[utoipa::path(post, path = "/api/v1/archive/files/{id}/close", tag = "archive",
    params(("id" = i64, Path, description = "records file id")),
    responses((status = 200, body = RecordsFileView)))]
async fn close(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<RecordsFileView>, WebError> {
    Ok(axum::Json(s.office.close_records_file(&a, id).await?))
}
