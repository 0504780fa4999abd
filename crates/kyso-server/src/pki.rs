//! PKI endpoints.
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use kyso_ca::Ca;

/// Largest OCSP or time-stamp request accepted (the parsers have the same
/// limit; this one stops the body before it is read whole).
const MAX_BODY: usize = kyso_pki::MAX_REQUEST_DER;

const OCSP_REQUEST: &str = "application/ocsp-request";
const OCSP_RESPONSE: &str = "application/ocsp-response";
const TS_QUERY: &str = "application/timestamp-query";
const TS_REPLY: &str = "application/timestamp-reply";

pub fn pki_routes(ca: Arc<Ca>) -> Router {
    Router::new()
        .route("/pki", get(index))
        .route("/healthz", get(|| async { "ok" }))
        .route("/pki/{file}", get(pki_file))
        .route("/ocsp", post(ocsp_post))
        .route("/ocsp/", post(ocsp_post))
        .route("/ocsp/{*request}", get(ocsp_get))
        .route("/tsa", post(tsa_post))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(ca)
}

fn der_response(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.into(),
    )
        .into_response()
}

fn problem(status: StatusCode, vi: &str, en: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{vi}\n{en}\n"),
    )
        .into_response()
}

fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(expected)
        })
        .unwrap_or(false)
}

async fn pki_file(State(ca): State<Arc<Ca>>, Path(file): Path<String>) -> Response {
    match file.as_str() {
        "root.crt" => der_response("application/pkix-cert", ca.root_der().to_vec()),
        "issuing.crt" => der_response("application/pkix-cert", ca.issuing_der().to_vec()),
        "tsa.crt" => der_response("application/pkix-cert", ca.tsa().certificate_der().to_vec()),
        "ocsp.crt" => der_response("application/pkix-cert", ca.ocsp().responder_der().to_vec()),
        "chain.pem" => {
            let pem = [ca.issuing_der(), ca.root_der()]
                .iter()
                .map(|d| pem_block("CERTIFICATE", d))
                .collect::<String>();
            der_response("application/x-pem-file", pem)
        }
        "root.crl" | "issuing.crl" => {
            let which = file.trim_end_matches(".crl");
            match ca.current_crl(which).await {
                Ok(der) => der_response("application/pkix-crl", der),
                Err(e) => {
                    tracing::error!("CRL for {which}: {e}");
                    problem(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Không lấy được CRL.",
                        "The CRL is not available.",
                    )
                }
            }
        }
        _ => problem(StatusCode::NOT_FOUND, "Không có tệp này.", "No such file."),
    }
}

fn pem_block(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}

async fn ocsp_post(State(ca): State<Arc<Ca>>, headers: HeaderMap, body: Bytes) -> Response {
    if !content_type_is(&headers, OCSP_REQUEST) {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Yêu cầu OCSP phải có Content-Type: application/ocsp-request.",
            "An OCSP request must be sent with Content-Type: application/ocsp-request.",
        );
    }
    der_response(OCSP_RESPONSE, ca.ocsp().respond(&body).await)
}

/// RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of
/// the DER encoding of the OCSPRequest}.
async fn ocsp_get(State(ca): State<Arc<Ca>>, Path(request): Path<String>) -> Response {
    if request.len() > MAX_BODY * 2 {
        return problem(
            StatusCode::URI_TOO_LONG,
            "Yêu cầu OCSP quá dài.",
            "The OCSP request is too long.",
        );
    }
    let cleaned: String = request.chars().filter(|c| !c.is_whitespace()).collect();
    let der = match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
        Ok(d) => d,
        Err(_) => {
            return der_response(
                OCSP_RESPONSE,
                kyso_pki::ocsp::ocsp_error_response(
                    x509_ocsp::OcspResponseStatus::MalformedRequest,
                ),
            )
        }
    };
    let mut resp = der_response(OCSP_RESPONSE, ca.ocsp().respond(&der).await);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60, public"),
    );
    resp
}

async fn tsa_post(State(ca): State<Arc<Ca>>, headers: HeaderMap, body: Bytes) -> Response {
    if !content_type_is(&headers, TS_QUERY) {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Yêu cầu dấu thời gian phải có Content-Type: application/timestamp-query.",
            "A time-stamp request must be sent with Content-Type: application/timestamp-query.",
        );
    }
    der_response(TS_REPLY, ca.tsa().respond(&body).await)
}

async fn index(State(ca): State<Arc<Ca>>) -> Html<String> {
    let base = ca.config().base_url.trim_end_matches('/').to_string();
    Html(format!(
        r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>kyso — dịch vụ chứng thực</title></head>
<body>
<h1>kyso — dịch vụ chứng thực chữ ký số</h1>
<p lang="en">kyso — digital signature certification services</p>
<ul>
<li>Chứng thư CA gốc / Root CA certificate: <a href="{base}/pki/root.crt">{base}/pki/root.crt</a></li>
<li>Chứng thư CA cấp / Issuing CA certificate: <a href="{base}/pki/issuing.crt">{base}/pki/issuing.crt</a></li>
<li>Danh sách thu hồi / CRL: <a href="{base}/pki/issuing.crl">{base}/pki/issuing.crl</a>, <a href="{base}/pki/root.crl">{base}/pki/root.crl</a></li>
<li>OCSP (RFC 6960): <code>{base}/ocsp</code></li>
<li>Dấu thời gian / Time-stamping (RFC 3161): <code>{base}/tsa</code></li>
</ul>
</body></html>"#
    ))
}
