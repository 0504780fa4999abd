//! The agent's HTTP: CORS for allowed origins only, a Host check against
//! DNS rebinding, `GET /v1/certificate`, `POST /v1/sign`.
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use der::Encode;
use kyso_crypto::SignatureAlgorithm;
use serde::Deserialize;

use super::{confirm, normalize_origin, Agent};

/// Largest request body.
const MAX_BODY: usize = 16 * 1024;
/// Longest title or agency shown.
const MAX_TEXT: usize = 200;

pub(crate) fn routes(agent: Arc<Agent>) -> Router {
    Router::new()
        .route("/v1/certificate", get(certificate))
        .route("/v1/sign", post(sign))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(agent.clone(), guard))
        .with_state(agent)
}

pub(crate) fn refuse(status: StatusCode, code: &str, vi: &str, en: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": code, "message": format!("{vi} / {en}") })),
    )
        .into_response()
}

async fn not_found() -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "not-found",
        "không có địa chỉ này",
        "no such endpoint",
    )
}

/// Every request: the Host must be the agent's loopback address, the
/// Origin must be allowed. Preflights are answered here; allowed answers
/// carry the CORS headers for that origin only.
async fn guard(State(agent): State<Arc<Agent>>, req: Request, next: Next) -> Response {
    let host_ok = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| {
            let port = agent.listen.port();
            h == format!("127.0.0.1:{port}")
                || h == format!("localhost:{port}")
                || h == format!("[::1]:{port}")
        });
    if !host_ok {
        return refuse(
            StatusCode::FORBIDDEN,
            "bad-host",
            "địa chỉ máy không hợp lệ",
            "the Host header is not this agent's loopback address",
        );
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let Some(origin) = origin else {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin-required",
            "yêu cầu không có Origin",
            "the request has no Origin header",
        );
    };
    let allowed = normalize_origin(&origin)
        .map(|o| agent.allowed.contains(&o))
        .unwrap_or(false);
    if !allowed {
        tracing::warn!("refused a request from origin {origin:?}");
        return refuse(
            StatusCode::FORBIDDEN,
            "origin-not-allowed",
            &format!("trang {origin} không được phép dùng kyso agent"),
            &format!(
                "the origin {origin} is not allowed to use this agent (start it with --allow-origin {origin})"
            ),
        );
    }
    let preflight = req.method() == Method::OPTIONS;
    let private_network = req
        .headers()
        .contains_key("access-control-request-private-network");
    let mut resp = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        if private_network {
            h.insert(
                "access-control-allow-private-network",
                HeaderValue::from_static("true"),
            );
        }
    }
    resp
}

fn chain_b64(agent: &Agent) -> Vec<String> {
    agent
        .identity
        .chain
        .iter()
        .filter_map(|c| c.to_der().ok())
        .map(|d| B64.encode(d))
        .collect()
}

async fn certificate(State(agent): State<Arc<Agent>>) -> Response {
    let c = &agent.identity.certificate;
    let not_after = c.tbs_certificate.validity.not_after.to_unix_duration();
    Json(serde_json::json!({
        "certificate": B64.encode(&agent.identity.certificate_der),
        "chain": chain_b64(&agent),
        "subject": kyso_pki::name::display_name(&c.tbs_certificate.subject),
        "issuer": kyso_pki::name::display_name(&c.tbs_certificate.issuer),
        "serial": kyso_pki::certificate::serial_hex(c),
        "not_after_unix": not_after.as_secs(),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct SignRequest {
    nonce: String,
    digest: String,
    algorithm: String,
    title: String,
    agency: String,
    certificate: String,
}

/// What the user is shown and asked to sign.
pub(crate) struct SignJob {
    pub nonce: String,
    pub digest: Vec<u8>,
    pub algorithm: SignatureAlgorithm,
    pub title: String,
    pub agency: String,
}

fn clean_text(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT || t.chars().any(char::is_control) {
        None
    } else {
        Some(t.to_string())
    }
}

async fn sign(State(agent): State<Arc<Agent>>, _headers: HeaderMap, body: Bytes) -> Response {
    let bad = |en: &str| {
        refuse(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "yêu cầu không hợp lệ",
            en,
        )
    };
    let req: SignRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(&format!("malformed request: {e}")),
    };
    let nonce = req.nonce.to_ascii_lowercase();
    if nonce.len() != 64 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bad("the nonce must be 64 hex digits");
    }
    let Ok(algorithm) = req.algorithm.parse::<SignatureAlgorithm>() else {
        return bad("unknown signature algorithm");
    };
    let Ok(digest) = hex::decode(&req.digest) else {
        return bad("the digest is not hex");
    };
    if digest.len() != algorithm.digest().output_len() {
        return bad("the digest length does not fit the algorithm");
    }
    let (Some(title), Some(agency)) = (clean_text(&req.title), clean_text(&req.agency)) else {
        return bad("the title and agency must be 1 to 200 characters without control characters");
    };
    if B64.decode(req.certificate.as_bytes()).ok().as_deref()
        != Some(agent.identity.certificate_der.as_slice())
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "wrong-certificate",
            "chứng thư yêu cầu không phải chứng thư trên thiết bị này",
            "the requested certificate is not the one on this token",
        );
    }
    let key_is_rsa = agent
        .identity
        .certificate
        .tbs_certificate
        .subject_public_key_info
        .algorithm
        .oid
        .to_string()
        == "1.2.840.113549.1.1.1";
    if key_is_rsa != algorithm.is_rsa() {
        return bad("the algorithm does not fit the certificate's key");
    }
    let fresh = match agent.seen.lock() {
        Ok(mut s) => s.insert(&nonce),
        Err(_) => false,
    };
    if !fresh {
        return refuse(
            StatusCode::CONFLICT,
            "reused-nonce",
            "mã yêu cầu này đã được dùng",
            "this nonce was seen already",
        );
    }
    let job = SignJob {
        nonce,
        digest,
        algorithm,
        title,
        agency,
    };
    // One signature at a time: one prompt, one token session.
    let _busy = agent.busy.lock().await;
    let a = agent.clone();
    let result = tokio::task::spawn_blocking(move || confirm::sign(&a, &job)).await;
    match result {
        Ok(Ok(signature)) => Json(serde_json::json!({
            "signature": B64.encode(signature),
            "certificate": B64.encode(&agent.identity.certificate_der),
            "chain": chain_b64(&agent),
            "algorithm": algorithm.to_string(),
        }))
        .into_response(),
        Ok(Err(confirm::Refusal::Declined)) => refuse(
            StatusCode::FORBIDDEN,
            "declined",
            "người dùng từ chối ký",
            "the user declined to sign",
        ),
        Ok(Err(confirm::Refusal::Token(e))) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "token",
            "không ký được bằng thiết bị",
            &format!("the token could not sign: {e:#}"),
        ),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "lỗi agent",
            &format!("agent error: {e}"),
        ),
    }
}
