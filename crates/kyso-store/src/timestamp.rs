//! Times are stored as Unix seconds (BIGINT) on both backends.
//!
//! One integer column orders correctly on SQLite and PostgreSQL alike and
//! matches the one-second resolution of X.509, CRL and OCSP times. Sub-second
//! parts of the times handed to the store are dropped.

use time::OffsetDateTime;

use crate::StoreError;

/// Seconds since the Unix epoch, as stored.
pub(crate) fn to_db(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Back from stored seconds; out-of-range values are [`StoreError::Corrupt`].
pub(crate) fn from_db(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| StoreError::Corrupt(format!("timestamp {secs} out of range")))
}

/// Now, truncated to whole seconds (what the store keeps).
pub(crate) fn now() -> i64 {
    to_db(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_drops_subseconds() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
            + time::Duration::milliseconds(750);
        assert_eq!(from_db(to_db(t)).unwrap().unix_timestamp(), 1_700_000_000);
    }

    #[test]
    fn out_of_range_is_corrupt() {
        assert!(matches!(from_db(i64::MAX), Err(StoreError::Corrupt(_))));
    }
}
