//! The import of a logical export ([`super::dump`]) into an empty
//! database of either engine, in one write transaction: tables parents
//! first, rows of a self-referencing table parents first, every value
//! bound with the target column's own type; then PostgreSQL's sequences
//! are moved past the imported keys.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Read};
use std::path::PathBuf;

use base64::Engine;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, Value};
use serde_json::Value as J;

use super::dump::{TableHeader, TABLE_FORMAT};
use super::schema::{self, quote, Kind, Table};
use super::ArchiveError;
use crate::Store;

/// Longest line (one row) accepted in a table file.
const MAX_LINE: usize = 256 << 20;

async fn row_count(db: &impl ConnectionTrait, table: &str) -> Result<i64, ArchiveError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {}", quote(table)),
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Refuses a database that holds more than a fresh one: a restore never
/// mixes two histories. (The migrations seed a few rows — the audit
/// chain's genesis head, the roles, document types and categories — so
/// "empty" is "as many rows in every table as a freshly migrated
/// database"; any use of the system adds at least audit entries.)
pub async fn ensure_empty(store: &Store) -> Result<(), ArchiveError> {
    let fresh = Store::open("sqlite::memory:").await?;
    let db = store.connection();
    for t in schema::read_schema(db).await? {
        let seeded = row_count(fresh.connection(), &t.name).await.unwrap_or(0);
        let have = row_count(db, &t.name).await?;
        if have != seeded {
            return Err(ArchiveError::NotEmpty(format!(
                "the database has {have} rows in table {} (a fresh one has {seeded})",
                t.name
            )));
        }
    }
    Ok(())
}

/// Imports the table files `files` (table name → file) into `store`, in
/// one transaction, replacing the rows the migrations seeded. Returns
/// the rows imported per table.
pub async fn load(
    store: &Store,
    files: &BTreeMap<String, PathBuf>,
) -> Result<BTreeMap<String, u64>, ArchiveError> {
    store
        .write(async |tx| {
            let tables = schema::read_schema(tx).await?;
            if let Some(unknown) = files.keys().find(|n| !tables.iter().any(|t| &t.name == *n)) {
                return Err(ArchiveError::Format(format!(
                    "the backup has a table {unknown} this version's database does not"
                )));
            }
            // The rows the migrations seeded give way to the backup's.
            for t in tables.iter().rev().filter(|t| files.contains_key(&t.name)) {
                tx.execute_raw(Statement::from_string(
                    tx.get_database_backend(),
                    format!("DELETE FROM {}", quote(&t.name)),
                ))
                .await?;
            }
            let mut counts = BTreeMap::new();
            for t in &tables {
                if let Some(path) = files.get(&t.name) {
                    counts.insert(t.name.clone(), load_table(tx, t, path).await?);
                }
            }
            if tx.get_database_backend() == DbBackend::Postgres {
                reset_sequences(tx).await?;
            }
            Ok(counts)
        })
        .await
}

fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<bool, ArchiveError> {
    buf.clear();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)?;
    if n > MAX_LINE {
        return Err(ArchiveError::Format("a row longer than 256 MiB".into()));
    }
    Ok(n > 0)
}

async fn load_table(
    tx: &DatabaseTransaction,
    t: &Table,
    path: &PathBuf,
) -> Result<u64, ArchiveError> {
    let mut r = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut line = Vec::new();
    if !read_line(&mut r, &mut line)? {
        return Err(ArchiveError::Format(format!(
            "{}: empty table file",
            t.name
        )));
    }
    let header: TableHeader = serde_json::from_slice(&line)?;
    if header.format != TABLE_FORMAT || header.table != t.name {
        return Err(ArchiveError::Format(format!(
            "{}: the file is {} of table {}",
            t.name, header.format, header.table
        )));
    }
    let mut kinds = Vec::new();
    for c in &header.columns {
        let target = t.column(&c.name).ok_or_else(|| {
            ArchiveError::Format(format!(
                "column {}.{} is not in this version's database",
                t.name, c.name
            ))
        })?;
        if !c.kind.fits(target.kind) {
            return Err(ArchiveError::Format(format!(
                "column {}.{}: {:?} does not fit {:?}",
                t.name, c.name, c.kind, target.kind
            )));
        }
        kinds.push(target.kind);
    }
    let names: Vec<&str> = header.columns.iter().map(|c| c.name.as_str()).collect();
    let per_batch = (30_000 / names.len().max(1)).clamp(1, 500);
    let self_refs: Vec<(usize, usize)> = t
        .self_references()
        .filter_map(|f| {
            let from = names.iter().position(|n| *n == f.column)?;
            let to = names.iter().position(|n| *n == f.to)?;
            Some((from, to))
        })
        .collect();
    let mut pending: Vec<Vec<J>> = Vec::new();
    let mut count = 0u64;
    while read_line(&mut r, &mut line)? {
        let row: Vec<J> = serde_json::from_slice(&line)?;
        if row.len() != names.len() {
            return Err(ArchiveError::Format(format!(
                "{}: a row of {} cells for {} columns",
                t.name,
                row.len(),
                names.len()
            )));
        }
        pending.push(row);
        count += 1;
        if self_refs.is_empty() && pending.len() >= per_batch {
            insert(tx, t, &names, &kinds, &pending).await?;
            pending.clear();
        }
    }
    if !self_refs.is_empty() {
        pending = parents_first(pending, &self_refs);
    }
    for chunk in pending.chunks(per_batch) {
        insert(tx, t, &names, &kinds, chunk).await?;
    }
    Ok(count)
}

/// Orders rows so that a row comes after the row its self reference
/// names (rows in a cycle, which the database refuses anyway, last).
fn parents_first(mut rows: Vec<Vec<J>>, refs: &[(usize, usize)]) -> Vec<Vec<J>> {
    let mut placed: HashSet<(usize, String)> = HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    loop {
        let before = rows.len();
        let (ready, rest): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| {
            refs.iter().all(|&(from, to)| {
                r[from].is_null() || r[from] == r[to] || placed.contains(&(to, r[from].to_string()))
            })
        });
        for r in &ready {
            for &(_, to) in refs {
                placed.insert((to, r[to].to_string()));
            }
        }
        out.extend(ready);
        rows = rest;
        if rows.is_empty() || rows.len() == before {
            out.extend(rows);
            return out;
        }
    }
}

fn bind(j: &J, kind: Kind, col: &str) -> Result<Value, ArchiveError> {
    let bad = || ArchiveError::Format(format!("column {col}: value {j} is not {kind:?}"));
    let int = || match j {
        J::Number(n) => n.as_i64().ok_or_else(bad),
        J::Bool(b) => Ok(*b as i64),
        _ => Err(bad()),
    };
    let null = j.is_null();
    Ok(match kind {
        Kind::I16 if null => Value::SmallInt(None),
        Kind::I16 => Value::SmallInt(Some(i16::try_from(int()?).map_err(|_| bad())?)),
        Kind::I32 if null => Value::Int(None),
        Kind::I32 => Value::Int(Some(i32::try_from(int()?).map_err(|_| bad())?)),
        Kind::I64 if null => Value::BigInt(None),
        Kind::I64 => Value::BigInt(Some(int()?)),
        Kind::Bool if null => Value::Bool(None),
        Kind::Bool => Value::Bool(Some(match j {
            J::Bool(b) => *b,
            _ => int()? != 0,
        })),
        Kind::Text if null => Value::String(None),
        Kind::Text => Value::String(Some(j.as_str().ok_or_else(bad)?.to_string())),
        Kind::Float if null => Value::Double(None),
        Kind::Float => Value::Double(Some(j.as_f64().ok_or_else(bad)?)),
        Kind::Bytes if null => Value::Bytes(None),
        Kind::Bytes => Value::Bytes(Some(
            base64::engine::general_purpose::STANDARD
                .decode(j.as_str().ok_or_else(bad)?)
                .map_err(|_| bad())?,
        )),
    })
}

async fn insert(
    tx: &DatabaseTransaction,
    t: &Table,
    names: &[&str],
    kinds: &[Kind],
    rows: &[Vec<J>],
) -> Result<(), ArchiveError> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = tx.get_database_backend();
    let mut values = Vec::with_capacity(rows.len() * names.len());
    let mut tuples = Vec::with_capacity(rows.len());
    for row in rows {
        let mut ph = Vec::with_capacity(names.len());
        for (i, cell) in row.iter().enumerate() {
            values.push(bind(cell, kinds[i], names[i])?);
            ph.push(match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_string(),
            });
        }
        tuples.push(format!("({})", ph.join(", ")));
    }
    let cols = names
        .iter()
        .map(|n| quote(n))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO {} ({cols}) VALUES {}",
        quote(&t.name),
        tuples.join(", ")
    );
    tx.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Moves every serial or identity sequence past the largest imported key.
async fn reset_sequences(tx: &DatabaseTransaction) -> Result<(), ArchiveError> {
    let backend = tx.get_database_backend();
    let rows = tx
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() \
               AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
                .to_string(),
        ))
        .await?;
    for r in rows {
        let table: String = r.try_get_by_index(0)?;
        let column: String = r.try_get_by_index(1)?;
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), m) FROM \
             (SELECT MAX({}) AS m FROM {}) s WHERE m IS NOT NULL",
            quote(&column),
            quote(&table)
        );
        tx.query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(quote(&table)), Value::from(column.clone())],
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_references_parents_first() {
        // (id, parent)
        let rows = vec![
            vec![J::from(3), J::from(2)],
            vec![J::from(2), J::from(1)],
            vec![J::from(1), J::Null],
        ];
        let out = parents_first(rows, &[(1, 0)]);
        let ids: Vec<i64> = out.iter().map(|r| r[0].as_i64().unwrap()).collect();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[test]
    fn values_bind_with_the_target_type() {
        assert_eq!(
            bind(&J::from(7), Kind::I16, "c").unwrap(),
            Value::SmallInt(Some(7))
        );
        assert!(bind(&J::from(70000), Kind::I16, "c").is_err());
        assert_eq!(
            bind(&J::from(1), Kind::Bool, "c").unwrap(),
            Value::Bool(Some(true))
        );
        assert_eq!(
            bind(&J::Null, Kind::Bytes, "c").unwrap(),
            Value::Bytes(None)
        );
        assert_eq!(
            bind(&J::from("AAE="), Kind::Bytes, "c").unwrap(),
            Value::Bytes(Some(vec![0, 1]))
        );
        assert!(bind(&J::from("x"), Kind::I64, "c").is_err());
        assert!(bind(&J::from(1), Kind::Text, "c").is_err());
    }
}
