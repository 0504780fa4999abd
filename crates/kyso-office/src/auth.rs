//! Accounts and access (issue: accounts and access): argon2id passwords,
//! server-side sessions in the database (any replica serves any request),
//! CSRF tokens bound to sessions, login rate limits with lock-out, and
//! hashed, scoped, revocable API tokens. Who a request is becomes an
//! [`crate::Actor`] here.

mod actor_loader;
mod api_token;
mod login;
mod password;
mod secret;
mod session;

pub use api_token::{ApiTokenInfo, NewApiToken};
pub use login::{LoginOutcome, LOCKOUT, MAX_FAILED_LOGINS};
pub use password::{check_password_policy, hash_password, verify_password, MIN_PASSWORD_LEN};
pub use session::SessionInfo;

/// A secret for a webhook's HMAC (shown once).
pub(crate) fn new_webhook_secret() -> crate::Result<String> {
    secret::new_secret("whsec_")
}
