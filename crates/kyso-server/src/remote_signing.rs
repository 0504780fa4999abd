//! Signing from the browser with a key on the user's token, through the
//! local `kyso agent` (DESIGN §1, §4; protocol in docs/agent-protocol.md).
//!
//! The document never leaves the server and the key never leaves the
//! token: `GET /sign` serves a small page; the page asks the agent for the
//! signer certificate, uploads the PDF to `POST /sign/prepare`, which
//! prepares the signature field (kyso_sign::prepare) and returns the digest
//! to sign bound to a one-time nonce; the page hands the digest to the
//! agent and posts the agent's signature to `POST /sign/finalize`, which
//! checks it, consumes the nonce atomically in the database, adds the
//! server's own time-stamp (B-T) and returns the signed PDF.
//!
//! Nothing is kept in this process between the two requests: the prepared
//! document, its `/ByteRange` and the nonce's one-time use and expiry
//! ([`PENDING_TTL`]) live in the database (`pending_signature`,
//! `pending_document`). Any replica may receive /sign/finalize: it rebuilds
//! the signed attributes from the stored file, checks they hash to the
//! digest it handed out, and consumes the nonce at most once across all
//! replicas. Temporary files exist only during one request.
use std::path::Path;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use der::{Decode, Encode};
use kyso_ca::Ca;
use kyso_crypto::SignatureAlgorithm;

use kyso_sign::{ByteRange, SignOptions};
use kyso_store::{CertificateStatus, ConsumeRefusal, PendingDocument, PendingSignatureRecord};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use x509_cert::Certificate;

/// How long a prepared document waits for its signature.
pub const PENDING_TTL: Duration = Duration::minutes(10);
/// Largest PDF accepted for signing.
pub const MAX_PDF: usize = 25 * 1024 * 1024;
/// Largest request body (the PDF in base64 inside JSON).
const MAX_BODY: usize = MAX_PDF / 3 * 4 + 64 * 1024;
/// Most documents waiting at once, across every replica (each is kept in
/// the database until signed or expired).
const MAX_PENDING: u64 = 256;
/// Longest document title.
const MAX_TITLE: usize = 200;

struct RemoteSigning {
    ca: Arc<Ca>,
    /// Files of requests in progress, each in its own subdirectory that
    /// the request removes.
    work: tempfile::TempDir,
}

/// The routes of browser signing. When no work directory can be made they
/// are left out (logged) and the rest of the server runs.
pub fn remote_signing_routes(ca: Arc<Ca>) -> Router {
    let work = match tempfile::Builder::new().prefix("kyso-pending-").tempdir() {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("browser signing disabled: cannot create a work directory: {e}");
            return Router::new();
        }
    };
    let state = Arc::new(RemoteSigning { ca, work });
    Router::new()
        .route("/sign", get(page))
        .route("/sign/prepare", post(prepare))
        .route("/sign/finalize", post(finalize))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// A refusal: HTTP status and a JSON body `{error, message}` with the
/// message in Vietnamese then English.
fn refuse(status: StatusCode, code: &str, vi: &str, en: &str) -> Response {
    (
        status,
        Json(serde_json::json!({
            "error": code,
            "message": format!("{vi} / {en}"),
        })),
    )
        .into_response()
}

fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("browser signing: {what}: {e}");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "lỗi máy chủ",
        "server error",
    )
}

fn iso_vn(t: OffsetDateTime) -> String {
    t.to_offset(time::macros::offset!(+7))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(kyso_crypto::digest(kyso_crypto::DigestAlgorithm::Sha256, b))
}

/// The algorithm a certificate's key signs with: RSASSA-PSS SHA-256 for
/// RSA, ECDSA with the curve's hash.
fn algorithm_for(cert: &Certificate) -> Option<SignatureAlgorithm> {
    const RSA: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    const EC: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    const P256: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let alg = &cert.tbs_certificate.subject_public_key_info.algorithm;
    if alg.oid == RSA {
        return Some(SignatureAlgorithm::RsaPssSha256);
    }
    if alg.oid == EC {
        let curve = alg
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())?;
        return match curve {
            c if c == P256 => Some(SignatureAlgorithm::EcdsaSha256),
            c if c == P384 => Some(SignatureAlgorithm::EcdsaSha384),
            _ => None,
        };
    }
    None
}

#[derive(Deserialize)]
struct PrepareRequest {
    /// Title shown to the signer (else the file name).
    title: String,
    /// The PDF, base64.
    pdf: String,
    /// The signer certificate the agent reported, base64 DER.
    certificate: String,
}

#[derive(Serialize)]
struct PrepareResponse {
    nonce: String,
    digest: String,
    digest_algorithm: &'static str,
    algorithm: String,
    title: String,
    agency: String,
    certificate_subject: String,
    certificate_serial: String,
    expires_at: String,
}

/// How long an expired nonce row is kept so that a late signature is told
/// "expired" rather than "unknown".
const EXPIRED_NONCE_KEPT: Duration = Duration::days(1);

/// Delete the stored documents whose time is up, and nonce rows expired
/// for longer than [`EXPIRED_NONCE_KEPT`].
async fn sweep(state: &RemoteSigning, now: OffsetDateTime) {
    let store = state.ca.store();
    if let Err(e) = store.purge_pending_documents(now).await {
        tracing::warn!("browser signing: purging expired documents: {e}");
    }
    if let Err(e) = store
        .purge_pending_signatures(now - EXPIRED_NONCE_KEPT)
        .await
    {
        tracing::warn!("browser signing: purging old nonces: {e}");
    }
}

/// A request's own directory under the work directory, removed on drop.
fn request_dir(state: &RemoteSigning) -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("req-")
        .tempdir_in(state.work.path())
}

/// The request body, or the refusal of a malformed one.
fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, Box<Response>> {
    body.map(|Json(r)| r).map_err(|e| {
        Box::new(refuse(
            e.status(),
            "bad-request",
            "yêu cầu không hợp lệ",
            &format!("malformed request: {}", e.body_text()),
        ))
    })
}

async fn prepare(
    State(state): State<Arc<RemoteSigning>>,
    body: Result<Json<PrepareRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let req = match json_body(body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let now = OffsetDateTime::now_utc();
    sweep(&state, now).await;
    let title: String = req.title.trim().chars().take(MAX_TITLE).collect();
    if title.is_empty() || title.chars().any(char::is_control) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad-title",
            "cần tên tài liệu (không có ký tự điều khiển)",
            "a document title without control characters is required",
        );
    }
    let pdf = match B64.decode(req.pdf.as_bytes()) {
        Ok(p) if p.len() <= MAX_PDF => p,
        Ok(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "tệp PDF quá lớn",
                "the PDF is too large",
            )
        }
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "bad-pdf",
                "tệp PDF không phải base64",
                "the PDF is not base64",
            )
        }
    };
    if !pdf.starts_with(b"%PDF-") {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad-pdf",
            "không phải tệp PDF",
            "not a PDF file",
        );
    }
    let cert = match B64
        .decode(req.certificate.as_bytes())
        .ok()
        .and_then(|d| Certificate::from_der(&d).ok())
    {
        Some(c) => c,
        None => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "bad-certificate",
                "chứng thư số không đọc được",
                "the signer certificate cannot be read",
            )
        }
    };
    if let Err(r) = check_certificate(&state.ca, &cert, now).await {
        return r;
    }
    let Some(algorithm) = algorithm_for(&cert) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad-certificate",
            "loại khóa của chứng thư không được hỗ trợ",
            "the certificate's key type is not supported",
        );
    };
    let waiting = match state.ca.store().open_pending_documents(now).await {
        Ok(n) => n,
        Err(e) => return internal("store", e),
    };
    if waiting >= MAX_PENDING {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "quá nhiều tài liệu đang chờ ký, thử lại sau",
            "too many documents are waiting for a signature; try again later",
        );
    }
    let mut nonce = [0u8; 32];
    if let Err(e) = kyso_crypto::random_bytes(&mut nonce) {
        return internal("random", e);
    }
    let nonce = hex::encode(nonce);
    let nonce_sha = sha256_hex(nonce.as_bytes());
    let dir = match request_dir(&state) {
        Ok(d) => d,
        Err(e) => return internal("work directory", e),
    };
    let input = dir.path().join("in.pdf");
    let output = dir.path().join("signed.pdf");
    if let Err(e) = std::fs::write(&input, &pdf) {
        return internal("write", e);
    }
    drop(pdf);
    let signer_name = kyso_pki::name::common_name(&cert.tbs_certificate.subject)
        .unwrap_or_else(|| kyso_pki::name::display_name(&cert.tbs_certificate.subject));
    let mut options = SignOptions::new(cert.clone(), algorithm);
    options.name = Some(signer_name);
    options.reason = Some(format!("Ký số / signed: {title}"));
    let prepared = tokio::task::spawn_blocking(move || {
        let prepared = kyso_sign::prepare(&input, &output, &options)?;
        let bytes = std::fs::read(prepared.prepared_path())
            .map_err(|e| kyso_sign::SignError::Pdf(e.into()))?;
        Ok::<_, kyso_sign::SignError>((prepared, bytes))
    })
    .await;
    let (prepared, prepared_pdf) = match prepared {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-pdf",
                "không chuẩn bị được tài liệu để ký",
                &format!("cannot prepare the document for signing: {e}"),
            )
        }
        Err(e) => return internal("prepare task", e),
    };
    let digest = prepared.to_be_signed_digest();
    let expires_at = now + PENDING_TTL;
    let cert_der = cert.to_der().unwrap_or_default();
    let record = PendingSignatureRecord {
        nonce_sha256: nonce_sha.clone(),
        document_title: title.clone(),
        digest_hex: hex::encode(&digest),
        algorithm: algorithm.to_string(),
        certificate_sha256: sha256_hex(&cert_der),
        created_at: now,
        expires_at,
        consumed_at: None,
        purpose: None,
        signature_sha256: None,
        result_sha256: None,
    };
    let br = prepared.byte_range();
    let document = PendingDocument {
        nonce_sha256: nonce_sha,
        prepared_pdf,
        contents_start: br.contents_start,
        contents_end: br.contents_end,
        contents_size: prepared.contents_size() as u64,
        field_name: prepared.field_name().to_owned(),
    };
    drop(prepared);
    drop(dir);
    if let Err(e) = state
        .ca
        .store()
        .create_pending_document(&record, &document)
        .await
    {
        return internal("store", e);
    }
    let response = PrepareResponse {
        nonce,
        digest: hex::encode(&digest),
        digest_algorithm: algorithm.digest().name(),
        algorithm: algorithm.to_string(),
        title,
        agency: state.ca.config().organization.clone(),
        certificate_subject: kyso_pki::name::display_name(&cert.tbs_certificate.subject),
        certificate_serial: kyso_pki::certificate::serial_hex(&cert),
        expires_at: iso_vn(expires_at),
    };
    Json(response).into_response()
}

/// The signer certificate must be one this CA issued, unrevoked and in
/// its validity period.
#[allow(clippy::result_large_err)]
async fn check_certificate(
    ca: &Ca,
    cert: &Certificate,
    now: OffsetDateTime,
) -> Result<(), Response> {
    let wrong = |vi: &str, en: &str| refuse(StatusCode::FORBIDDEN, "wrong-certificate", vi, en);
    let der = cert.to_der().map_err(|e| internal("certificate", e))?;
    let record = ca
        .store()
        .certificate_by_fingerprint(&kyso_pki::certificate::fingerprint_sha256(&der))
        .await
        .map_err(|e| internal("store", e))?;
    let Some(record) = record else {
        return Err(wrong(
            "chứng thư số không do CA này cấp",
            "the certificate was not issued by this CA",
        ));
    };
    if record.status == CertificateStatus::Revoked {
        return Err(wrong(
            "chứng thư số đã bị thu hồi",
            "the certificate is revoked",
        ));
    }
    if now < record.not_before || now > record.not_after {
        return Err(wrong(
            "chứng thư số chưa có hoặc đã hết hiệu lực",
            "the certificate is not valid now",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct FinalizeRequest {
    nonce: String,
    /// The signature value, base64.
    signature: String,
    /// The certificate the agent signed with, base64 DER.
    certificate: String,
}

async fn finalize(
    State(state): State<Arc<RemoteSigning>>,
    body: Result<Json<FinalizeRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let req = match json_body(body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let now = OffsetDateTime::now_utc();
    let unknown = || {
        refuse(
            StatusCode::NOT_FOUND,
            "unknown-nonce",
            "không có tài liệu chờ ký với mã này",
            "no document is waiting for a signature with this nonce",
        )
    };
    if req.nonce.len() != 64 || !req.nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return unknown();
    }
    let nonce_sha = sha256_hex(req.nonce.to_ascii_lowercase().as_bytes());
    let (Ok(signature), Some(cert)) = (
        B64.decode(req.signature.as_bytes()),
        B64.decode(req.certificate.as_bytes())
            .ok()
            .and_then(|d| Certificate::from_der(&d).ok()),
    ) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "chữ ký hoặc chứng thư không đọc được",
            "the signature or certificate cannot be read",
        );
    };
    let gone = || {
        refuse(
            StatusCode::GONE,
            "expired-nonce",
            "đã quá hạn ký tài liệu này, hãy tải lên lại",
            "the time to sign this document is over; upload it again",
        )
    };
    let reused = || {
        refuse(
            StatusCode::CONFLICT,
            "reused-nonce",
            "mã này đã được dùng",
            "this nonce was used already",
        )
    };
    let (record, document) = match state.ca.store().pending_document(&nonce_sha).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown(),
        Err(e) => return internal("store", e),
    };
    let document = match document {
        _ if record.consumed_at.is_some() => return reused(),
        _ if record.expires_at <= now => return gone(),
        Some(d) => d,
        None => return gone(),
    };
    // Check before consuming the nonce: a bad answer changes nothing.
    let cert_der = cert.to_der().unwrap_or_default();
    if sha256_hex(&cert_der) != record.certificate_sha256 {
        return refuse(
            StatusCode::FORBIDDEN,
            "wrong-certificate",
            "chứng thư khác với chứng thư đã dùng khi chuẩn bị",
            "the certificate is not the one the document was prepared for",
        );
    }
    let Some(algorithm) = algorithm_for(&cert).filter(|a| a.to_string() == record.algorithm) else {
        return internal("pending document", "algorithm differs from the stored one");
    };
    let dir = match request_dir(&state) {
        Ok(d) => d,
        Err(e) => return internal("work directory", e),
    };
    let output = dir.path().join("signed.pdf");
    let expected_digest = record.digest_hex.clone();
    let (resume_cert, resume_out) = (cert.clone(), output.clone());
    let work = dir.path().to_path_buf();
    let resumed = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let prepared = resume_prepared(&work, &resume_out, document, &resume_cert, algorithm)?;
        if hex::encode(prepared.to_be_signed_digest()) != expected_digest {
            return Err("the stored document no longer hashes to the digest handed out".into());
        }
        Ok(prepared)
    })
    .await;
    let prepared = match resumed {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return internal("pending document", e),
        Err(e) => return internal("resume task", e),
    };
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap_or_default();
    if kyso_crypto::verify_signature(&spki, algorithm, prepared.to_be_signed(), &signature).is_err()
    {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-signature",
            "chữ ký không khớp với tài liệu và chứng thư",
            "the signature does not verify for this document and certificate",
        );
    }
    match state
        .ca
        .store()
        .consume_pending_signature(&nonce_sha, now)
        .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(ConsumeRefusal::Unknown)) => return unknown(),
        Ok(Err(ConsumeRefusal::Expired)) => return gone(),
        Ok(Err(ConsumeRefusal::AlreadyUsed)) => return reused(),
        Err(e) => return internal("store", e),
    }
    // The nonce is spent: the stored document is not needed any more.
    if let Err(e) = state.ca.store().delete_pending_document(&nonce_sha).await {
        tracing::warn!("browser signing: deleting a finalized document: {e}");
    }
    // B-T with the server's own TSA.
    let timestamp = match kyso_sign::signature_timestamp_request(&signature) {
        Ok(query) => {
            let resp = state.ca.tsa().respond(&query.request_der).await;
            match kyso_sign::token_from_response(&resp, &query) {
                Ok(t) => Some(t),
                Err(e) => return internal("time-stamp", e),
            }
        }
        Err(e) => return internal("time-stamp request", e),
    };
    let chain: Vec<Certificate> = [state.ca.issuing_der(), state.ca.root_der()]
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let title = record.document_title;
    let result = tokio::task::spawn_blocking(move || {
        let path = kyso_sign::finalize(prepared, &signature, &chain, timestamp)
            .map_err(|e| e.to_string())?;
        std::fs::read(&path).map_err(|e| e.to_string())
    })
    .await;
    drop(dir);
    match result {
        Ok(Ok(bytes)) => {
            let name: String = title
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}-signed.pdf\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(e)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-signature",
            "không hoàn tất được chữ ký",
            &format!("cannot finalize the signature: {e}"),
        ),
        Err(e) => internal("finalize task", e),
    }
}

/// The stored prepared document written back to a file in `work` and
/// taken up again (see [`kyso_sign::resume`]).
fn resume_prepared(
    work: &Path,
    output: &Path,
    document: PendingDocument,
    cert: &Certificate,
    algorithm: SignatureAlgorithm,
) -> Result<kyso_sign::PreparedSignature, String> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix("prepared-")
        .tempfile_in(work)
        .map_err(|e| e.to_string())?;
    file.write_all(&document.prepared_pdf)
        .and_then(|()| file.flush())
        .map_err(|e| e.to_string())?;
    let len = document.prepared_pdf.len() as u64;
    let byte_range = ByteRange {
        contents_start: document.contents_start,
        contents_end: document.contents_end,
        second_len: len.saturating_sub(document.contents_end),
    };
    let contents_size = usize::try_from(document.contents_size).map_err(|e| e.to_string())?;
    kyso_sign::resume(
        file,
        output,
        byte_range,
        contents_size,
        document.field_name,
        cert,
        algorithm,
    )
    .map_err(|e| e.to_string())
}

async fn page() -> Html<&'static str> {
    Html(include_str!("remote_signing_page.html"))
}
