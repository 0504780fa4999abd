//! Cross-replica invalidation of revocation caches (OCSP).
//!
//! Every revocation bumps the `revocation_generation` counter in its
//! transaction. [`Store::watch_revocations`] hands out a receiver of that
//! number which changes when this process revokes (at once, from
//! [`Store::revoke`]) and when another process does: on PostgreSQL through
//! `LISTEN kyso_revocation` (plus a slow re-read as a safety net), on SQLite by
//! re-reading the counter every 200 ms. The background task starts on the first
//! call and stops when the last clone of the [`Store`] is dropped.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::entity::counter;
use crate::{Backend, Store, StoreError};

/// PostgreSQL NOTIFY channel carrying the serial of each revocation.
pub const REVOCATION_CHANNEL: &str = "kyso_revocation";
/// Name of the counter bumped by every revocation.
pub(crate) const REVOCATION_GENERATION: &str = "revocation_generation";
/// How often SQLite stores re-read the generation.
const SQLITE_POLL: Duration = Duration::from_millis(200);
/// How often PostgreSQL stores re-read it besides LISTEN (missed notifications).
const PG_FALLBACK_POLL: Duration = Duration::from_secs(10);
/// Pause before reconnecting a failed PostgreSQL listener.
const PG_RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Reads the current generation (0 before the first revocation).
pub(crate) async fn read_generation<C: ConnectionTrait>(conn: &C) -> Result<i64, StoreError> {
    Ok(counter::Entity::find_by_id(REVOCATION_GENERATION)
        .one(conn)
        .await?
        .map_or(0, |m| m.value))
}

/// Publishes `value` if it is newer than what receivers have seen.
pub(crate) fn publish(tx: &watch::Sender<i64>, value: i64) {
    tx.send_if_modified(|current| {
        if value > *current {
            *current = value;
            true
        } else {
            false
        }
    });
}

impl Store {
    /// The number of revocations ever made in this database (0 at first).
    pub async fn revocation_generation(&self) -> Result<i64, StoreError> {
        read_generation(&self.inner.db).await
    }

    /// A receiver of the revocation generation, which changes whenever any
    /// process using this database revokes a certificate. Caches keyed on
    /// revocation status should be dropped when it changes.
    ///
    /// The first call spawns the background watcher on the current tokio
    /// runtime (without a runtime only this process's revocations are seen).
    pub fn watch_revocations(&self) -> watch::Receiver<i64> {
        let rx = self.inner.generation.subscribe();
        if !self.inner.watcher_started.swap(true, Ordering::SeqCst) {
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn(run(
                        self.inner.db.clone(),
                        self.inner.backend,
                        Arc::clone(&self.inner.generation),
                        self.inner.shutdown_tx.subscribe(),
                    ));
                }
                Err(_) => {
                    self.inner.watcher_started.store(false, Ordering::SeqCst);
                    tracing::warn!("watch_revocations called outside a tokio runtime");
                }
            }
        }
        rx
    }
}

async fn refresh(db: &DatabaseConnection, tx: &watch::Sender<i64>) {
    match read_generation(db).await {
        Ok(v) => publish(tx, v),
        Err(e) => tracing::debug!(error = %e, "reading revocation generation failed"),
    }
}

/// Sleeps `d`; true when the store was dropped meanwhile.
async fn sleep_or_shutdown(shutdown: &mut watch::Receiver<()>, d: Duration) -> bool {
    tokio::select! {
        _ = shutdown.changed() => true,
        _ = tokio::time::sleep(d) => false,
    }
}

/// The watcher task. `shutdown.changed()` only resolves (with an error) when
/// the last store drops its sender.
async fn run(
    db: DatabaseConnection,
    backend: Backend,
    tx: Arc<watch::Sender<i64>>,
    mut shutdown: watch::Receiver<()>,
) {
    refresh(&db, &tx).await;
    match backend {
        Backend::Sqlite => poll(&db, &tx, &mut shutdown, SQLITE_POLL).await,
        Backend::Postgres => listen(&db, &tx, &mut shutdown).await,
    }
    tracing::debug!("revocation watcher stopped");
}

async fn poll(
    db: &DatabaseConnection,
    tx: &watch::Sender<i64>,
    shutdown: &mut watch::Receiver<()>,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => refresh(db, tx).await,
        }
    }
}

async fn connect_listener(db: &DatabaseConnection) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    listener.listen(REVOCATION_CHANNEL).await?;
    Ok(listener)
}

async fn listen(
    db: &DatabaseConnection,
    tx: &watch::Sender<i64>,
    shutdown: &mut watch::Receiver<()>,
) {
    let mut fallback = tokio::time::interval(PG_FALLBACK_POLL);
    fallback.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let mut listener = match connect_listener(db).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN {REVOCATION_CHANNEL} failed; retrying");
                if sleep_or_shutdown(shutdown, PG_RECONNECT_DELAY).await {
                    return;
                }
                continue;
            }
        };
        // Catch what happened while not listening.
        refresh(db, tx).await;
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                r = listener.try_recv() => match r {
                    Ok(Some(_)) => refresh(db, tx).await,
                    // Connection lost: the next try_recv reconnects and re-LISTENs;
                    // notifications sent meanwhile are lost, so re-read.
                    Ok(None) => refresh(db, tx).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "revocation listener failed; reconnecting");
                        break;
                    }
                },
                // A cancelled try_recv may drop a notification; this re-read covers it.
                _ = fallback.tick() => refresh(db, tx).await,
            }
        }
        if sleep_or_shutdown(shutdown, PG_RECONNECT_DELAY).await {
            return;
        }
    }
}
