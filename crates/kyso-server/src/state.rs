//! The one state every handler shares.

use std::sync::Arc;

use kyso_ca::Ca;
use kyso_office::Office;

use crate::middleware::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    pub office: Arc<Office>,
    pub ca: Arc<Ca>,
    /// Reached over TLS (the public base URL is `https://`, usually
    /// through a reverse proxy): cookies are `Secure`, HSTS is sent.
    pub tls: bool,
    /// The search index of the data directory (`DATA/search`), fed by a
    /// job; `None` when it could not be opened (searches then fail, the
    /// rest works).
    pub search: Option<Arc<kyso_store::search::SearchIndex>>,
    pub(crate) logins: Arc<RateLimiter>,
    /// Uploads to the public verification page, per address.
    pub(crate) verifications: Arc<RateLimiter>,
}

impl AppState {
    /// Logins a minute from one address, by default.
    pub const DEFAULT_LOGINS_PER_MINUTE: u32 = 10;
    /// Public verifications a minute from one address, by default.
    pub const DEFAULT_VERIFICATIONS_PER_MINUTE: u32 = 20;

    pub fn new(office: Arc<Office>, ca: Arc<Ca>) -> AppState {
        let tls = office.config().base_url.starts_with("https://");
        let search_dir = office.config().data_dir.join("search");
        let search = match kyso_store::search::SearchIndex::open(&search_dir) {
            Ok(i) => Some(Arc::new(i)),
            Err(e) => {
                tracing::error!("cannot open the search index {}: {e}", search_dir.display());
                None
            }
        };
        AppState {
            search,
            office,
            ca,
            tls,
            logins: Arc::new(RateLimiter::per_minute(Self::DEFAULT_LOGINS_PER_MINUTE)),
            verifications: Arc::new(RateLimiter::per_minute(
                Self::DEFAULT_VERIFICATIONS_PER_MINUTE,
            )),
        }
    }

    /// Allows `n` logins a minute from one address.
    pub fn with_logins_per_minute(mut self, n: u32) -> AppState {
        self.logins = Arc::new(RateLimiter::per_minute(n));
        self
    }

    /// Marks the server as reached over TLS.
    pub fn with_tls(mut self, tls: bool) -> AppState {
        self.tls = tls;
        self
    }
}
