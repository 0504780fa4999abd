//! Searching documents (`GET /api/v1/documents/search`): words and
//! filters over the caller's agencies' documents, accent-insensitive, with
//! highlighted snippets.

use axum::extract::State;
use kyso_office::search::{SearchFilter, SearchPage};
use kyso_office::OfficeError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::audited;
use crate::error::WebError;
use crate::extract::{Caller, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// Documents of the caller's agencies (issued or drafted there, or
/// delivered to them) matching words and filters, by relevance then date.
#[utoipa::path(get, path = "/api/v1/documents/search", tag = "documents",
    params(SearchFilter), responses((status = 200, body = SearchPage)))]
async fn search(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(f): Query<SearchFilter>,
) -> Result<axum::Json<SearchPage>, WebError> {
    let r = run(&s, &a, &f).await;
    Ok(axum::Json(audited(&s, &a, "document.search", r).await?))
}

/// The search of the API and of the web page.
pub(crate) async fn run(
    s: &AppState,
    a: &kyso_office::Actor,
    f: &SearchFilter,
) -> Result<SearchPage, OfficeError> {
    let Some(index) = &s.search else {
        return Err(OfficeError::internal(
            "search",
            "the search index is not open",
        ));
    };
    s.office.search_documents(a, index, f).await
}
