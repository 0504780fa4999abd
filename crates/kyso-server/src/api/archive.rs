//! The long-term validity schedule of stored documents (archive
//! renewal), and the export for hand-over to the archive.

use std::io::{Seek, SeekFrom};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use kyso_office::archive::export::{ExportSelection, DEFAULT_EXPORT_LIMIT};
use kyso_office::archive::ltv::ArchiveStatus;
use kyso_office::register::Direction;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(export))
}

#[derive(Deserialize, IntoParams)]
pub struct ArchiveQuery {
    /// This agency's documents (required unless the caller is the
    /// department administrator, who sees every agency's without it).
    pub agency_id: Option<i64>,
}

/// Documents whose long-term (B-LTA) file is due for a new archive
/// time-stamp, up to date, or whose last renewal failed (with its error);
/// heads, auditors and IT officers read their agency's, the administrator
/// any agency's or all.
#[utoipa::path(get, path = "/api/v1/archive/status", tag = "archive", params(ArchiveQuery),
    responses((status = 200, body = ArchiveStatus)))]
async fn status(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<ArchiveQuery>,
) -> Result<axum::Json<ArchiveStatus>, WebError> {
    Ok(axum::Json(s.office.archive_status(&a, q.agency_id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ExportQuery {
    /// The agency whose register is exported (with `register` and
    /// `year`).
    pub agency_id: Option<i64>,
    /// `out`: the outgoing register (the agency's documents, every file);
    /// `in`: the incoming register (the documents delivered to it, the
    /// issued files).
    #[param(inline)]
    pub register: Option<Direction>,
    /// The register's year.
    pub year: Option<i32>,
    /// Instead of a register: document ids, comma separated (`12,13`).
    pub document: Option<String>,
    /// Instead of a register: a records file (hồ sơ), its documents in
    /// order and `recordsfile.xml`.
    pub records_file: Option<i64>,
}

fn bad_selection() -> WebError {
    WebError::invalid(
        "bad-query",
        "cần agency_id, register và year, hoặc document (danh sách mã văn bản), hoặc records_file",
        "give agency_id, register and year, or document (a comma-separated list of ids), or records_file",
    )
}

impl ExportQuery {
    fn selection(&self) -> Result<ExportSelection, WebError> {
        if let Some(id) = self.records_file {
            return match (self.agency_id, self.register, self.year, &self.document) {
                (None, None, None, None) => Ok(ExportSelection::RecordsFile(id)),
                _ => Err(bad_selection()),
            };
        }
        match (self.agency_id, self.register, self.year, &self.document) {
            (Some(agency_id), Some(direction), Some(year), None) => Ok(ExportSelection::Register {
                agency_id,
                direction,
                year,
            }),
            (None, None, None, Some(list)) => {
                let ids = list
                    .split(',')
                    .map(|x| x.trim().parse::<i64>())
                    .collect::<Result<Vec<i64>, _>>()
                    .map_err(|_| bad_selection())?;
                if ids.is_empty() || ids.len() > DEFAULT_EXPORT_LIMIT {
                    return Err(bad_selection());
                }
                Ok(ExportSelection::Documents(ids))
            }
            _ => Err(bad_selection()),
        }
    }
}

/// Chunks of the export sent at a time.
const CHUNK: usize = 64 * 1024;

/// The hand-over export (Circular 02/2019): a ZIP with, per document,
/// its stored files, long-term copies, a verification report made now,
/// `metadata.xml` (schema `docs/archive-metadata.xsd`, namespace
/// `urn:kyso:archive:metadata:1`), and for the whole `audit.jsonl` (the
/// documents' audit entries with their chain fields) and `manifest.xml`
/// (every file's SHA-256 and size). Clerks, heads and auditors of the
/// agency; the export is audited (`archive.export`).
#[utoipa::path(get, path = "/api/v1/archive/export", tag = "archive", params(ExportQuery),
    responses((status = 200, description = "the export",
        content((Vec<u8> = "application/zip")),
        headers(("content-disposition" = String, description = "attachment; filename=…")))))]
async fn export(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let sel = q.selection()?;
    Ok(export_zip(&s, &a, &sel).await?)
}

/// The export of `sel` as `actor` as a ZIP download (the API's and the
/// web pages' one path).
pub(crate) async fn export_zip(
    s: &AppState,
    a: &kyso_office::Actor,
    sel: &ExportSelection,
) -> Result<Response, kyso_office::OfficeError> {
    let (file, out) = temp_zip()?;
    s.office
        .export_archive(a, sel, DEFAULT_EXPORT_LIMIT, out)
        .await?;
    let name = match sel {
        ExportSelection::Register {
            agency_id,
            direction,
            year,
        } => format!("luu-tru-{}-{agency_id}-{year}.zip", direction.code()),
        ExportSelection::Documents(_) => "luu-tru-van-ban.zip".to_string(),
        ExportSelection::RecordsFile(id) => format!("ho-so-{id}.zip"),
    };
    zip_download(file, &name)
}

fn temp_error() -> kyso_office::OfficeError {
    kyso_office::OfficeError::internal("zip export", "cannot use a temporary file")
}

/// A ZIP writer seeks: an export goes to an unnamed temporary file (gone
/// when closed), then is streamed from it by [`zip_download`]. The file
/// and a buffered writer onto it.
pub(crate) fn temp_zip(
) -> Result<(std::fs::File, std::io::BufWriter<std::fs::File>), kyso_office::OfficeError> {
    let file = tempfile::tempfile().map_err(|_| temp_error())?;
    let out = std::io::BufWriter::new(file.try_clone().map_err(|_| temp_error())?);
    Ok((file, out))
}

/// The ZIP written to `file` as a download named `name`, streamed in chunks.
pub(crate) fn zip_download(
    mut file: std::fs::File,
    name: &str,
) -> Result<Response, kyso_office::OfficeError> {
    let len = file.seek(SeekFrom::End(0)).map_err(|_| temp_error())?;
    file.seek(SeekFrom::Start(0)).map_err(|_| temp_error())?;
    let file = tokio::fs::File::from_std(file);
    let stream = futures_util::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; CHUNK];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (
                header::CONTENT_DISPOSITION,
                super::content_disposition(name),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(len)),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
