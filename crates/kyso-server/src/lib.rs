//! HTTP for kyso, shaped like kanidm's `server/core/src/https`: one
//! [`AppState`], one [`WebError`], [`middleware`] (request id, security
//! headers, authentication, CSRF, limits), the office's REST API by area
//! in [`api`] (utoipa → `/api/openapi.json`, `/api/docs`), the few pages
//! in [`views`], the PKI endpoints in [`pki`] (CA certificates, CRLs,
//! OCSP — RFC 6960 GET and POST —, the TSA — RFC 3161 §3.4), and the
//! background [`jobs`]. Thin: handlers call `kyso-office` or `kyso-ca`,
//! never the store.
#![forbid(unsafe_code)]

pub mod api;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod limits;
pub mod middleware;
mod pki;
mod state;
pub mod views;

use std::net::SocketAddr;

use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use tokio::net::TcpListener;

pub use error::{ApiError, WebError};
pub use jobs::JobIntervals;
pub use pki::pki_routes;
pub use state::AppState;

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let max_upload = state.office.config().max_upload;
    let (api, spec) = api::router(max_upload);
    // The routes that know who is calling.
    let office = Router::new()
        .merge(api)
        .merge(views::sign::routes(max_upload))
        .merge(views::routes(max_upload))
        .layer(from_fn_with_state(state.clone(), middleware::csrf::csrf))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::authn::authenticate,
        ));
    Router::new()
        .merge(office)
        .merge(api::docs::routes(spec))
        .merge(views::assets::routes())
        .fallback(|| async { WebError::not_found() })
        .with_state(state.clone())
        .merge(pki_routes(state.ca.clone()))
        .layer(from_fn(middleware::drain::drain))
        .layer(from_fn(middleware::api_errors))
        .layer(from_fn_with_state(
            state,
            middleware::security_headers::security_headers,
        ))
        .layer(from_fn(middleware::request_id::request_id))
}

/// Serve until `shutdown` resolves, running the background [`jobs`]; at
/// shutdown the audit chain's head is time-stamped once more.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    intervals: &JobIntervals,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let jobs = jobs::Jobs::start(&state, intervals);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    jobs.stop().await;
    r
}
