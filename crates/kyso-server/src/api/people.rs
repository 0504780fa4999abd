//! People, their roles, passwords, certificates and signature images.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kyso_office::person::{NewMembership, NewPerson, PersonUpdate, PersonView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::audited;
use crate::error::WebError;
use crate::extract::{require_content_type, Caller, Json, Path, Query, RawBody};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(add_role))
        .routes(routes!(remove_role))
        .routes(routes!(reset_password))
}

/// Routes that take a file body.
pub fn file_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_certificate))
        .routes(routes!(set_signature_image))
}

#[derive(Deserialize, IntoParams)]
pub struct PeopleQuery {
    /// Only the members of this agency.
    pub agency_id: Option<i64>,
}

/// People the caller may see: everyone for the administrator, else the
/// members of the caller's agencies.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery),
    responses((status = 200, body = [PersonView])))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<PeopleQuery>,
) -> Result<axum::Json<Vec<PersonView>>, WebError> {
    let r = s.office.list_people(&a, q.agency_id).await;
    Ok(axum::Json(audited(&s, &a, "person.list", r).await?))
}

/// Create an account with its roles (the administrator, or an agency's IT
/// officer for their agency).
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = NewPerson,
    responses((status = 201, body = PersonView)))]
async fn create(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewPerson>,
) -> Result<(StatusCode, axum::Json<PersonView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.create_person(&a, n).await?),
    ))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = PersonView)))]
async fn get_one(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<PersonView>, WebError> {
    Ok(axum::Json(s.office.person(&a, id).await?))
}

/// Change a person's details (themself; `active` and `unlock` only by an
/// administrator of their agencies).
#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    request_body = PersonUpdate,
    responses((status = 200, body = PersonView)))]
async fn update(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(u): Json<PersonUpdate>,
) -> Result<axum::Json<PersonView>, WebError> {
    Ok(axum::Json(s.office.update_person(&a, id, u).await?))
}

/// Grant a role in an agency.
#[utoipa::path(post, path = "/api/v1/people/{id}/roles", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    request_body = NewMembership,
    responses((status = 200, body = PersonView)))]
async fn add_role(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(m): Json<NewMembership>,
) -> Result<axum::Json<PersonView>, WebError> {
    Ok(axum::Json(s.office.add_membership(&a, id, m).await?))
}

/// Remove a role.
#[utoipa::path(delete, path = "/api/v1/people/{id}/roles/{membership_id}", tag = "people",
    params(("id" = i64, Path, description = "person id"),
           ("membership_id" = i64, Path, description = "the role's id (`memberships[].id`)")),
    responses((status = 200, body = PersonView)))]
async fn remove_role(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path((id, membership_id)): Path<(i64, i64)>,
) -> Result<axum::Json<PersonView>, WebError> {
    Ok(axum::Json(
        s.office.remove_membership(&a, id, membership_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    pub new: String,
}

/// Reset a person's password (an administrator of their agencies). Ends
/// their sessions.
#[utoipa::path(put, path = "/api/v1/people/{id}/password", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    request_body = PasswordReset,
    responses((status = 204, description = "reset")))]
async fn reset_password(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    Json(r): Json<PasswordReset>,
) -> Result<StatusCode, WebError> {
    s.office.set_password(&a, id, None, &r.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Register a person's personal certificate (PEM): themself, or an
/// administrator.
#[utoipa::path(put, path = "/api/v1/people/{id}/certificate", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    request_body(content = String, content_type = "text/plain",
        description = "the certificate, PEM text (sent as text/plain or application/x-pem-file)"),
    responses((status = 200, body = PersonView)))]
async fn set_certificate(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<axum::Json<PersonView>, WebError> {
    require_content_type(
        &headers,
        &[
            "application/x-pem-file",
            "application/pem-certificate-chain",
            "text/plain",
        ],
    )?;
    let pem = std::str::from_utf8(&body).map_err(|_| {
        WebError::invalid(
            "bad-certificate",
            "chứng thư số phải là văn bản PEM",
            "the certificate must be PEM text",
        )
    })?;
    Ok(axum::Json(
        s.office.set_person_certificate(&a, id, pem).await?,
    ))
}

/// Set a person's handwritten signature specimen (PNG with transparency).
#[utoipa::path(put, path = "/api/v1/people/{id}/signature-image", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = PersonView)))]
async fn set_signature_image(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    RawBody(png): RawBody,
) -> Result<axum::Json<PersonView>, WebError> {
    require_content_type(&headers, &["image/png"])?;
    Ok(axum::Json(s.office.set_signature_image(&a, id, png).await?))
}
