//! HTTP for kyso. Thin: handlers call `kyso-ca`.
//!
//! PKI endpoints: CA certificates, CRLs, OCSP (RFC 6960, GET and POST) and
//! the TSA (RFC 3161 over HTTP, RFC 3161 §3.4).
#![forbid(unsafe_code)]

mod pki;
mod remote_signing;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use kyso_ca::Ca;
use tokio::net::TcpListener;

pub use pki::pki_routes;
pub use remote_signing::remote_signing_routes;

/// The whole HTTP application.
pub fn router(ca: Arc<Ca>) -> Router {
    pki_routes(ca.clone()).merge(remote_signing_routes(ca))
}

/// Serve until `shutdown` resolves. Keeps the CRLs fresh in the
/// background (each is replaced at half its validity).
pub async fn serve(
    listener: TcpListener,
    ca: Arc<Ca>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = {
        let ca = ca.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(300));
            loop {
                tick.tick().await;
                for which in ["root", "issuing"] {
                    if let Err(e) = ca.current_crl(which).await {
                        tracing::warn!("CRL refresh for {which} failed: {e}");
                    }
                }
            }
        })
    };
    let app = router(ca).into_make_service_with_connect_info::<SocketAddr>();
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    refresher.abort();
    r
}
