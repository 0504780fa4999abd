//! Signing a PDF from the browser with a key on the user's token, through
//! the local `kyso agent` (DESIGN §1, §4; protocol in
//! docs/agent-protocol.md), behind a login. `GET /sign` serves the page
//! (it carries the session's CSRF token); the page asks the agent for the
//! signer certificate, uploads the PDF to `POST /sign/prepare`, hands the
//! digest to the agent and posts its signature to `POST /sign/finalize`,
//! which answers with the signed PDF. The work is the office's
//! (`Office::prepare_plain_signature`, `finalize_plain_signature`):
//! nothing stays in this process between the two requests.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kyso_office::remote_signing::{certificate_from_b64, PreparedRemote};
use serde::Deserialize;

use super::page::{self, Chrome, Viewer};
use crate::error::WebError;
use crate::extract::{base64_field, Caller, Json};
use crate::middleware::security_headers::CSP_SIGN_PAGE;
use crate::{limits, AppState};

pub fn routes(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/sign", get(page))
        .route("/sign/prepare", post(prepare))
        .route("/sign/finalize", post(finalize))
        .layer(DefaultBodyLimit::max(limits::sign_prepare(max_upload)))
}

#[derive(askama::Template)]
#[template(path = "sign.html")]
struct SignPage {
    c: Chrome,
    name: String,
}

/// The page for a logged-in browser (anyone else is sent to the login
/// form), with the policy that lets it talk to the local agent.
async fn page(v: Viewer) -> Response {
    let mut r = page::ok(&SignPage {
        name: v.actor.full_name.clone(),
        c: v.c,
    });
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_SIGN_PAGE),
    );
    r
}

#[derive(Deserialize)]
struct PrepareRequest {
    /// Title shown to the signer.
    title: String,
    /// The PDF, base64.
    pdf: String,
    /// The signer certificate the agent reported, base64 DER.
    certificate: String,
}

async fn prepare(
    State(s): State<AppState>,
    Caller(_): Caller,
    Json(r): Json<PrepareRequest>,
) -> Result<axum::Json<PreparedRemote>, WebError> {
    let pdf = base64_field(&r.pdf, "bad-pdf", "tệp PDF", "the PDF")?;
    let cert = certificate_from_b64(&r.certificate)?;
    Ok(axum::Json(
        s.office
            .prepare_plain_signature(&r.title, &pdf, &cert)
            .await?,
    ))
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
    State(s): State<AppState>,
    Caller(_): Caller,
    Json(r): Json<FinalizeRequest>,
) -> Result<Response, WebError> {
    let signature = base64_field(&r.signature, "bad-signature", "chữ ký", "the signature")?;
    let cert = certificate_from_b64(&r.certificate)?;
    let (title, pdf) = s
        .office
        .finalize_plain_signature(&r.nonce, &signature, &cert)
        .await?;
    let name = format!("{}-signed.pdf", title.trim());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                crate::api::content_disposition(&name),
            ),
        ],
        pdf,
    )
        .into_response())
}
