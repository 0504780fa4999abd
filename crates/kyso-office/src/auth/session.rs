//! Browser sessions: a random secret in an HttpOnly cookie, its SHA-256
//! in the `session` table with the CSRF token bound to it, an idle limit
//! and an absolute limit. Any replica reads them.

use kyso_store::office::session;
use kyso_store::sea_orm::sea_query::{Expr, ExprTrait};
use kyso_store::sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use super::actor_loader::load_actor;
use super::secret::{new_secret, same, secret_hash};
use crate::actor::{Actor, Scope};
use crate::error::{OfficeError, Result};
use crate::Office;

/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY_SECS: i64 = 60;

/// A session as the server needs it after authenticating a request.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub actor: Actor,
    /// The CSRF token the session's forms and htmx requests must echo.
    pub csrf: String,
    pub expires_at: OffsetDateTime,
}

impl Office {
    /// Creates a session for `person_id`; returns the cookie secret and
    /// the CSRF token.
    pub(crate) async fn create_session(
        &self,
        tx: &impl kyso_store::sea_orm::ConnectionTrait,
        person_id: i64,
        now: OffsetDateTime,
    ) -> Result<(String, String, OffsetDateTime)> {
        let secret = new_secret("")?;
        let csrf = new_secret("")?;
        let expires = now + self.config.session_max;
        session::Entity::insert(session::ActiveModel {
            id_sha256: Set(secret_hash(&secret)),
            person_id: Set(person_id),
            csrf: Set(csrf.clone()),
            created_at: Set(now.unix_timestamp()),
            expires_at: Set(expires.unix_timestamp()),
            last_seen_at: Set(now.unix_timestamp()),
        })
        .exec_without_returning(tx)
        .await?;
        Ok((secret, csrf, expires))
    }

    /// The session of the cookie `secret`, if it is alive; touches it.
    pub async fn session(&self, secret: &str, request_id: Option<String>) -> Result<SessionInfo> {
        let now = self.now();
        let unauth = || {
            OfficeError::unauthenticated(
                "phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại",
                "the session has expired, please log in again",
            )
        };
        let db = self.store.connection();
        let s = session::Entity::find_by_id(secret_hash(secret))
            .one(db)
            .await?
            .ok_or_else(unauth)?;
        let t = now.unix_timestamp();
        if s.expires_at <= t || s.last_seen_at + self.config.session_idle.whole_seconds() <= t {
            session::Entity::delete_by_id(s.id_sha256.clone())
                .exec(db)
                .await?;
            return Err(unauth());
        }
        if t - s.last_seen_at >= TOUCH_EVERY_SECS {
            session::Entity::update_many()
                .col_expr(session::Column::LastSeenAt, Expr::value(t))
                .filter(session::Column::IdSha256.eq(s.id_sha256.clone()))
                .exec(db)
                .await?;
        }
        let actor = load_actor(
            db,
            s.person_id,
            vec![Scope::Read, Scope::Write, Scope::Admin],
            request_id,
        )
        .await?;
        Ok(SessionInfo {
            actor,
            csrf: s.csrf,
            expires_at: OffsetDateTime::from_unix_timestamp(s.expires_at)
                .map_err(|e| OfficeError::internal("session expiry", e))?,
        })
    }

    /// Whether `given` is the session's CSRF token (constant time).
    pub fn csrf_matches(info: &SessionInfo, given: &str) -> bool {
        same(&info.csrf, given)
    }

    /// Ends the session of cookie `secret` (logout).
    pub async fn logout(&self, secret: &str, actor: &Actor) -> Result<()> {
        let now = self.now();
        let id = secret_hash(secret);
        self.store
            .write(async |tx| {
                session::Entity::delete_by_id(id.clone()).exec(tx).await?;
                crate::audit::record(
                    tx,
                    actor,
                    crate::audit::Entry::new("logout", "person", actor.person_id),
                    now,
                )
                .await
            })
            .await
    }

    /// Deletes expired sessions (run now and then by the server).
    pub async fn purge_sessions(&self) -> Result<u64> {
        let t = self.now().unix_timestamp();
        let r =
            session::Entity::delete_many()
                .filter(session::Column::ExpiresAt.lte(t).or(
                    session::Column::LastSeenAt.lte(t - self.config.session_idle.whole_seconds()),
                ))
                .exec(self.store.connection())
                .await?;
        Ok(r.rows_affected)
    }
}
