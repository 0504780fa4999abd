//! The tables the migrations created, read from the database itself
//! (`sqlite_master` and `PRAGMA`s on SQLite, the catalogs on PostgreSQL):
//! their columns with an engine-neutral type, and the foreign keys that
//! order them — parents before children — for an import.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::ArchiveError;

/// The engine-neutral type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An integer of up to 16 bits on the target (PostgreSQL `smallint`).
    I16,
    /// An integer of up to 32 bits on the target.
    I32,
    /// A 64-bit integer.
    I64,
    Bool,
    Text,
    Bytes,
    Float,
}

impl Kind {
    /// The kind of a declared SQL type (`PRAGMA table_info` or
    /// `information_schema.columns.data_type`).
    pub fn of_declared(column: &str, declared: &str) -> Result<Kind, ArchiveError> {
        let t = declared.to_ascii_lowercase();
        let k = if t == "smallint" || t == "int2" || t == "tinyint" {
            Kind::I16
        } else if t == "integer" || t == "int" || t == "int4" || t == "mediumint" {
            Kind::I32
        } else if t.contains("int") {
            Kind::I64
        } else if t.contains("bool") {
            Kind::Bool
        } else if t.contains("char") || t.contains("text") || t.contains("clob") {
            Kind::Text
        } else if t.contains("blob") || t == "bytea" || t.contains("binary") {
            Kind::Bytes
        } else if t.contains("real") || t.contains("double") || t.contains("float") {
            Kind::Float
        } else {
            return Err(ArchiveError::UnsupportedType(
                column.into(),
                declared.into(),
            ));
        };
        Ok(k)
    }

    /// Whether a value exported as `self` can be imported as `to`.
    pub fn fits(self, to: Kind) -> bool {
        let int = |k| matches!(k, Kind::I16 | Kind::I32 | Kind::I64);
        self == to
            || (int(self) && int(to))
            || (int(self) && to == Kind::Bool)
            || (self == Kind::Bool && int(to))
    }
}

/// One column.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// A foreign key of one column: `column` references `table.to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKey {
    pub column: String,
    pub table: String,
    pub to: String,
}

/// One table.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    /// Foreign keys to rows of this same table (a parent agency, the blob
    /// a blob was derived from): rows must be imported parents first.
    pub fn self_references(&self) -> impl Iterator<Item = &ForeignKey> {
        self.foreign_keys.iter().filter(|f| f.table == self.name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The migrations' own bookkeeping table: never exported (the target's
/// migrations write it), its names are compared instead.
pub const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// `"name"`, quoted for both engines.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn strings(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    sql: &str,
    n: usize,
) -> Result<Vec<Vec<Option<String>>>, ArchiveError> {
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql.to_string()))
        .await?;
    rows.iter()
        .map(|r| {
            (0..n)
                .map(|i| {
                    r.try_get_by_index::<Option<String>>(i)
                        .map_err(ArchiveError::from)
                })
                .collect()
        })
        .collect()
}

/// Every table of the database but [`MIGRATIONS_TABLE`], parents before
/// children (then by name).
pub async fn read_schema(db: &impl ConnectionTrait) -> Result<Vec<Table>, ArchiveError> {
    let backend = db.get_database_backend();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    match backend {
        DbBackend::Sqlite => {
            let names = strings(
                db,
                backend,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                1,
            )
            .await?;
            for n in names.into_iter().filter_map(|mut r| r.remove(0)) {
                if n == MIGRATIONS_TABLE {
                    continue;
                }
                let q = quote(&n);
                let cols = db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("PRAGMA table_info({q})"),
                    ))
                    .await?;
                let mut columns = Vec::new();
                for c in &cols {
                    let name: String = c.try_get_by_index(1)?;
                    let declared: String = c.try_get_by_index(2)?;
                    // Every SQLite integer is 64 bits, whatever its declared type.
                    let kind = match Kind::of_declared(&format!("{n}.{name}"), &declared)? {
                        Kind::I16 | Kind::I32 => Kind::I64,
                        k => k,
                    };
                    columns.push(Column { name, kind });
                }
                let fks = db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("PRAGMA foreign_key_list({q})"),
                    ))
                    .await?;
                let mut foreign_keys = Vec::new();
                for f in &fks {
                    let table: String = f.try_get_by_index(2)?;
                    let column: String = f.try_get_by_index(3)?;
                    let to: Option<String> = f.try_get_by_index(4)?;
                    foreign_keys.push(ForeignKey {
                        column,
                        table,
                        to: to.unwrap_or_else(|| "rowid".into()),
                    });
                }
                tables.insert(
                    n.clone(),
                    Table {
                        name: n,
                        columns,
                        foreign_keys,
                    },
                );
            }
        }
        DbBackend::Postgres => {
            let cols = strings(
                db,
                backend,
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                 ORDER BY c.table_name, c.ordinal_position",
                3,
            )
            .await?;
            for r in cols {
                let (Some(t), Some(name), Some(declared)) = (&r[0], &r[1], &r[2]) else {
                    continue;
                };
                if t == MIGRATIONS_TABLE {
                    continue;
                }
                let kind = Kind::of_declared(&format!("{t}.{name}"), declared)?;
                tables
                    .entry(t.clone())
                    .or_insert_with(|| Table {
                        name: t.clone(),
                        columns: Vec::new(),
                        foreign_keys: Vec::new(),
                    })
                    .columns
                    .push(Column {
                        name: name.clone(),
                        kind,
                    });
            }
            let fks = strings(
                db,
                backend,
                "SELECT cl.relname::text, a.attname::text, rcl.relname::text, ra.attname::text \
                 FROM pg_constraint c \
                 JOIN pg_class cl ON cl.oid = c.conrelid \
                 JOIN pg_class rcl ON rcl.oid = c.confrelid \
                 JOIN pg_namespace n ON n.oid = cl.relnamespace \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(attnum, refnum) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
                 JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refnum \
                 WHERE c.contype = 'f' AND n.nspname = current_schema()",
                4,
            )
            .await?;
            for r in fks {
                let (Some(t), Some(column), Some(table), Some(to)) = (&r[0], &r[1], &r[2], &r[3])
                else {
                    continue;
                };
                if let Some(tb) = tables.get_mut(t) {
                    tb.foreign_keys.push(ForeignKey {
                        column: column.clone(),
                        table: table.clone(),
                        to: to.clone(),
                    });
                }
            }
        }
        other => {
            return Err(ArchiveError::Format(format!(
                "unsupported database engine {other:?}"
            )))
        }
    }
    order(tables)
}

/// Kahn's algorithm over the foreign keys (self references aside): the
/// tables with no unplaced parent first, by name.
fn order(mut tables: BTreeMap<String, Table>) -> Result<Vec<Table>, ArchiveError> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .values()
            .filter(|t| {
                t.foreign_keys.iter().all(|f| {
                    f.table == t.name || placed.contains(&f.table) || !tables.contains_key(&f.table)
                })
            })
            .map(|t| t.name.clone())
            .collect();
        if ready.is_empty() {
            let names: Vec<_> = tables.keys().cloned().collect();
            return Err(ArchiveError::Format(format!(
                "the foreign keys of {} form a cycle",
                names.join(", ")
            )));
        }
        for n in ready {
            if let Some(t) = tables.remove(&n) {
                placed.insert(n);
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// Names of the migrations applied to the database, in order.
pub async fn applied_migrations(db: &impl ConnectionTrait) -> Result<Vec<String>, ArchiveError> {
    let backend = db.get_database_backend();
    let rows = strings(
        db,
        backend,
        &format!(
            "SELECT version FROM {} ORDER BY version",
            quote(MIGRATIONS_TABLE)
        ),
        1,
    )
    .await?;
    Ok(rows.into_iter().filter_map(|mut r| r.remove(0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        assert_eq!(Kind::of_declared("t.c", "bigint").unwrap(), Kind::I64);
        assert_eq!(Kind::of_declared("t.c", "INTEGER").unwrap(), Kind::I32);
        assert_eq!(Kind::of_declared("t.c", "smallint").unwrap(), Kind::I16);
        assert_eq!(Kind::of_declared("t.c", "boolean").unwrap(), Kind::Bool);
        assert_eq!(Kind::of_declared("t.c", "text").unwrap(), Kind::Text);
        assert_eq!(
            Kind::of_declared("t.c", "character varying").unwrap(),
            Kind::Text
        );
        assert_eq!(Kind::of_declared("t.c", "blob").unwrap(), Kind::Bytes);
        assert_eq!(Kind::of_declared("t.c", "bytea").unwrap(), Kind::Bytes);
        assert!(matches!(
            Kind::of_declared("t.c", "tsvector"),
            Err(ArchiveError::UnsupportedType(..))
        ));
        assert!(Kind::I64.fits(Kind::I16));
        assert!(Kind::Bool.fits(Kind::I32));
        assert!(!Kind::Text.fits(Kind::Bytes));
    }

    #[tokio::test]
    async fn every_table_parents_first() {
        let store = crate::Store::open("sqlite::memory:").await.unwrap();
        let tables = read_schema(store.connection()).await.unwrap();
        let pos = |n: &str| tables.iter().position(|t| t.name == n).unwrap();
        assert!(pos("blob") < pos("document_file"));
        assert!(pos("agency") < pos("document"));
        assert!(!tables.iter().any(|t| t.name == MIGRATIONS_TABLE));
        for t in &tables {
            for f in &t.foreign_keys {
                if f.table != t.name {
                    assert!(
                        pos(&f.table) < pos(&t.name),
                        "{} before {}",
                        f.table,
                        t.name
                    );
                }
            }
        }
        assert!(!applied_migrations(store.connection())
            .await
            .unwrap()
            .is_empty());
    }
}
