//! Extractors whose refusals are the API's error shape ([`WebError`]),
//! and the caller's identity ([`Caller`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use bytes::Bytes;
use kyso_office::auth::SessionInfo;
use kyso_office::Actor;
use serde::de::DeserializeOwned;

use crate::error::WebError;
use crate::middleware::authn::Credential;

/// The authenticated caller (session or API token); 401 otherwise.
pub struct Caller(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        match parts.extensions.get::<Credential>() {
            Some(Credential::Session { info, .. }) => Ok(Caller(info.actor.clone())),
            Some(Credential::Token(a)) => Ok(Caller(a.clone())),
            Some(Credential::Refused(e)) => Err(e.clone().into()),
            _ => Err(WebError::unauthenticated()),
        }
    }
}

/// A caller authenticated by a browser session (cookie); 401 otherwise.
pub struct SessionCaller {
    pub info: SessionInfo,
    pub secret: String,
}

impl<S: Send + Sync> FromRequestParts<S> for SessionCaller {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        match parts.extensions.get::<Credential>() {
            Some(Credential::Session { info, secret }) => Ok(SessionCaller {
                info: info.clone(),
                secret: secret.clone(),
            }),
            Some(Credential::Refused(e)) => Err(e.clone().into()),
            Some(Credential::Token(_)) => Err(WebError::invalid(
                "not-a-session",
                "yêu cầu này dành cho phiên đăng nhập trên trình duyệt, không cho mã truy cập API",
                "this request is for a browser session, not for an API token",
            )),
            _ => Err(WebError::unauthenticated()),
        }
    }
}

/// The client's address (the TCP peer; unspecified when unknown).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// A JSON body.
pub struct Json<T>(pub T);

fn json_refusal(r: JsonRejection) -> WebError {
    match r {
        JsonRejection::MissingJsonContentType(_) => WebError::unsupported("application/json"),
        r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => WebError::too_large(),
        r => {
            let why = r.body_text();
            WebError::invalid(
                "bad-json",
                format!("nội dung JSON không hợp lệ: {why}"),
                format!("the JSON body is not valid: {why}"),
            )
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Json(v))
            .map_err(json_refusal)
    }
}

/// A JSON body that may be left out (no body: `T::default()`).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let headers = req.headers().clone();
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        require_content_type(&headers, &["application/json"])?;
        serde_json::from_slice(&bytes)
            .map(OptionalJson)
            .map_err(|e| {
                WebError::invalid(
                    "bad-json",
                    format!("nội dung JSON không hợp lệ: {e}"),
                    format!("the JSON body is not valid: {e}"),
                )
            })
    }
}

/// Query parameters.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|r| {
                let why = r.body_text();
                WebError::invalid(
                    "bad-query",
                    format!("tham số truy vấn không hợp lệ: {why}"),
                    format!("the query parameters are not valid: {why}"),
                )
            })
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|r| {
                let why = r.body_text();
                WebError::invalid(
                    "bad-path",
                    format!("tham số đường dẫn không hợp lệ: {why}"),
                    format!("the path parameters are not valid: {why}"),
                )
            })
    }
}

/// The raw body (within the route's body limit).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|r: BytesRejection| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    WebError::too_large()
                } else {
                    WebError::invalid(
                        "bad-body",
                        "không đọc được nội dung yêu cầu",
                        "cannot read the request body",
                    )
                }
            })
    }
}

/// A base64 field of a JSON body, or 400 `code` naming it.
pub fn base64_field(
    value: &str,
    code: &'static str,
    what_vi: &str,
    what_en: &str,
) -> Result<Vec<u8>, WebError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(value.trim().as_bytes())
        .map_err(|_| {
            WebError::invalid(
                code,
                format!("{what_vi} không phải base64"),
                format!("{what_en} is not base64"),
            )
        })
}

/// The media type of the request (without parameters), lower-case.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// 415 unless the request's media type is one of `accepted`.
pub fn require_content_type(headers: &HeaderMap, accepted: &[&str]) -> Result<(), WebError> {
    match media_type(headers) {
        Some(m) if accepted.contains(&m.as_str()) => Ok(()),
        _ => Err(WebError::unsupported(&accepted.join(", "))),
    }
}
