//! The logical export: every table, in one read transaction (a consistent
//! snapshot: `REPEATABLE READ READ ONLY` on PostgreSQL, one WAL read
//! transaction on SQLite), written as JSON Lines — a header naming the
//! table and its columns with their neutral [`Kind`], then one JSON array
//! per row (integers as numbers, binary columns as base64). The same
//! file imports into SQLite or PostgreSQL ([`super::load`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use sea_orm::{
    AccessMode, ConnectionTrait, IsolationLevel, QueryResult, Statement, TransactionOptions,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::schema::{self, quote, Column, Kind, Table};
use super::ArchiveError;
use crate::{BlobRef, Store};

/// Format tag of the first line of a table file.
pub const TABLE_FORMAT: &str = "kyso-table/1";

/// Rows read per query.
const PAGE: u64 = 2000;

/// The first line of a table file.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TableHeader {
    pub format: String,
    pub table: String,
    pub columns: Vec<Column>,
}

/// One exported table, as a local file.
#[derive(Clone, Debug)]
pub struct TableFile {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
    pub size: u64,
    pub path: PathBuf,
}

/// A consistent export of the database.
#[derive(Debug)]
pub struct Snapshot {
    /// Migrations applied to the source, in order.
    pub migrations: Vec<String>,
    /// Tables in import order (parents first).
    pub tables: Vec<TableFile>,
    /// Every blob the snapshot's `blob` rows name.
    pub blobs: Vec<BlobRef>,
}

/// A writer that hashes and counts what passes through.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Exports every table of `store` into files under `dir`.
pub async fn snapshot(store: &Store, dir: &Path) -> Result<Snapshot, ArchiveError> {
    let opts = match store.backend() {
        crate::Backend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            sqlite_transaction_mode: None,
        },
        crate::Backend::Sqlite => TransactionOptions::default(),
    };
    let tx = store.connection().begin_with_options(opts).await?;
    let migrations = schema::applied_migrations(&tx).await?;
    let tables = schema::read_schema(&tx).await?;
    let mut files = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let path = dir.join(format!("{:03}-{}.jsonl", i + 1, t.name));
        files.push(export_table(&tx, t, &path).await?);
    }
    let blobs = blob_list(&tx).await?;
    tx.commit().await?;
    Ok(Snapshot {
        migrations,
        tables: files,
        blobs,
    })
}

/// `SELECT` list of a table: integers cast to BIGINT so that one decoder
/// reads every width on both engines.
fn select_list(t: &Table) -> String {
    t.columns
        .iter()
        .map(|c| match c.kind {
            Kind::I16 | Kind::I32 | Kind::I64 => format!("CAST({} AS BIGINT)", quote(&c.name)),
            _ => quote(&c.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn cell(r: &QueryResult, i: usize, c: &Column) -> Result<serde_json::Value, ArchiveError> {
    use serde_json::Value as J;
    Ok(match c.kind {
        Kind::I16 | Kind::I32 | Kind::I64 => r
            .try_get_by_index::<Option<i64>>(i)?
            .map_or(J::Null, J::from),
        Kind::Bool => r
            .try_get_by_index::<Option<bool>>(i)?
            .map_or(J::Null, J::from),
        Kind::Text => r
            .try_get_by_index::<Option<String>>(i)?
            .map_or(J::Null, J::from),
        Kind::Float => r
            .try_get_by_index::<Option<f64>>(i)?
            .map_or(J::Null, J::from),
        Kind::Bytes => r
            .try_get_by_index::<Option<Vec<u8>>>(i)?
            .map_or(J::Null, |b| {
                J::from(base64::engine::general_purpose::STANDARD.encode(b))
            }),
    })
}

async fn export_table(
    tx: &impl ConnectionTrait,
    t: &Table,
    path: &Path,
) -> Result<TableFile, ArchiveError> {
    let f = std::fs::File::create(path)?;
    let mut w = Hashing {
        inner: std::io::BufWriter::new(f),
        hash: Sha256::new(),
        size: 0,
    };
    let header = TableHeader {
        format: TABLE_FORMAT.into(),
        table: t.name.clone(),
        columns: t.columns.clone(),
    };
    serde_json::to_writer(&mut w, &header)?;
    w.write_all(b"\n")?;
    let order = (1..=t.columns.len())
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let backend = tx.get_database_backend();
    let mut rows = 0u64;
    loop {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {order} LIMIT {PAGE} OFFSET {rows}",
            select_list(t),
            quote(&t.name)
        );
        let page = tx
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        for r in &page {
            let cells = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| cell(r, i, c))
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::to_writer(&mut w, &cells)?;
            w.write_all(b"\n")?;
        }
        rows += page.len() as u64;
        if (page.len() as u64) < PAGE {
            break;
        }
    }
    w.flush()?;
    w.inner.get_ref().sync_all()?;
    Ok(TableFile {
        table: t.name.clone(),
        rows,
        sha256: hex::encode(w.hash.finalize()),
        size: w.size,
        path: path.to_path_buf(),
    })
}

async fn blob_list(tx: &impl ConnectionTrait) -> Result<Vec<BlobRef>, ArchiveError> {
    let rows = tx
        .query_all_raw(Statement::from_string(
            tx.get_database_backend(),
            "SELECT sha256, CAST(size AS BIGINT) FROM blob ORDER BY sha256".to_string(),
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(BlobRef {
                sha256: r.try_get_by_index(0)?,
                size: r.try_get_by_index::<i64>(1)?.max(0) as u64,
            })
        })
        .collect()
}
