//! The one error of the HTTP layer: an [`OfficeError`] (or a refusal of
//! the server itself: CSRF, rate limit, malformed request) shown as an
//! HTTP status and one JSON shape, [`ApiError`], with the message in
//! Vietnamese and English and the request id to quote to support.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kyso_office::{ErrorKind, OfficeError};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer of the API.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable, machine-readable code: `not-found`, `forbidden`, `csrf`,
    /// `wrong-state`, `unauthenticated`, …
    #[schema(example = "forbidden")]
    pub error: String,
    /// Vietnamese, then English: `"… / …"`.
    pub message: String,
    pub message_vi: String,
    pub message_en: String,
    /// The request id (`X-Request-Id`), also in the server's log and in
    /// the audit entry of a refusal.
    pub request_id: String,
}

/// An error answer. Handlers return `Result<_, WebError>`; `?` on an
/// [`OfficeError`] converts.
#[derive(Clone, Debug)]
pub struct WebError {
    pub error: OfficeError,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
}

impl From<OfficeError> for WebError {
    fn from(error: OfficeError) -> Self {
        WebError {
            error,
            retry_after: None,
        }
    }
}

impl WebError {
    pub fn new(
        kind: ErrorKind,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        OfficeError::new(kind, code, vi, en).into()
    }

    pub fn invalid(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, vi, en)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "unauthenticated",
            "cần đăng nhập (phiên đăng nhập hoặc mã truy cập API)",
            "authentication required (a session or an API token)",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not-found",
            "không có địa chỉ này",
            "no such resource",
        )
    }

    pub fn unsupported(expected: &str) -> Self {
        Self::new(
            ErrorKind::Unsupported,
            "unsupported-media-type",
            format!("nội dung phải có Content-Type: {expected}"),
            format!("the body must have Content-Type: {expected}"),
        )
    }

    pub fn too_large() -> Self {
        Self::new(
            ErrorKind::TooLarge,
            "too-large",
            "nội dung yêu cầu quá lớn",
            "the request body is too large",
        )
    }

    /// The HTTP status of `kind`.
    pub fn status_of(kind: ErrorKind) -> StatusCode {
        match kind {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn status(&self) -> StatusCode {
        Self::status_of(self.error.kind)
    }

    /// The body, with the id of the request being answered.
    pub fn body(&self) -> ApiError {
        ApiError {
            error: self.error.code.to_string(),
            message: self.error.message(),
            message_vi: self.error.vi.clone(),
            message_en: self.error.en.clone(),
            request_id: crate::middleware::request_id::current().unwrap_or_default(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut r = (status, axum::Json(self.body())).into_response();
        let h = r.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kyso\""),
            );
        }
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                h.insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

/// The error a status without a body of ours stands for (a 405 or 413
/// answered by the framework), for [`crate::middleware::api_errors`].
pub(crate) fn for_status(status: StatusCode) -> WebError {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => WebError::new(
            ErrorKind::Invalid,
            "method-not-allowed",
            "phương thức HTTP không được hỗ trợ ở địa chỉ này",
            "this HTTP method is not allowed here",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => WebError::too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::unsupported("application/json"),
        StatusCode::NOT_FOUND => WebError::not_found(),
        s if s.is_server_error() => OfficeError::internal("http", s).into(),
        _ => WebError::invalid(
            "bad-request",
            "yêu cầu không hợp lệ",
            "the request is not valid",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status() {
        let pairs = [
            (ErrorKind::Invalid, 400),
            (ErrorKind::Unauthenticated, 401),
            (ErrorKind::Forbidden, 403),
            (ErrorKind::NotFound, 404),
            (ErrorKind::Conflict, 409),
            (ErrorKind::TooLarge, 413),
            (ErrorKind::Unsupported, 415),
            (ErrorKind::TooManyRequests, 429),
            (ErrorKind::Internal, 500),
        ];
        for (k, s) in pairs {
            assert_eq!(WebError::status_of(k).as_u16(), s, "{k:?}");
        }
    }
}
