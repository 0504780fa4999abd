//! API tokens for integrations (`Authorization: Bearer kyso_…`): shown
//! once at creation, kept as their SHA-256, scoped (`read`, `write`,
//! `admin`), optionally expiring, revocable. A token never grants more
//! than its person's roles.

use kyso_store::office::api_token;
use kyso_store::sea_orm::sea_query::Expr;
use kyso_store::sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::OffsetDateTime;

use super::actor_loader::load_actor;
use super::secret::{new_secret, secret_hash};
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::Office;

/// Prefix of every token, so that leaked ones are easy to find.
pub const TOKEN_PREFIX: &str = "kyso_";
/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY_SECS: i64 = 60;

/// A token as listed (never its secret).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
}

/// A token just created: the secret is shown this once.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NewApiToken {
    pub info: ApiTokenInfo,
    pub token: String,
}

fn ts(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn info(m: api_token::Model) -> ApiTokenInfo {
    ApiTokenInfo {
        id: m.id,
        name: m.name,
        scopes: m
            .scopes
            .split_whitespace()
            .filter_map(|s| Scope::parse(s).ok())
            .collect(),
        created_at: ts(m.created_at),
        expires_at: m.expires_at.map(ts),
        revoked_at: m.revoked_at.map(ts),
        last_used_at: m.last_used_at.map(ts),
    }
}

impl Office {
    /// Creates a token for the actor themself.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[Scope],
        valid_days: Option<u32>,
    ) -> Result<NewApiToken> {
        actor.require_scope(Scope::Write)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(OfficeError::invalid(
                "bad-name",
                "tên mã truy cập phải có 1–100 ký tự",
                "the token name needs 1–100 characters",
            ));
        }
        if scopes.is_empty() {
            return Err(OfficeError::invalid(
                "no-scope",
                "cần ít nhất một phạm vi (read, write, admin)",
                "at least one scope is needed (read, write, admin)",
            ));
        }
        for s in scopes {
            // A token cannot widen what its creator's credential may do.
            actor.require_scope(*s)?;
        }
        if valid_days.is_some_and(|d| d == 0 || d > 3650) {
            return Err(OfficeError::invalid(
                "bad-validity",
                "thời hạn phải từ 1 đến 3650 ngày",
                "validity must be 1 to 3650 days",
            ));
        }
        let now = self.now();
        let secret = new_secret(TOKEN_PREFIX)?;
        let mut scope_list: Vec<Scope> = scopes.to_vec();
        scope_list.sort();
        scope_list.dedup();
        let scopes_text = scope_list
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(" ");
        let expires = valid_days.map(|d| now + time::Duration::days(i64::from(d)));
        let model = self
            .store
            .write(async |tx| {
                let r = api_token::Entity::insert(api_token::ActiveModel {
                    person_id: Set(actor.person_id),
                    name: Set(name.to_string()),
                    token_sha256: Set(secret_hash(&secret)),
                    scopes: Set(scopes_text.clone()),
                    created_at: Set(now.unix_timestamp()),
                    expires_at: Set(expires.map(|e| e.unix_timestamp())),
                    revoked_at: Set(None),
                    last_used_at: Set(None),
                    ..Default::default()
                })
                .exec_with_returning(tx)
                .await?;
                record(
                    tx,
                    actor,
                    Entry::new("api_token.create", "api_token", r.id).detail(scopes_text.clone()),
                    now,
                )
                .await?;
                Ok::<_, OfficeError>(r)
            })
            .await?;
        Ok(NewApiToken {
            info: info(model),
            token: secret,
        })
    }

    /// The actor's own tokens.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenInfo>> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::PersonId.eq(actor.person_id))
            .order_by_asc(api_token::Column::Id)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(info)
            .collect())
    }

    /// Revokes one of the actor's tokens (an administrator: anyone's).
    pub async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_scope(Scope::Write)?;
        let now = self.now();
        self.store
            .write(async |tx| {
                let t = api_token::Entity::find_by_id(id)
                    .one(tx)
                    .await?
                    .ok_or_else(|| OfficeError::not_found("mã truy cập", "API token"))?;
                if t.person_id != actor.person_id {
                    actor.require_admin()?;
                }
                if t.revoked_at.is_some() {
                    return Err(OfficeError::conflict(
                        "already-revoked",
                        "mã truy cập đã bị thu hồi",
                        "the token is already revoked",
                    ));
                }
                api_token::Entity::update_many()
                    .col_expr(
                        api_token::Column::RevokedAt,
                        Expr::value(now.unix_timestamp()),
                    )
                    .filter(api_token::Column::Id.eq(id))
                    .exec(tx)
                    .await?;
                record(
                    tx,
                    actor,
                    Entry::new("api_token.revoke", "api_token", id),
                    now,
                )
                .await
            })
            .await
    }

    /// The actor of a bearer token, if it is valid.
    pub async fn token_actor(&self, token: &str, request_id: Option<String>) -> Result<Actor> {
        let unauth = || {
            OfficeError::unauthenticated(
                "mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi",
                "the API token is invalid, expired or revoked",
            )
        };
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(unauth());
        }
        let db = self.store.connection();
        let t = api_token::Entity::find()
            .filter(api_token::Column::TokenSha256.eq(secret_hash(token)))
            .one(db)
            .await?
            .ok_or_else(unauth)?;
        let now = self.now().unix_timestamp();
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
            return Err(unauth());
        }
        if t.last_used_at.is_none_or(|l| now - l >= TOUCH_EVERY_SECS) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
                .filter(api_token::Column::Id.eq(t.id))
                .exec(db)
                .await?;
        }
        let scopes = info(t.clone()).scopes;
        load_actor(db, t.person_id, scopes, request_id).await
    }
}
