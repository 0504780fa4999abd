//! Login with a password. Failures are counted on the account in the
//! database, so a lock-out holds across replicas: after
//! [`MAX_FAILED_LOGINS`] failures in a row the account refuses logins for
//! [`LOCKOUT`], with a message saying until when. Every attempt, success
//! or not, is in the audit log; the password never is.

use kyso_store::office::person;
use kyso_store::sea_orm::sea_query::{Expr, ExprTrait};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use kyso_store::AuditEvent;
use time::OffsetDateTime;

use super::actor_loader::load_actor;
use super::password::{dummy_hash, verify_password};
use crate::actor::{Actor, Scope};
use crate::audit::{record, record_event, Entry};
use crate::clock::VIETNAM;
use crate::error::{ErrorKind, OfficeError, Result};
use crate::Office;

/// Failures in a row that lock the account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account refuses logins.
pub const LOCKOUT: time::Duration = time::Duration::minutes(15);

/// A successful login.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    pub actor: Actor,
    /// The session cookie's value (shown once).
    pub session_secret: String,
    pub csrf: String,
    pub expires_at: OffsetDateTime,
}

fn bad_credentials() -> OfficeError {
    OfficeError::unauthenticated(
        "sai tên đăng nhập hoặc mật khẩu",
        "wrong user name or password",
    )
}

fn locked(until: OffsetDateTime) -> OfficeError {
    let t = until.to_offset(VIETNAM);
    OfficeError::new(
        ErrorKind::TooManyRequests,
        "account-locked",
        format!(
            "tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau {:02}:{:02}",
            t.hour(),
            t.minute()
        ),
        format!(
            "the account is locked after repeated failed logins; try again after {:02}:{:02} (Vietnam time)",
            t.hour(),
            t.minute()
        ),
    )
}

impl Office {
    /// Checks `username` and `password` and opens a session.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        request_id: Option<String>,
    ) -> Result<LoginOutcome> {
        let now = self.now();
        let t = now.unix_timestamp();
        let username = username.trim().to_lowercase();
        if username.is_empty() || username.len() > 100 || password.len() > 1024 {
            return Err(bad_credentials());
        }
        let db = self.store.connection();
        let p = person::Entity::find()
            .filter(person::Column::Username.eq(username.clone()))
            .one(db)
            .await?;
        let failed = |detail: &str| AuditEvent {
            person_id: p.as_ref().map(|p| p.id),
            actor: username.clone(),
            action: "login.failed".into(),
            object_kind: "person".into(),
            object_id: p.as_ref().map(|p| p.id.to_string()).unwrap_or_default(),
            request_id: request_id.clone(),
            detail: Some(detail.into()),
            ..Default::default()
        };
        let Some(p) = p.clone().filter(|p| p.active && p.password_hash.is_some()) else {
            // Spend the same time as a wrong password.
            let pw = password.to_string();
            let _ = tokio::task::spawn_blocking(move || verify_password(&pw, dummy_hash())).await;
            let ev = failed("unknown or disabled account");
            self.store
                .write(async |tx| record_event(tx, ev, now).await)
                .await?;
            return Err(bad_credentials());
        };
        if let Some(until) = p.locked_until.filter(|u| *u > t) {
            let ev = failed("account locked");
            self.store
                .write(async |tx| record_event(tx, ev, now).await)
                .await?;
            return Err(locked(
                OffsetDateTime::from_unix_timestamp(until).unwrap_or(now),
            ));
        }
        let phc = p.password_hash.clone().unwrap_or_default();
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
            .await
            .map_err(|e| OfficeError::internal("password check", e))?;
        if !ok {
            let ev = failed("wrong password");
            let lock_now = p.failed_logins + 1 >= MAX_FAILED_LOGINS;
            let until = now + LOCKOUT;
            self.store
                .write(async |tx| {
                    // Counted in the database: concurrent failures on several
                    // replicas all count.
                    let q = person::Entity::update_many().filter(person::Column::Id.eq(p.id));
                    let q = if lock_now {
                        q.col_expr(
                            person::Column::LockedUntil,
                            Expr::value(until.unix_timestamp()),
                        )
                        .col_expr(person::Column::FailedLogins, Expr::value(0))
                    } else {
                        q.col_expr(
                            person::Column::FailedLogins,
                            Expr::col(person::Column::FailedLogins).add(1),
                        )
                    };
                    q.exec(tx).await?;
                    record_event(tx, ev, now).await?;
                    if lock_now {
                        record_event(
                            tx,
                            AuditEvent {
                                person_id: Some(p.id),
                                actor: username.clone(),
                                action: "login.locked".into(),
                                object_kind: "person".into(),
                                object_id: p.id.to_string(),
                                request_id: request_id.clone(),
                                detail: Some(format!(
                                    "locked for {} minutes",
                                    LOCKOUT.whole_minutes()
                                )),
                                ..Default::default()
                            },
                            now,
                        )
                        .await?;
                    }
                    Ok::<_, OfficeError>(())
                })
                .await?;
            return Err(if lock_now {
                locked(until)
            } else {
                bad_credentials()
            });
        }
        let actor = load_actor(
            db,
            p.id,
            vec![Scope::Read, Scope::Write, Scope::Admin],
            request_id,
        )
        .await?;
        let (secret, csrf, expires_at) = self
            .store
            .write(async |tx| {
                person::Entity::update_many()
                    .col_expr(person::Column::FailedLogins, Expr::value(0))
                    .col_expr(
                        person::Column::LockedUntil,
                        Expr::value(Option::<i64>::None),
                    )
                    .filter(person::Column::Id.eq(p.id))
                    .exec(tx)
                    .await?;
                let s = self.create_session(tx, p.id, now).await?;
                record(tx, &actor, Entry::new("login", "person", p.id), now).await?;
                Ok::<_, OfficeError>(s)
            })
            .await?;
        Ok(LoginOutcome {
            actor,
            session_secret: secret,
            csrf,
            expires_at,
        })
    }
}
