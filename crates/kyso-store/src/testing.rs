//! Test support for the whole workspace: fresh stores on every backend.
//!
//! ```no_run
//! # async fn t() {
//! for (backend, store) in kyso_store::testing::test_stores().await {
//!     assert_eq!(store.next_counter("x").await.unwrap(), 1, "{backend}");
//! }
//! # }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectOptions, ConnectionTrait, Database};

use crate::Store;

/// Environment variable with an admin URL of a PostgreSQL server for tests.
pub const PG_URL_ENV: &str = "KYSO_TEST_PG_URL";
/// Set to `1` to make a missing peer (PostgreSQL) a test failure.
pub const REQUIRE_PEERS_ENV: &str = "KYSO_REQUIRE_PEERS";

/// A fresh store per backend, labelled `"sqlite"` or `"postgres"`.
///
/// SQLite lives in a new temp dir; PostgreSQL (when `KYSO_TEST_PG_URL` is
/// set) in a new randomly named database created through that URL. Both are
/// removed when the last store using them (including [`Store::reopen`]ed
/// ones) is dropped. Without `KYSO_TEST_PG_URL`, panics if
/// `KYSO_REQUIRE_PEERS=1`, else returns SQLite only with a note on stderr.
///
/// Panics on setup failure: it is meant for tests.
pub async fn test_stores() -> Vec<(String, Store)> {
    let mut stores = vec![("sqlite".to_owned(), sqlite_store().await)];
    match std::env::var(PG_URL_ENV) {
        Ok(admin) if !admin.is_empty() => {
            stores.push(("postgres".to_owned(), postgres_store(&admin).await));
        }
        _ if std::env::var(REQUIRE_PEERS_ENV).as_deref() == Ok("1") => panic!(
            "{REQUIRE_PEERS_ENV}=1 but {PG_URL_ENV} is unset: start PostgreSQL with \
             `eval \"$(scripts/pg.sh start DIR PORT)\"`"
        ),
        _ => eprintln!("note: {PG_URL_ENV} unset, testing on SQLite only"),
    }
    stores
}

/// A fresh SQLite store in its own temp dir.
pub async fn sqlite_store() -> Store {
    let dir = tempfile::tempdir().expect("create temp dir for SQLite test store");
    let url = format!("sqlite://{}", dir.path().join("kyso.db").display());
    Store::open_with_guard(&url, Some(Arc::new(dir)))
        .await
        .expect("open SQLite test store")
}

/// A fresh PostgreSQL store in a new database created through `admin_url`.
pub async fn postgres_store(admin_url: &str) -> Store {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "kyso_t_{}_{}_{}",
        std::process::id(),
        nanos,
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let admin = admin_connect(admin_url)
        .await
        .expect("connect to KYSO_TEST_PG_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create PostgreSQL test database");
    let _ = admin.close().await;
    let guard = PgDatabase {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    Store::open_with_guard(&with_database(admin_url, &name), Some(Arc::new(guard)))
        .await
        .expect("open PostgreSQL test store")
}

async fn admin_connect(url: &str) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1).sqlx_logging(false);
    Database::connect(opts).await
}

/// `url` with its database name replaced by `name` (query kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[host_start..]
        .find('/')
        .map_or(base.len(), |i| host_start + i);
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Drops its test database when the last store using it goes.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = std::mem::take(&mut self.admin_url);
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Own thread and runtime: this may run inside (or outside) any runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = admin_connect(&admin_url).await {
                    if let Err(e) = admin.execute_unprepared(&sql).await {
                        eprintln!("note: dropping test database failed: {e}");
                    }
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Environment variable naming an S3 bucket URL for tests
/// (`s3://bucket`), with the `AWS_*` variables of its server.
pub const S3_URL_ENV: &str = "KYSO_TEST_S3_URL";

/// The blob store tests run a `backend`'s suite on: files under `dir` for
/// SQLite; for PostgreSQL the S3 bucket of `KYSO_TEST_S3_URL` (a fresh
/// prefix per call) when set — required when `KYSO_REQUIRE_PEERS=1` —
/// else files. So the office suite runs on SQLite + files and on
/// PostgreSQL + S3.
pub fn test_blob_store(backend: &str, dir: &std::path::Path) -> crate::BlobStore {
    if backend == "postgres" {
        match std::env::var(S3_URL_ENV) {
            Ok(url) if !url.is_empty() => {
                static SEQ: AtomicU64 = AtomicU64::new(0);
                let prefix = format!(
                    "t{}-{}-{}",
                    std::process::id(),
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos()),
                    SEQ.fetch_add(1, Ordering::Relaxed)
                );
                return crate::BlobStore::open(&format!("{}/{prefix}", url.trim_end_matches('/')))
                    .expect("open the S3 test bucket");
            }
            _ if std::env::var(REQUIRE_PEERS_ENV).as_deref() == Ok("1") => panic!(
                "{REQUIRE_PEERS_ENV}=1 but {S3_URL_ENV} is unset: start moto with \
                 `eval \"$(scripts/s3.sh start DIR PORT)\"`"
            ),
            _ => eprintln!("note: {S3_URL_ENV} unset, PostgreSQL tests keep blobs in files"),
        }
    }
    crate::BlobStore::local(&dir.join("blobs")).expect("local blob store")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_replaced() {
        assert_eq!(
            with_database("postgres://kyso@127.0.0.1:5432/kyso_test", "x"),
            "postgres://kyso@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
