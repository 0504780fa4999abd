//! Named counters for numbers that must never repeat (CRL numbers, TSA
//! serials, the revocation generation).
//!
//! One statement, `INSERT … ON CONFLICT (name) DO UPDATE SET value = value + 1
//! RETURNING value`, is atomic on both backends: PostgreSQL locks the row,
//! SQLite serialises writers. The first value of a counter is 1.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::ConnectionTrait;

use crate::entity::counter;
use crate::{Store, StoreError};

/// Counter name prefix for CRL numbers: `crl_number:<issuer_id>`.
const CRL_NUMBER_PREFIX: &str = "crl_number:";

/// Increments counter `name` (creating it at 1) and returns the new value,
/// on `conn` (a transaction: the row stays locked until it commits).
pub async fn bump<C: ConnectionTrait>(conn: &C, name: &str) -> Result<i64, StoreError> {
    let mut q = Query::insert();
    q.into_table(counter::Entity)
        .columns([counter::Column::Name, counter::Column::Value]);
    q.values([name.into(), 1i64.into()])
        .map_err(|e| StoreError::Database(e.to_string()))?;
    q.on_conflict(
        OnConflict::column(counter::Column::Name)
            .value(
                counter::Column::Value,
                Expr::col((counter::Entity, counter::Column::Value)).add(1i64),
            )
            .to_owned(),
    )
    .returning_col(counter::Column::Value);
    let row = conn
        .query_one(&q)
        .await?
        .ok_or_else(|| StoreError::Database("counter upsert returned no row".into()))?;
    Ok(row.try_get::<i64>("", "value")?)
}

impl Store {
    /// Atomically increments the counter `name` and returns its new value
    /// (1 the first time). Values never repeat, whatever the number of
    /// concurrent callers, processes or replicas.
    ///
    /// Names starting with `crl_number:` and `revocation_generation` are used
    /// by the store itself.
    pub async fn next_counter(&self, name: &str) -> Result<i64, StoreError> {
        bump(&self.inner.db, name).await
    }

    /// The next CRL number for `issuer_id`: starts at 1, never repeats.
    pub async fn next_crl_number(&self, issuer_id: &str) -> Result<i64, StoreError> {
        self.next_counter(&format!("{CRL_NUMBER_PREFIX}{issuer_id}"))
            .await
    }
}
