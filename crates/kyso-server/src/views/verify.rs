//! The public verification page: anyone uploads a PDF — or any file with
//! its detached signature (`.p7s`, CMS/CAdES) — and reads the report. Nothing is kept — the file is verified from memory (through a
//! temporary file the office deletes at once) — the size is bounded and
//! uploads are rate-limited per address. Anonymous visitors never see a
//! stored document here.

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use kyso_office::print::PublicVerification;

use super::cards::{Badge, Verdict};
use super::page::{self, Chrome, Visitor};
use crate::extract::{ClientIp, Path};
use crate::AppState;

/// Largest file the public page verifies.
pub const MAX_PUBLIC_VERIFY: usize = 20 * 1024 * 1024;
/// Largest detached signature.
const MAX_P7S: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verify", get(form).post(check))
        .route("/verify/{sha256}", get(by_hash))
        .layer(DefaultBodyLimit::max(MAX_PUBLIC_VERIFY + 64 * 1024))
}

#[derive(askama::Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    c: Chrome,
    file_name: String,
    v: Option<Verdict>,
    problem: Option<String>,
    max_mb: usize,
}

fn answer(
    c: Chrome,
    status: StatusCode,
    file_name: String,
    v: Option<Verdict>,
    problem: Option<String>,
) -> Response {
    page::render(
        status,
        &VerifyPage {
            c,
            file_name,
            v,
            problem,
            max_mb: MAX_PUBLIC_VERIFY / (1024 * 1024),
        },
    )
}

async fn form(Visitor { c }: Visitor) -> Response {
    answer(c, StatusCode::OK, String::new(), None, None)
}

async fn check(
    State(s): State<AppState>,
    Visitor { c }: Visitor,
    ClientIp(ip): ClientIp,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if s.verifications.check(ip, Instant::now()).is_err() {
        let m = c.t("verify.err.rate").to_string();
        return answer(
            c,
            StatusCode::TOO_MANY_REQUESTS,
            String::new(),
            None,
            Some(m),
        );
    }
    let mut file: Option<(String, bytes::Bytes)> = None;
    let mut p7s: Option<bytes::Bytes> = None;
    if let Ok(mut mp) = mp {
        loop {
            match mp.next_field().await {
                Ok(Some(f)) if f.name() == Some("signature") => match f.bytes().await {
                    Ok(b) if b.len() <= MAX_P7S => p7s = Some(b).filter(|b| !b.is_empty()),
                    _ => {
                        let m = c.t("verify.err.p7s_too_large").to_string();
                        return answer(
                            c,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            String::new(),
                            None,
                            Some(m),
                        );
                    }
                },
                Ok(Some(f)) if f.name() == Some("file") => {
                    let name = f.file_name().unwrap_or("").to_string();
                    match f.bytes().await {
                        Ok(b) => file = Some((name, b)),
                        Err(_) => {
                            let m = c.t("verify.err.too_large").to_string();
                            return answer(c, StatusCode::PAYLOAD_TOO_LARGE, name, None, Some(m));
                        }
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    let m = c.t("verify.err.too_large").to_string();
                    return answer(
                        c,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        String::new(),
                        None,
                        Some(m),
                    );
                }
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let m = c.t("verify.err.no_file").to_string();
        return answer(c, StatusCode::BAD_REQUEST, String::new(), None, Some(m));
    };
    if bytes.len() > MAX_PUBLIC_VERIFY {
        let m = c.t("verify.err.too_large").to_string();
        return answer(c, StatusCode::PAYLOAD_TOO_LARGE, name, None, Some(m));
    }
    if let Some(p7s) = p7s {
        return match s.office.verify_detached_bytes(&p7s, &bytes).await {
            Ok(r) => {
                let v = Verdict::of(&r, c.lang);
                answer(c, StatusCode::OK, name, Some(v), None)
            }
            Err(e) => {
                let m = c.pick(&e.vi, &e.en).to_string();
                answer(c, StatusCode::UNPROCESSABLE_ENTITY, name, None, Some(m))
            }
        };
    }
    if !bytes.starts_with(b"%PDF-")
        && !bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
    {
        let m = c.t("verify.err.not_pdf").to_string();
        return answer(c, StatusCode::UNSUPPORTED_MEDIA_TYPE, name, None, Some(m));
    }
    match s.office.verify_pdf_bytes(&bytes).await {
        Ok(r) => {
            let v = Verdict::of(&r, c.lang);
            answer(c, StatusCode::OK, name, Some(v), None)
        }
        Err(e) => {
            let m = c.pick(&e.vi, &e.en).to_string();
            answer(c, StatusCode::UNPROCESSABLE_ENTITY, name, None, Some(m))
        }
    }
}

#[derive(askama::Template)]
#[template(path = "verify_hash.html")]
struct HashPage {
    c: Chrome,
    p: PublicVerification,
    badge: Badge,
    issued: String,
    validated: String,
    message: String,
}

/// The page a print-out's QR code opens: the issued file with this
/// SHA-256, verified now — who issued it, its number, date and signers,
/// the verdict; never its content. 400 for a malformed hash, 404 when
/// no issued document has that file.
async fn by_hash(
    State(s): State<AppState>,
    Visitor { c }: Visitor,
    ClientIp(ip): ClientIp,
    Path(sha256): Path<String>,
) -> Response {
    if let Err(e) = kyso_office::print::parse_sha256(&sha256) {
        return page::error(&c, &e);
    }
    if s.verifications.check(ip, Instant::now()).is_err() {
        let e = kyso_office::OfficeError::new(
            kyso_office::ErrorKind::TooManyRequests,
            "too-many-verifications",
            c.t("verify.err.rate"),
            c.t("verify.err.rate"),
        );
        return page::error(&c, &e);
    }
    match s.office.verify_issued_hash(&sha256).await {
        Ok(p) => {
            let badge = Badge::of_code(&p.indication, c.lang);
            page::ok(&HashPage {
                issued: p
                    .issued_date
                    .as_deref()
                    .map(super::fmt::when)
                    .unwrap_or_default(),
                validated: super::fmt::when(&p.validated_at),
                message: c.pick(&p.message_vi, &p.message_en).to_string(),
                badge,
                p,
                c,
            })
        }
        Err(e) => page::error(&c, &e),
    }
}
