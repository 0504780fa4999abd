//! The one error of the office: what kind of refusal (mapped to an HTTP
//! status by the server), a stable code for programs, and a message in
//! Vietnamese and in English for people.

use std::borrow::Cow;

/// The kind of refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Malformed or invalid input (400).
    Invalid,
    /// Not logged in, or bad credentials (401).
    Unauthenticated,
    /// Logged in but not allowed (403).
    Forbidden,
    /// No such thing, or not visible to the caller (404).
    NotFound,
    /// Not in a state that allows it, or already done (409).
    Conflict,
    /// Too large (413).
    TooLarge,
    /// Not a kind of file accepted (415).
    Unsupported,
    /// Too many attempts (429), e.g. login lock-out.
    TooManyRequests,
    /// Something broke on our side (500); details only in the log.
    Internal,
}

/// A refusal or failure of a use case. Nothing was written when a use
/// case returns one (its transaction rolled back).
#[derive(Clone, Debug, thiserror::Error, serde::Serialize)]
#[error("{en}")]
pub struct OfficeError {
    pub kind: ErrorKind,
    /// Stable, machine-readable: `not-found`, `wrong-state`, …
    pub code: Cow<'static, str>,
    pub vi: String,
    pub en: String,
}

pub type Result<T, E = OfficeError> = std::result::Result<T, E>;

impl OfficeError {
    pub fn new(
        kind: ErrorKind,
        code: impl Into<Cow<'static, str>>,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        OfficeError {
            kind,
            code: code.into(),
            vi: vi.into(),
            en: en.into(),
        }
    }
    pub fn invalid(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, vi, en)
    }
    pub fn forbidden(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", vi, en)
    }
    pub fn not_found(what_vi: &str, what_en: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not-found",
            format!("không tìm thấy {what_vi}"),
            format!("{what_en} not found"),
        )
    }
    pub fn conflict(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, vi, en)
    }
    pub fn unauthenticated(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, "unauthenticated", vi, en)
    }
    /// A failure on our side: logged with `detail`, reported without it.
    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {detail}");
        Self::new(
            ErrorKind::Internal,
            "internal",
            "lỗi máy chủ, vui lòng thử lại",
            "server error, please try again",
        )
    }
    /// Vietnamese, then English.
    pub fn message(&self) -> String {
        format!("{} / {}", self.vi, self.en)
    }
}

impl From<kyso_store::StoreError> for OfficeError {
    fn from(e: kyso_store::StoreError) -> Self {
        OfficeError::internal("database", e)
    }
}

impl From<kyso_store::sea_orm::DbErr> for OfficeError {
    fn from(e: kyso_store::sea_orm::DbErr) -> Self {
        OfficeError::internal("database", e)
    }
}

impl From<kyso_store::BlobError> for OfficeError {
    fn from(e: kyso_store::BlobError) -> Self {
        OfficeError::internal("blob store", e)
    }
}
