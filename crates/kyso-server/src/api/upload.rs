//! Reading a multipart/form-data document upload: the text parts
//! (`agency_id`, `flow`, `metadata`) and the file parts (`file`, zero or
//! more `attachment`), each bounded while it is read, so an oversized part
//! is refused before it is held whole.

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use bytes::BytesMut;
use kyso_office::document::draft::{Upload, MAX_ATTACHMENTS};
use kyso_office::document::metadata::DocumentMetadata;
use kyso_office::document::state::Flow;

use crate::error::WebError;
use crate::extract::require_content_type;
use crate::limits::MULTIPART_TEXT;

/// The parts of an upload.
#[derive(Default)]
pub struct UploadParts {
    pub agency_id: Option<i64>,
    pub flow: Option<Flow>,
    pub metadata: Option<DocumentMetadata>,
    pub file: Option<Upload>,
    pub attachments: Vec<Upload>,
}

fn refusal(e: MultipartError) -> WebError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return WebError::too_large();
    }
    let why = e.body_text();
    WebError::invalid(
        "bad-multipart",
        format!("không đọc được nội dung multipart/form-data: {why}"),
        format!("cannot read the multipart/form-data body: {why}"),
    )
}

fn bad_part(name: &str, vi: &str, en: &str) -> WebError {
    WebError::invalid(
        "bad-part",
        format!("phần \"{name}\": {vi}"),
        format!("part \"{name}\": {en}"),
    )
}

/// The bytes of `field`, at most `max` of them.
async fn read_bounded(field: &mut Field<'_>, max: usize) -> Result<bytes::Bytes, WebError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(refusal)? {
        if buf.len() + chunk.len() > max {
            return Err(WebError::too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn text(field: &mut Field<'_>, name: &str) -> Result<String, WebError> {
    let b = read_bounded(field, MULTIPART_TEXT).await?;
    String::from_utf8(b.to_vec())
        .map_err(|_| bad_part(name, "không phải văn bản UTF-8", "not UTF-8 text"))
}

async fn file(field: &mut Field<'_>, name: &str, max: usize) -> Result<Upload, WebError> {
    let Some(file_name) = field.file_name().map(str::to_string) else {
        return Err(bad_part(
            name,
            "cần là một tệp (có filename)",
            "must be a file (with a filename)",
        ));
    };
    let media_type = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_string();
    let bytes = read_bounded(field, max).await?;
    Ok(Upload {
        name: file_name,
        media_type,
        bytes,
    })
}

/// Reads the upload in `req`; files of at most `max_file` bytes.
pub async fn read(req: Request, max_file: usize) -> Result<UploadParts, WebError> {
    require_content_type(req.headers(), &["multipart/form-data"])?;
    let mut mp = Multipart::from_request(req, &()).await.map_err(|r| {
        let why = r.body_text();
        WebError::invalid(
            "bad-multipart",
            format!("không đọc được nội dung multipart/form-data: {why}"),
            format!("cannot read the multipart/form-data body: {why}"),
        )
    })?;
    let mut p = UploadParts::default();
    while let Some(mut field) = mp.next_field().await.map_err(refusal)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "agency_id" => {
                let t = text(&mut field, &name).await?;
                p.agency_id = Some(
                    t.trim()
                        .parse()
                        .map_err(|_| bad_part(&name, "cần một số nguyên", "needs an integer"))?,
                );
            }
            "flow" => {
                let t = text(&mut field, &name).await?;
                p.flow = Some(Flow::parse(t.trim())?);
            }
            "metadata" => {
                let t = text(&mut field, &name).await?;
                p.metadata = Some(serde_json::from_str(&t).map_err(|e| {
                    bad_part(
                        &name,
                        &format!("JSON của DocumentMetadata không hợp lệ: {e}"),
                        &format!("not valid DocumentMetadata JSON: {e}"),
                    )
                })?);
            }
            "file" => {
                if p.file.is_some() {
                    return Err(bad_part(
                        &name,
                        "chỉ được một tệp chính",
                        "only one main file",
                    ));
                }
                p.file = Some(file(&mut field, &name, max_file).await?);
            }
            "attachment" => {
                if p.attachments.len() >= MAX_ATTACHMENTS {
                    return Err(bad_part(
                        &name,
                        &format!("tối đa {MAX_ATTACHMENTS} tệp đính kèm"),
                        &format!("at most {MAX_ATTACHMENTS} attachments"),
                    ));
                }
                p.attachments.push(file(&mut field, &name, max_file).await?);
            }
            _ => {
                return Err(bad_part(
                    &name,
                    "không được hỗ trợ (agency_id, flow, metadata, file, attachment)",
                    "not supported (agency_id, flow, metadata, file, attachment)",
                ))
            }
        }
    }
    Ok(p)
}

/// A required part, or 400 naming it.
pub fn required<T>(v: Option<T>, name: &str) -> Result<T, WebError> {
    v.ok_or_else(|| bad_part(name, "bắt buộc", "is required"))
}
