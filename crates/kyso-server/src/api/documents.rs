//! Outgoing documents: drafts (multipart uploads), both signing flows,
//! issuing, recall, and reading a document's files.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kyso_office::document::draft::{Comment, NewDraft};
use kyso_office::document::metadata::DocumentMetadata;
use kyso_office::document::state::Flow;
use kyso_office::document::{DocumentFilter, DocumentSummary, DocumentView};
use kyso_office::remote_signing::{certificate_from_b64, PreparedRemote};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::upload::{self, required};
use super::{audited, content_disposition};
use crate::error::WebError;
use crate::extract::{base64_field, Caller, Json, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(submit))
        .routes(routes!(return_draft))
        .routes(routes!(cancel))
        .routes(routes!(prepare_approval))
        .routes(routes!(finalize_approval))
        .routes(routes!(seal))
        .routes(routes!(issue))
        .routes(routes!(recall))
        .routes(routes!(file))
        .routes(routes!(print))
}

/// Routes that take a multipart upload.
pub fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(revise))
}

/// The form of `POST /api/v1/documents` (multipart/form-data).
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart parts; read by `upload::read`
pub struct DocumentUpload {
    /// The agency the document belongs to.
    agency_id: i64,
    /// `two`: a drafter's draft for the two-signature flow; `seal`: a
    /// clerk's scanned original for the one-signature flow.
    flow: Flow,
    /// The metadata, as JSON.
    metadata: DocumentMetadata,
    /// The main file: a PDF.
    #[schema(value_type = String, format = Binary)]
    file: String,
    /// Separate attachments (zero or more parts of this name).
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    attachment: Option<Vec<String>>,
}

/// The form of `PATCH /api/v1/documents/{id}` (multipart/form-data):
/// every part is optional; attachments given replace the old ones.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart parts; read by `upload::read`
pub struct DocumentRevision {
    metadata: Option<DocumentMetadata>,
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<String>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    attachment: Option<Vec<String>>,
}

/// Documents of the caller's agencies (or of one), newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", params(DocumentFilter),
    responses((status = 200, body = [DocumentSummary])))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(f): Query<DocumentFilter>,
) -> Result<axum::Json<Vec<DocumentSummary>>, WebError> {
    let r = s.office.list_documents(&a, &f).await;
    Ok(axum::Json(audited(&s, &a, "document.list", r).await?))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, WebError> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                WebError::invalid(
                    "bad-idempotency-key",
                    "Idempotency-Key phải là ASCII in được",
                    "the Idempotency-Key must be printable ASCII",
                )
            })
        })
        .transpose()
}

/// Create a draft from a multipart upload. With `Idempotency-Key`, a
/// repeated request (same key, same content) returns the first draft.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents",
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1–200 printable ASCII characters; a retry with the same key gets the first answer")),
    request_body(content((DocumentUpload = "multipart/form-data",
        encoding(("metadata" = (content_type = "application/json")))))),
    responses((status = 201, body = DocumentView)))]
async fn create(
    State(s): State<AppState>,
    Caller(a): Caller,
    req: Request,
) -> Result<(StatusCode, axum::Json<DocumentView>), WebError> {
    let key = idempotency_key(req.headers())?;
    let p = upload::read(req, s.office.config().max_upload).await?;
    let draft = NewDraft {
        agency_id: required(p.agency_id, "agency_id")?,
        flow: required(p.flow, "flow")?,
        metadata: required(p.metadata, "metadata")?,
        main: required(p.file, "file")?,
        attachments: p.attachments,
    };
    let d = s.office.create_draft(&a, draft, key.as_deref()).await?;
    Ok((StatusCode::CREATED, axum::Json(d)))
}

/// One document the caller may see.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = DocumentView)))]
async fn get_one(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.document(&a, id).await?))
}

/// Revise a draft (or a returned document): new metadata, main file
/// and/or attachments (attachments given replace the old ones).
#[utoipa::path(patch, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    request_body(content((DocumentRevision = "multipart/form-data",
        encoding(("metadata" = (content_type = "application/json")))))),
    responses((status = 200, body = DocumentView)))]
async fn revise(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    req: Request,
) -> Result<axum::Json<DocumentView>, WebError> {
    let p = upload::read(req, s.office.config().max_upload).await?;
    if p.agency_id.is_some() || p.flow.is_some() {
        return Err(WebError::invalid(
            "bad-part",
            "không đổi được cơ quan hay quy trình của văn bản",
            "a document's agency and flow cannot be changed",
        ));
    }
    let attachments = (!p.attachments.is_empty()).then_some(p.attachments);
    Ok(axum::Json(
        s.office
            .revise_draft(&a, id, p.metadata, p.file, attachments)
            .await?,
    ))
}

/// The drafter submits the draft to the approvers.
#[utoipa::path(post, path = "/api/v1/documents/{id}/submit", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = DocumentView)))]
async fn submit(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.submit_draft(&a, id).await?))
}

/// An approver returns a submitted draft with a comment.
#[utoipa::path(post, path = "/api/v1/documents/{id}/return", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    request_body = Comment,
    responses((status = 200, body = DocumentView)))]
async fn return_draft(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(c): Json<Comment>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.return_draft(&a, id, &c.comment).await?))
}

/// The drafter (for a scan, the clerk) cancels a draft.
#[utoipa::path(post, path = "/api/v1/documents/{id}/cancel", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = DocumentView)))]
async fn cancel(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.cancel_draft(&a, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ApprovalPrepare {
    /// The approver's certificate (from their token), base64 DER.
    pub certificate: String,
}

/// The approver's signature, step 1: the server prepares the PDF (a
/// certification signature that creates the number, date and seal
/// fields) and returns the digest the approver's token signs.
#[utoipa::path(post, path = "/api/v1/documents/{id}/approval/prepare", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    request_body = ApprovalPrepare,
    responses((status = 200, body = PreparedRemote)))]
async fn prepare_approval(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(r): Json<ApprovalPrepare>,
) -> Result<axum::Json<PreparedRemote>, WebError> {
    let cert = certificate_from_b64(&r.certificate)?;
    Ok(axum::Json(s.office.prepare_approval(&a, id, &cert).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ApprovalFinalize {
    /// The nonce `prepare` returned.
    pub nonce: String,
    /// The signature value over the digest, base64.
    pub signature: String,
    /// The certificate it was made with, base64 DER.
    pub certificate: String,
}

/// The approver's signature, step 2: the signature over the digest; the
/// document becomes `approved` and goes to the clerk.
#[utoipa::path(post, path = "/api/v1/documents/{id}/approval/finalize", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    request_body = ApprovalFinalize,
    responses((status = 200, body = DocumentView)))]
async fn finalize_approval(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(r): Json<ApprovalFinalize>,
) -> Result<axum::Json<DocumentView>, WebError> {
    let cert = certificate_from_b64(&r.certificate)?;
    let sig = base64_field(&r.signature, "bad-signature", "chữ ký", "the signature")?;
    Ok(axum::Json(
        s.office
            .finalize_approval(&a, id, &r.nonce, &sig, &cert)
            .await?,
    ))
}

/// The clerk takes the next number from the register, fills number and
/// date, and seals with the organization key.
#[utoipa::path(post, path = "/api/v1/documents/{id}/seal", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = DocumentView)))]
async fn seal(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.number_and_seal(&a, id).await?))
}

/// Issue a sealed document to every recipient (verified first).
#[utoipa::path(post, path = "/api/v1/documents/{id}/issue", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = DocumentView)))]
async fn issue(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.issue(&a, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RecallRequest {
    pub reason: String,
}

/// Recall an issued document (status 13 at every recipient).
#[utoipa::path(post, path = "/api/v1/documents/{id}/recall", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    request_body = RecallRequest,
    responses((status = 200, body = DocumentView)))]
async fn recall(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(r): Json<RecallRequest>,
) -> Result<axum::Json<DocumentView>, WebError> {
    Ok(axum::Json(s.office.recall(&a, id, &r.reason).await?))
}

/// One file of a document: its bytes, with its media type and name. A
/// recipient reads only what was issued to them.
#[utoipa::path(get, path = "/api/v1/documents/{id}/files/{file_id}", tag = "documents",
    params(("id" = i64, Path, description = "document id"),
           ("file_id" = i64, Path, description = "file id (`files[].id`)")),
    responses((status = 200, description = "the file",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/octet-stream")),
        headers(("content-disposition" = String, description = "attachment; filename=…")))))]
async fn file(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (f, bytes) = s.office.document_file(&a, id, file_id).await?;
    let media = HeaderValue::from_str(&f.media_type)
        .ok()
        .filter(|_| !f.media_type.is_empty())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (header::CONTENT_DISPOSITION, content_disposition(&f.name)),
        ],
        bytes,
    )
        .into_response())
}

/// The print-out of an issued document (R-PRINT): its issued file with a
/// verification band under every page — number, issuing body, signers
/// and signing times, the verdict, the print date and a QR code of the
/// public verification page of the issued file's hash. For people of the
/// document's agency and of the agencies it was sent to.
#[utoipa::path(get, path = "/api/v1/documents/{id}/print", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, description = "the print-out",
        content((Vec<u8> = "application/pdf")),
        headers(("content-disposition" = String, description = "attachment; filename=…")))))]
async fn print(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (bytes, name) = s.office.print_copy(&a, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, content_disposition(&name)),
        ],
        bytes,
    )
        .into_response())
}
