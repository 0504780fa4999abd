//! Recoveries of locked key devices (R-REQUEST-KINDS, R-DIC-RECORDS): who
//! set a new user PIN on which token, when, and with what result. The
//! certificate-service desk shows a completed recovery as a finished
//! "recover a locked token" request (Decree 68/2024: within one working day).

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::OffsetDateTime;

use crate::entity::token_recovery;
use crate::timestamp::{from_db, to_db};
use crate::{Store, StoreError};

/// Counter naming the recovery records.
const RECOVERY_COUNTER: &str = "token_recovery";

/// The outcome of a recovery attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryResult {
    /// A new user PIN was set.
    Completed,
    /// The attempt failed (wrong SO PIN, SO PIN locked, token error).
    Failed,
}

impl RecoveryResult {
    /// As stored: `completed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryResult::Completed => "completed",
            RecoveryResult::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "completed" => Ok(RecoveryResult::Completed),
            "failed" => Ok(RecoveryResult::Failed),
            other => Err(StoreError::Corrupt(format!("recovery result {other:?}"))),
        }
    }
}

/// A recorded recovery of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecoveryRecord {
    /// Number of the record (from 1; set by the store).
    pub id: i64,
    /// The token's serial number (CK_TOKEN_INFO.serialNumber).
    pub token_serial: String,
    /// The token's label.
    pub token_label: String,
    /// The security officer who did it (name as given).
    pub officer: String,
    /// When (UTC, stored to the second).
    pub recovered_at: OffsetDateTime,
    pub result: RecoveryResult,
    /// Why it failed, or a note. Never a PIN.
    pub detail: Option<String>,
}

/// What the caller records.
#[derive(Clone, Debug)]
pub struct NewTokenRecovery {
    pub token_serial: String,
    pub token_label: String,
    pub officer: String,
    pub recovered_at: OffsetDateTime,
    pub result: RecoveryResult,
    pub detail: Option<String>,
}

impl TryFrom<token_recovery::Model> for TokenRecoveryRecord {
    type Error = StoreError;

    fn try_from(m: token_recovery::Model) -> Result<Self, StoreError> {
        Ok(TokenRecoveryRecord {
            id: m.id,
            token_serial: m.token_serial,
            token_label: m.token_label,
            officer: m.officer,
            recovered_at: from_db(m.recovered_at)?,
            result: RecoveryResult::parse(&m.result)?,
            detail: m.detail,
        })
    }
}

impl Store {
    /// Records a recovery attempt and returns its number.
    pub async fn record_token_recovery(&self, r: &NewTokenRecovery) -> Result<i64, StoreError> {
        let id = self.next_counter(RECOVERY_COUNTER).await?;
        let row = token_recovery::ActiveModel {
            id: Set(id),
            token_serial: Set(r.token_serial.clone()),
            token_label: Set(r.token_label.clone()),
            officer: Set(r.officer.clone()),
            recovered_at: Set(to_db(r.recovered_at)),
            result: Set(r.result.as_str().to_owned()),
            detail: Set(r.detail.clone()),
        };
        token_recovery::Entity::insert(row)
            .exec_without_returning(&self.inner.db)
            .await?;
        Ok(id)
    }

    /// Recovery records, oldest first; only those of one token when
    /// `token_serial` is given.
    pub async fn token_recoveries(
        &self,
        token_serial: Option<&str>,
    ) -> Result<Vec<TokenRecoveryRecord>, StoreError> {
        let mut q = token_recovery::Entity::find();
        if let Some(s) = token_serial {
            q = q.filter(token_recovery::Column::TokenSerial.eq(s));
        }
        q.order_by_asc(token_recovery::Column::RecoveredAt)
            .order_by_asc(token_recovery::Column::Id)
            .all(&self.inner.db)
            .await?
            .into_iter()
            .map(TokenRecoveryRecord::try_from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::test_stores;

    #[tokio::test]
    async fn recoveries_are_numbered_kept_and_filtered_on_every_backend() {
        for (backend, store) in test_stores().await {
            let t = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
            let mut r = NewTokenRecovery {
                token_serial: "316b2d00f365a064".into(),
                token_label: "Nguyễn Văn An".into(),
                officer: "Trần Thị Bình".into(),
                recovered_at: t,
                result: RecoveryResult::Failed,
                detail: Some("wrong PIN (security officer)".into()),
            };
            assert_eq!(
                store.record_token_recovery(&r).await.unwrap(),
                1,
                "{backend}"
            );
            r.result = RecoveryResult::Completed;
            r.detail = None;
            r.recovered_at = t + time::Duration::seconds(60);
            assert_eq!(
                store.record_token_recovery(&r).await.unwrap(),
                2,
                "{backend}"
            );
            r.token_serial = "other".into();
            store.record_token_recovery(&r).await.unwrap();

            let all = store.token_recoveries(None).await.unwrap();
            assert_eq!(all.len(), 3, "{backend}");
            let mine = store
                .token_recoveries(Some("316b2d00f365a064"))
                .await
                .unwrap();
            assert_eq!(mine.len(), 2, "{backend}");
            assert_eq!(mine[0].result, RecoveryResult::Failed);
            assert_eq!(mine[1].result, RecoveryResult::Completed);
            assert_eq!(mine[1].officer, "Trần Thị Bình");
            assert_eq!(mine[1].token_label, "Nguyễn Văn An");
            assert_eq!(mine[1].recovered_at, t + time::Duration::seconds(60));
            assert_eq!(
                mine[0].detail.as_deref(),
                Some("wrong PIN (security officer)")
            );

            // Reopening (migrations again) keeps the records.
            let again = store.reopen().await.unwrap();
            assert_eq!(again.token_recoveries(None).await.unwrap().len(), 3);
        }
    }
}
