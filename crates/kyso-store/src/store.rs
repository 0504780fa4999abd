//! [`Store`]: one handle over the database, SQLite or PostgreSQL.

use std::any::Any;
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::watch;

use crate::migration::Migrator;
use crate::StoreError;

/// Which database engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (WAL), the embedded default.
    Sqlite,
    /// PostgreSQL, for scale-out.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, by its scheme.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// Something kept alive as long as a store (a temp dir, a test database).
pub(crate) type Guard = Arc<dyn Any + Send + Sync>;

/// The database of kyso. Cheap to clone: clones share one connection pool
/// and one revocation watcher.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

/// Shared state behind every clone of a [`Store`]. Fields drop in order:
/// the guard (which may delete the database) goes last.
pub(crate) struct Inner {
    pub(crate) db: DatabaseConnection,
    pub(crate) backend: Backend,
    /// The URL, kept only for [`Store::reopen`]; may hold credentials, never logged.
    url: String,
    in_memory: bool,
    /// Latest known revocation generation, published to `watch_revocations`.
    pub(crate) generation: Arc<watch::Sender<i64>>,
    /// Set once the background watcher has been spawned.
    pub(crate) watcher_started: AtomicBool,
    /// Dropped with the last store: tells the watcher to stop.
    pub(crate) shutdown_tx: watch::Sender<()>,
    guard: Option<Guard>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

/// Whether a SQLite URL names an in-memory database (as sqlx understands it).
fn sqlite_in_memory(url: &str) -> bool {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (db, params) = rest.split_once('?').unwrap_or((rest, ""));
    db == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

/// Key of the PostgreSQL advisory lock serialising migrations across replicas.
const MIGRATION_LOCK_KEY: i64 = 0x6b79_736f_6d69_6772; // "kysomigr"

impl Store {
    /// Opens (creating if needed) the database at `url` and applies pending
    /// migrations.
    ///
    /// Accepted URLs: `sqlite:///abs/path.db`, `sqlite://relative.db`,
    /// `sqlite::memory:`, `postgres://…` (or `postgresql://…`). SQLite files
    /// are created when missing and opened with WAL, `busy_timeout` and
    /// foreign keys on. Migrations run in one transaction (under an advisory
    /// lock on PostgreSQL), so concurrent starts of several replicas are safe.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with_guard(url, None).await
    }

    pub(crate) async fn open_with_guard(
        url: &str,
        guard: Option<Guard>,
    ) -> Result<Store, StoreError> {
        let backend = Backend::from_url(url)?;
        let in_memory = backend == Backend::Sqlite && sqlite_in_memory(url);
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10));
        match backend {
            Backend::Sqlite if in_memory => {
                // The database lives as long as its one connection does.
                opts.max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
                opts.map_sqlx_sqlite_opts(|o| o.foreign_keys(true));
            }
            Backend::Sqlite => {
                opts.max_connections(8);
                opts.map_sqlx_sqlite_opts(|o| {
                    o.create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(30))
                        .foreign_keys(true)
                });
            }
            Backend::Postgres => {
                opts.max_connections(16);
            }
        }
        // Two processes creating the same SQLite file at once may see
        // SQLITE_BUSY from the switch to WAL, which the busy handler does not
        // cover: try again for a while.
        let mut attempt = 0;
        let db = loop {
            match connect_and_migrate(opts.clone(), backend).await {
                Err(e) if backend == Backend::Sqlite && attempt < 50 && is_busy(&e) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20 * attempt.min(10))).await;
                }
                other => break other?,
            }
        };

        let generation = crate::watch::read_generation(&db).await?;
        let (generation, _) = watch::channel(generation);
        let (shutdown_tx, _) = watch::channel(());
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                backend,
                url: url.to_owned(),
                in_memory,
                generation: Arc::new(generation),
                watcher_started: AtomicBool::new(false),
                shutdown_tx,
                guard,
            }),
        })
    }

    /// Opens a second, independent connection pool to the same database, as
    /// another process or replica would. For an in-memory SQLite database,
    /// which exists only inside its pool, this returns a clone instead.
    pub async fn reopen(&self) -> Result<Store, StoreError> {
        if self.inner.in_memory {
            return Ok(self.clone());
        }
        Store::open_with_guard(&self.inner.url, self.inner.guard.clone()).await
    }

    /// The database engine behind this store.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The SeaORM connection, for the other service crates' own tables.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// Begins a read-write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        begin_write(&self.inner.db).await
    }

    /// Runs `f` in one read-write transaction: committed when `f` returns
    /// `Ok`, rolled back when it returns `Err` (or panics, or its future is
    /// dropped). Use cases of the office run their checks and all their
    /// writes — a number taken, a document stored, its audit entry — in one
    /// `write`, so either all of it happens or none does.
    ///
    /// On SQLite the write lock is taken at `BEGIN` (IMMEDIATE), so
    /// read-then-write never fails on lock upgrade; on PostgreSQL, rows that
    /// must not change underneath are locked with `SELECT … FOR UPDATE`.
    pub async fn write<T, E>(
        &self,
        f: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = self.begin_write().await?;
        match f(&tx).await {
            Ok(v) => {
                tx.commit().await.map_err(StoreError::from)?;
                Ok(v)
            }
            Err(e) => {
                if let Err(r) = tx.rollback().await {
                    tracing::warn!("rollback failed: {r}");
                }
                Err(e)
            }
        }
    }
}

/// Connect and run the migrations in one write transaction (under an
/// advisory lock on PostgreSQL).
async fn connect_and_migrate(
    opts: ConnectOptions,
    backend: Backend,
) -> Result<DatabaseConnection, StoreError> {
    let db = Database::connect(opts).await?;
    let txn = begin_write(&db).await?;
    if backend == Backend::Postgres {
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))
        .await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await?;
    Ok(db)
}

/// SQLITE_BUSY / SQLITE_LOCKED.
fn is_busy(e: &StoreError) -> bool {
    let t = e.to_string();
    t.contains("database is locked") || t.contains("database table is locked") || t.contains("busy")
}

/// A write transaction. On SQLite it takes the write lock at `BEGIN`
/// (IMMEDIATE), so a read-then-write transaction never fails with
/// SQLITE_BUSY on lock upgrade; it waits under `busy_timeout` instead.
async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, StoreError> {
    let opts = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    Ok(db.begin_with_options(opts).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("sqlite:///a/b.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(matches!(
            Backend::from_url("mysql://h/db"),
            Err(StoreError::UnsupportedUrl)
        ));
    }

    #[test]
    fn in_memory_detection() {
        assert!(sqlite_in_memory("sqlite::memory:"));
        assert!(sqlite_in_memory("sqlite://x.db?mode=memory"));
        assert!(!sqlite_in_memory("sqlite:///tmp/x.db"));
        assert!(!sqlite_in_memory("sqlite://x.db?mode=rwc"));
    }

    #[tokio::test]
    async fn open_in_memory_and_file() {
        let mem = Store::open("sqlite::memory:").await.unwrap();
        assert_eq!(mem.backend(), Backend::Sqlite);
        assert_eq!(mem.next_counter("x").await.unwrap(), 1);
        assert_eq!(mem.next_counter("x").await.unwrap(), 2);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub.db");
        let url = format!("sqlite://{}", path.display());
        let store = Store::open(&url).await.unwrap();
        assert!(path.exists(), "SQLite file created");
        let row = store
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA journal_mode",
            ))
            .await
            .unwrap()
            .unwrap();
        let mode: String = row.try_get_by_index(0).unwrap();
        assert_eq!(mode.to_ascii_lowercase(), "wal");
    }

    #[tokio::test]
    async fn unsupported_url_refused() {
        assert!(matches!(
            Store::open("mysql://localhost/x").await,
            Err(StoreError::UnsupportedUrl)
        ));
    }
}
