//! Public verification of an issued file by its SHA-256 — what a
//! print-out's QR code points to (R-PRINT). Anonymous; it reveals the
//! issuing agency, number, date, signers and the verdict, never the
//! document's content.

use std::time::Instant;

use axum::extract::State;
use kyso_office::print::PublicVerification;
use kyso_office::ErrorKind;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{ClientIp, Path};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(by_hash))
}

/// Takes one public verification of the client's address, or 429.
pub(crate) fn verification_allowed(s: &AppState, ip: std::net::IpAddr) -> Result<(), WebError> {
    s.verifications
        .check(ip, Instant::now())
        .map_err(|wait| WebError {
            retry_after: Some(wait.as_secs().max(1)),
            ..WebError::new(
                ErrorKind::TooManyRequests,
                "too-many-verifications",
                "quá nhiều lần kiểm tra từ địa chỉ này, vui lòng thử lại sau",
                "too many verifications from this address; try again later",
            )
        })
}

/// The issued document whose issued (or long-term) file has this
/// SHA-256, verified now: issuing agency, number, date, signers and the
/// verdict. No login. 400 for a malformed hash, 404 when no issued
/// document has that file.
#[utoipa::path(get, path = "/api/v1/verify/{sha256}", tag = "verify", security(()),
    params(("sha256" = String, Path, description = "SHA-256 of the issued file, 64 hex digits")),
    responses((status = 200, body = PublicVerification)))]
async fn by_hash(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(sha256): Path<String>,
) -> Result<axum::Json<PublicVerification>, WebError> {
    kyso_office::print::parse_sha256(&sha256)?;
    verification_allowed(&s, ip)?;
    Ok(axum::Json(s.office.verify_issued_hash(&sha256).await?))
}
