//! The office's REST API under `/api/v1/`, one module per area. Each
//! handler takes the [`crate::extract::Caller`] and calls one use case of
//! [`kyso_office::Office`]; every route is described by utoipa and served
//! as OpenAPI 3.1 at `/api/openapi.json`, with an interactive page at
//! `/api/docs` (see [`docs`]).

pub mod agencies;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod desk;
pub mod desk_dossier;
pub mod desk_report;
pub mod docs;
pub mod documents;
pub mod inbox;
pub mod notifications;
pub mod people;
pub mod portal;
pub mod records_files;
pub mod registers;
pub mod search;
mod upload;
pub mod verify;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use kyso_office::{Actor, OfficeError};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Spec, Ref, ResponseBuilder, SecurityRequirement};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, WebError};
use crate::{limits, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyso — văn phòng văn bản điện tử / document office API",
        description = "Agencies, people and roles; documents through both signing flows \
(R-FLOW-SEAL, R-FLOW-TWO); registers; issuing and receiving with status codes; the audit \
log; webhooks. Authenticate with an API token (`Authorization: Bearer kyso_…`) or a browser \
session (cookie `kyso_session` from `POST /api/v1/auth/login`; unsafe methods then need \
`X-CSRF-Token`). Every error is `ApiError`. See docs/office-api.md.",
        license(name = "Apache-2.0")
    ),
    paths(registers::register_csv),
    components(schemas(ApiError, kyso_office::register::Direction, inbox::InboxAction)),
    tags(
        (name = "auth", description = "Logins, sessions, API tokens, passwords"),
        (name = "agencies", description = "The province's agencies, seal keys and images"),
        (name = "people", description = "Accounts and their roles"),
        (name = "catalog", description = "Document types and categories"),
        (name = "documents", description = "Outgoing documents through both signing flows"),
        (name = "inbox", description = "Incoming documents and their status codes"),
        (name = "registers", description = "Registers of outgoing and incoming documents"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "archive", description = "Long-term validity of stored documents: the archive renewal schedule"),
        (name = "portal", description = "The agencies' public portal: published documents (R-PORTAL)"),
        (name = "webhooks", description = "Signed notifications for integrations"),
        (name = "desk", description = "The certificate service desk: requests, calendar, devices"),
        (name = "verify", description = "Public verification of an issued file by its SHA-256 (a print-out's code), without login"),
    )
)]
struct ApiDoc;

/// The API's routes (with their state still to give) and their description.
pub fn router(max_upload: usize) -> (axum::Router<AppState>, Spec) {
    let json = OpenApiRouter::new()
        .merge(auth::routes())
        .merge(agencies::routes())
        .merge(people::routes())
        .merge(catalog::routes())
        .merge(search::routes())
        .merge(documents::routes())
        .merge(inbox::routes())
        .merge(registers::routes())
        .merge(audit::routes())
        .merge(records_files::routes())
        .merge(archive::routes())
        .merge(portal::routes())
        .merge(notifications::routes())
        .merge(webhooks::routes())
        .merge(desk::routes())
        .merge(desk_dossier::routes())
        .merge(desk_report::routes())
        .merge(verify::routes())
        .layer(DefaultBodyLimit::max(limits::JSON));
    let files = OpenApiRouter::new()
        .merge(agencies::file_routes())
        .merge(people::file_routes())
        .layer(DefaultBodyLimit::max(limits::SMALL_FILE));
    let uploads =
        documents::upload_routes().layer(DefaultBodyLimit::max(limits::multipart(max_upload)));
    let (router, mut spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(json)
        .merge(files)
        .merge(uploads)
        .split_for_parts();
    finish(&mut spec);
    (router, spec)
}

/// What the derive cannot say: unique operation ids, query parameters
/// (named in no path template), the security schemes, and the error
/// answer of every operation.
fn finish(spec: &mut Spec) {
    let components = spec.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("kyso_…")
                .description(Some("An API token from POST /api/v1/me/tokens"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "kyso_session",
            "The browser session from POST /api/v1/auth/login; unsafe methods must send \
             the session's CSRF token as X-CSRF-Token",
        ))),
    );
    components.responses.insert(
        "Error".into(),
        ResponseBuilder::new()
            .description(
                "Refused or failed: 400 invalid, 401 not authenticated, 403 not allowed, 404 \
                 not found, 409 wrong state, 413 too large, 415 wrong media type, 429 too many \
                 requests, 500 server error",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ApiError")))
                    .build(),
            )
            .into(),
    );
    for (path, item) in spec.paths.paths.iter_mut() {
        let ops = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                finish_operation(path, method, op);
            }
        }
    }
}

fn finish_operation(path: &str, method: &str, op: &mut Operation) {
    let tag = op
        .tags
        .as_ref()
        .and_then(|t| t.first().cloned())
        .unwrap_or_default();
    let name = op
        .operation_id
        .clone()
        .unwrap_or_else(|| method.to_string());
    op.operation_id = Some(format!("{tag}_{name}"));
    for p in op.parameters.iter_mut().flatten() {
        if p.parameter_in == ParameterIn::Path && !path.contains(&format!("{{{}}}", p.name)) {
            p.parameter_in = ParameterIn::Query;
        }
    }
    if op.security.is_none() {
        op.security = Some(vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
    op.responses
        .responses
        .entry("default".into())
        .or_insert_with(|| Ref::from_response_name("Error").into());
}

/// Records a 403 of a use case the office does not audit itself (reads
/// refused for a filter, token management), then passes the result on.
pub(crate) async fn audited<T>(
    s: &AppState,
    a: &Actor,
    use_case: &str,
    r: Result<T, OfficeError>,
) -> Result<T, WebError> {
    if let Err(e) = &r {
        s.office.record_refusal(a, use_case, e).await;
    }
    Ok(r?)
}

/// `Content-Disposition: attachment` with the file's name: an ASCII
/// fallback and the UTF-8 name (RFC 6266, RFC 8187).
pub(crate) fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_in_headers() {
        let h = content_disposition("Công văn \"1\".pdf");
        assert_eq!(
            h.to_str().unwrap(),
            "attachment; filename=\"C_ng v_n _1_.pdf\"; \
             filename*=UTF-8''C%C3%B4ng%20v%C4%83n%20%221%22.pdf"
        );
    }

    #[test]
    fn the_description_is_complete() {
        let (_, spec) = router(1 << 20);
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let paths = json["paths"].as_object().unwrap();
        let mut ids = std::collections::BTreeSet::new();
        let mut operations = 0;
        for (path, item) in paths {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let id = op["operationId"].as_str().unwrap().to_string();
                assert!(ids.insert(id.clone()), "duplicate operationId {id}");
                assert!(op["responses"]["default"].is_object(), "{method} {path}");
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap();
                    if p["in"] == "path" {
                        assert!(path.contains(&format!("{{{name}}}")), "{path} {name}");
                    }
                }
            }
        }
        // At least the 71 of issues 10, 12 and 13 (others add theirs).
        assert!(
            operations >= 71,
            "{operations}: {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
}
