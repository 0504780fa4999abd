//! The data tables: document types and categories.

use axum::extract::State;
use axum::http::StatusCode;
use kyso_office::catalog::{CategoryView, DocumentTypeView, NewCategory};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::extract::{Caller, Json, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(document_types))
        .routes(routes!(categories, add_category))
}

/// Document types (Decree 30/2020 Appendix III).
#[utoipa::path(get, path = "/api/v1/document-types", tag = "catalog",
    responses((status = 200, body = [DocumentTypeView])))]
async fn document_types(
    State(s): State<AppState>,
    Caller(a): Caller,
) -> Result<axum::Json<Vec<DocumentTypeView>>, WebError> {
    Ok(axum::Json(s.office.document_types(&a).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct CategoryQuery {
    /// The default set and this agency's own (default: the caller's agencies').
    pub agency_id: Option<i64>,
}

/// Document categories (R-CATEGORIES, R-EXTRA-CATEGORIES).
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", params(CategoryQuery),
    responses((status = 200, body = [CategoryView])))]
async fn categories(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(q): Query<CategoryQuery>,
) -> Result<axum::Json<Vec<CategoryView>>, WebError> {
    Ok(axum::Json(s.office.categories(&a, q.agency_id).await?))
}

/// Add a category of an agency's own (its head, clerk or IT officer).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", request_body = NewCategory,
    responses((status = 201, body = CategoryView)))]
async fn add_category(
    State(s): State<AppState>,
    Caller(a): Caller,
    Json(n): Json<NewCategory>,
) -> Result<(StatusCode, axum::Json<CategoryView>), WebError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(s.office.add_category(&a, n).await?),
    ))
}
