//! Logging in and out, the caller, their API tokens and password.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use kyso_office::auth::{ApiTokenInfo, NewApiToken};
use kyso_office::{Actor, ErrorKind, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::audited;
use crate::error::WebError;
use crate::extract::{Caller, ClientIp, Json, Path, SessionCaller};
use crate::middleware::authn::{clear_cookie, session_cookie};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A new session; its secret is in the `kyso_session` cookie (HttpOnly).
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `X-CSRF-Token` with every unsafe request of this session.
    pub csrf: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub me: Actor,
}

/// Takes one login attempt of the client's address, or 429.
pub(crate) fn login_allowed(s: &AppState, ip: std::net::IpAddr) -> Result<(), WebError> {
    s.logins.check(ip, Instant::now()).map_err(|wait| WebError {
        retry_after: Some(wait.as_secs().max(1)),
        ..WebError::new(
            ErrorKind::TooManyRequests,
            "too-many-logins",
            "quá nhiều lần đăng nhập từ địa chỉ này, vui lòng thử lại sau",
            "too many logins from this address; try again later",
        )
    })
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::macros::offset!(+7))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Log in with a user name and password: opens a session (cookie) and
/// returns its CSRF token. Failures count towards the account's lock-out.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    security(()),
    responses((status = 200, body = LoginResponse,
        headers(("set-cookie" = String, description = "kyso_session=…; HttpOnly; SameSite=Lax")))))]
async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(r): Json<LoginRequest>,
) -> Result<Response, WebError> {
    login_allowed(&s, ip)?;
    let rid = crate::middleware::request_id::current();
    let o = s.office.login(&r.username, &r.password, rid).await?;
    let cookie = session_cookie(&o.session_secret, o.expires_at, s.tls);
    let body = LoginResponse {
        csrf: o.csrf,
        expires_at: rfc3339(o.expires_at),
        me: o.actor,
    };
    Ok(([(header::SET_COOKIE, cookie)], axum::Json(body)).into_response())
}

/// End the browser session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out; the cookie is cleared")))]
async fn logout(State(s): State<AppState>, c: SessionCaller) -> Result<Response, WebError> {
    s.office.logout(&c.secret, &c.info.actor).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(s.tls))],
    )
        .into_response())
}

/// Who is calling: the person, their roles in their agencies, the scopes.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Actor)))]
async fn me(Caller(a): Caller) -> axum::Json<Actor> {
    axum::Json(a)
}

/// The caller's API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "auth",
    responses((status = 200, body = [ApiTokenInfo])))]
async fn list_tokens(
    State(s): State<AppState>,
    Caller(a): Caller,
) -> Result<axum::Json<Vec<ApiTokenInfo>>, WebError> {
    Ok(axum::Json(s.office.list_api_tokens(&a).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Days until it expires (1–3650); none: until revoked.
    pub valid_days: Option<u32>,
}

/// Create an API token for the caller; its secret is shown this once.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth", request_body = NewTokenRequest,
    responses((status = 201, body = NewApiToken)))]
async fn create_token(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(r): Json<NewTokenRequest>,
) -> Result<(StatusCode, axum::Json<NewApiToken>), WebError> {
    let r = s
        .office
        .create_api_token(&a, &r.name, &r.scopes, r.valid_days)
        .await;
    let t = audited(&s, &a, "api_token.create", r).await?;
    Ok((StatusCode::CREATED, axum::Json(t)))
}

/// Revoke an API token (the caller's own; an administrator: anyone's).
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204, description = "revoked")))]
async fn revoke_token(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    let r = s.office.revoke_api_token(&a, id).await;
    audited(&s, &a, "api_token.revoke", r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Change the caller's own password (the current one is required). Ends
/// the account's sessions.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204, description = "changed")))]
async fn change_password(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(r): Json<PasswordChange>,
) -> Result<StatusCode, WebError> {
    s.office
        .set_password(&a, a.person_id, Some(&r.current), &r.new)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
