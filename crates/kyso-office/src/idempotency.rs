//! Idempotency keys (`Idempotency-Key` on the API): a client that retries
//! a creating request after a lost answer gets the first result, not a
//! second document. The key is claimed in the use case's own transaction
//! (its primary key is `(person, key)`), so two concurrent requests with
//! one key create one thing; the same key with a different request is
//! refused.

use kyso_store::office::idempotency;
use kyso_store::sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, EntityTrait};
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::error::{OfficeError, Result};
use crate::Office;

/// Longest key accepted.
const MAX_KEY: usize = 200;

/// SHA-256 over length-prefixed parts: what the request was.
pub fn request_hash(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(OfficeError::invalid(
            "bad-idempotency-key",
            "Idempotency-Key phải có 1–200 ký tự ASCII in được",
            "the Idempotency-Key needs 1–200 printable ASCII characters",
        ));
    }
    Ok(())
}

fn mismatch() -> OfficeError {
    OfficeError::conflict(
        "idempotency-key-reused",
        "Idempotency-Key này đã được dùng cho một yêu cầu khác",
        "this Idempotency-Key was used for a different request",
    )
}

impl Office {
    /// The id an earlier request with `key` created, if any (outside a
    /// transaction: a fast path before any upload is stored).
    pub(crate) async fn idempotent_result(
        &self,
        actor: &Actor,
        key: &str,
        request: &str,
    ) -> Result<Option<i64>> {
        check_key(key)?;
        lookup(self.store.connection(), actor, key, request).await
    }

    /// Claims `key` in `tx`, or returns the id stored under it.
    pub(crate) async fn claim_idempotency(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        key: &str,
        request: &str,
    ) -> Result<Option<i64>> {
        check_key(key)?;
        if let Some(id) = lookup(tx, actor, key, request).await? {
            return Ok(Some(id));
        }
        idempotency::Entity::insert(idempotency::ActiveModel {
            person_id: Set(actor.person_id),
            key: Set(key.to_string()),
            request_sha256: Set(request.to_string()),
            response: Set(String::new()),
            created_at: Set(self.now().unix_timestamp()),
        })
        .exec_without_returning(tx)
        .await?;
        Ok(None)
    }

    /// Records the id created under `key` (same transaction as the claim).
    pub(crate) async fn finish_idempotency(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        key: &str,
        id: i64,
    ) -> Result<()> {
        use kyso_store::sea_orm::{ColumnTrait, QueryFilter};
        idempotency::Entity::update_many()
            .col_expr(
                idempotency::Column::Response,
                kyso_store::sea_orm::sea_query::Expr::value(id.to_string()),
            )
            .filter(idempotency::Column::PersonId.eq(actor.person_id))
            .filter(idempotency::Column::Key.eq(key))
            .exec(tx)
            .await?;
        Ok(())
    }
}

async fn lookup(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: &str,
    request: &str,
) -> Result<Option<i64>> {
    let Some(row) = idempotency::Entity::find_by_id((actor.person_id, key.to_string()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.request_sha256 != request {
        return Err(mismatch());
    }
    Ok(row.response.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_unambiguous() {
        assert_ne!(request_hash(&[b"ab", b"c"]), request_hash(&[b"a", b"bc"]));
        assert!(check_key("abc-123").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
    }
}
