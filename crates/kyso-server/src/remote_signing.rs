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
//! The prepared document lives in this process (a temporary directory and
//! memory) for [`PENDING_TTL`]; the nonce's one-time use and expiry live in
//! the database (`pending_signature`). With several replicas, /sign/prepare
//! and /sign/finalize of one document must reach the same replica (sticky
//! sessions); a nonce is still used at most once across all of them.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
use kyso_sign::{PreparedSignature, SignOptions};
use kyso_store::{CertificateStatus, ConsumeRefusal, PendingSignatureRecord};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use x509_cert::Certificate;

/// How long a prepared document waits for its signature.
pub const PENDING_TTL: Duration = Duration::minutes(10);
/// Largest PDF accepted for signing.
pub const MAX_PDF: usize = 25 * 1024 * 1024;
/// Largest request body (the PDF in base64 inside JSON).
const MAX_BODY: usize = MAX_PDF / 3 * 4 + 64 * 1024;
/// Most documents waiting at once in this process.
const MAX_PENDING: usize = 256;
/// Longest document title.
const MAX_TITLE: usize = 200;

struct Pending {
    prepared: PreparedSignature,
    certificate: Certificate,
    input: PathBuf,
    output: PathBuf,
    title: String,
    expires_at: OffsetDateTime,
}

struct RemoteSigning {
    ca: Arc<Ca>,
    work: tempfile::TempDir,
    pending: Mutex<HashMap<String, Pending>>,
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
    let state = Arc::new(RemoteSigning {
        ca,
        work,
        pending: Mutex::new(HashMap::new()),
    });
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

/// Drop documents whose time is up.
fn sweep(state: &RemoteSigning, now: OffsetDateTime) {
    let expired: Vec<Pending> = {
        let Ok(mut map) = state.pending.lock() else {
            return;
        };
        let keys: Vec<String> = map
            .iter()
            .filter(|(_, p)| p.expires_at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        keys.into_iter().filter_map(|k| map.remove(&k)).collect()
    };
    for p in expired {
        remove_files(&p);
    }
}

fn remove_files(p: &Pending) {
    let _ = std::fs::remove_file(&p.input);
    // The prepared output is written beside `output` by kyso-pdf; whatever
    // it left there goes with the directory of this document.
    if let Some(dir) = p.output.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
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
    sweep(&state, now);
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
    if state.pending.lock().map(|m| m.len()).unwrap_or(MAX_PENDING) >= MAX_PENDING {
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
    let dir = state.work.path().join(&nonce_sha);
    if let Err(e) = std::fs::create_dir(&dir) {
        return internal("work directory", e);
    }
    let input = dir.join("in.pdf");
    let output = dir.join("signed.pdf");
    if let Err(e) = std::fs::write(&input, &pdf) {
        let _ = std::fs::remove_dir_all(&dir);
        return internal("write", e);
    }
    drop(pdf);
    let signer_name = kyso_pki::name::common_name(&cert.tbs_certificate.subject)
        .unwrap_or_else(|| kyso_pki::name::display_name(&cert.tbs_certificate.subject));
    let mut options = SignOptions::new(cert.clone(), algorithm);
    options.name = Some(signer_name);
    options.reason = Some(format!("Ký số / signed: {title}"));
    let (inp, out) = (input.clone(), output.clone());
    let prepared =
        match tokio::task::spawn_blocking(move || kyso_sign::prepare(&inp, &out, &options)).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                let _ = std::fs::remove_dir_all(&dir);
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bad-pdf",
                    "không chuẩn bị được tài liệu để ký",
                    &format!("cannot prepare the document for signing: {e}"),
                );
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return internal("prepare task", e);
            }
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
    };
    if let Err(e) = state.ca.store().create_pending_signature(&record).await {
        let _ = std::fs::remove_dir_all(&dir);
        return internal("store", e);
    }
    let response = PrepareResponse {
        nonce,
        digest: hex::encode(&digest),
        digest_algorithm: algorithm.digest().name(),
        algorithm: algorithm.to_string(),
        title: title.clone(),
        agency: state.ca.config().organization.clone(),
        certificate_subject: kyso_pki::name::display_name(&cert.tbs_certificate.subject),
        certificate_serial: kyso_pki::certificate::serial_hex(&cert),
        expires_at: iso_vn(expires_at),
    };
    let pending = Pending {
        prepared,
        certificate: cert,
        input,
        output,
        title,
        expires_at,
    };
    match state.pending.lock() {
        Ok(mut m) => {
            m.insert(nonce_sha, pending);
        }
        Err(_) => return internal("pending map", "poisoned"),
    }
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
    // Check before consuming the nonce: a bad answer changes nothing.
    let checked = {
        let Ok(map) = state.pending.lock() else {
            return internal("pending map", "poisoned");
        };
        map.get(&nonce_sha).map(|p| -> Result<(), Box<Response>> {
            if p.certificate != cert {
                return Err(Box::new(refuse(
                    StatusCode::FORBIDDEN,
                    "wrong-certificate",
                    "chứng thư khác với chứng thư đã dùng khi chuẩn bị",
                    "the certificate is not the one the document was prepared for",
                )));
            }
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .unwrap_or_default();
            kyso_crypto::verify_signature(
                &spki,
                p.prepared.signature_algorithm(),
                p.prepared.to_be_signed(),
                &signature,
            )
            .map_err(|_| {
                Box::new(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bad-signature",
                    "chữ ký không khớp với tài liệu và chứng thư",
                    "the signature does not verify for this document and certificate",
                ))
            })
        })
    };
    if let Some(Err(r)) = checked {
        return *r;
    }
    match state
        .ca
        .store()
        .consume_pending_signature(&nonce_sha, now)
        .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(ConsumeRefusal::Unknown)) => return unknown(),
        Ok(Err(ConsumeRefusal::Expired)) => {
            return refuse(
                StatusCode::GONE,
                "expired-nonce",
                "đã quá hạn ký tài liệu này, hãy tải lên lại",
                "the time to sign this document is over; upload it again",
            )
        }
        Ok(Err(ConsumeRefusal::AlreadyUsed)) => {
            return refuse(
                StatusCode::CONFLICT,
                "reused-nonce",
                "mã này đã được dùng",
                "this nonce was used already",
            )
        }
        Err(e) => return internal("store", e),
    }
    let pending = match state.pending.lock() {
        Ok(mut m) => m.remove(&nonce_sha),
        Err(_) => return internal("pending map", "poisoned"),
    };
    let Some(pending) = pending else {
        // Consumed in the database, but prepared by another process (or
        // before a restart).
        return refuse(
            StatusCode::GONE,
            "expired-nonce",
            "tài liệu chờ ký không còn trên máy chủ này, hãy tải lên lại",
            "the prepared document is no longer on this server; upload it again",
        );
    };
    // B-T with the server's own TSA.
    let timestamp = match kyso_sign::signature_timestamp_request(&signature) {
        Ok(query) => {
            let resp = state.ca.tsa().respond(&query.request_der).await;
            match kyso_sign::token_from_response(&resp, &query) {
                Ok(t) => Some(t),
                Err(e) => {
                    remove_files(&pending);
                    return internal("time-stamp", e);
                }
            }
        }
        Err(e) => {
            remove_files(&pending);
            return internal("time-stamp request", e);
        }
    };
    let chain: Vec<Certificate> = [state.ca.issuing_der(), state.ca.root_der()]
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let title = pending.title.clone();
    let files = (pending.input.clone(), pending.output.clone());
    let prepared = pending.prepared;
    let result = tokio::task::spawn_blocking(move || {
        let path = kyso_sign::finalize(prepared, &signature, &chain, timestamp)
            .map_err(|e| e.to_string())?;
        std::fs::read(&path).map_err(|e| e.to_string())
    })
    .await;
    let _ = std::fs::remove_file(&files.0);
    if let Some(dir) = files.1.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
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

async fn page() -> Html<&'static str> {
    Html(include_str!("remote_signing_page.html"))
}
