//! Conversions between `time::OffsetDateTime` and ASN.1 times.
use der::asn1::{GeneralizedTime, UtcTime};
use der::DateTime;
use time::OffsetDateTime;
use x509_cert::time::Time;

/// Errors converting times.
#[derive(Debug, thiserror::Error)]
#[error("time out of the range ASN.1 can encode: {0}")]
pub struct TimeError(String);

fn to_der_datetime(t: OffsetDateTime) -> Result<DateTime, TimeError> {
    let t = t.to_offset(time::UtcOffset::UTC);
    DateTime::new(
        t.year() as u16,
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .map_err(|e| TimeError(e.to_string()))
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
pub fn x509_time(t: OffsetDateTime) -> Result<Time, TimeError> {
    let dt = to_der_datetime(t)?;
    if dt.year() < 2050 {
        Ok(Time::UtcTime(
            UtcTime::from_date_time(dt).map_err(|e| TimeError(e.to_string()))?,
        ))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

/// GeneralizedTime at one-second precision (OCSP, CRL entries past 2049).
pub fn generalized_time(t: OffsetDateTime) -> Result<GeneralizedTime, TimeError> {
    Ok(GeneralizedTime::from_date_time(to_der_datetime(t)?))
}

/// An ASN.1 time as `OffsetDateTime` (UTC).
pub fn from_x509_time(t: &Time) -> OffsetDateTime {
    from_unix(t.to_unix_duration().as_secs())
}

pub fn from_generalized_time(t: &GeneralizedTime) -> OffsetDateTime {
    from_unix(t.to_unix_duration().as_secs())
}

fn from_unix(secs: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The Vietnam offset (UTC+07:00) used in every time kyso shows.
pub fn vietnam_offset() -> time::UtcOffset {
    time::UtcOffset::from_hms(7, 0, 0).expect("valid offset")
}

/// ISO 8601 with the Vietnam offset, e.g. `2026-11-22T09:30:05+07:00`.
pub fn iso8601_vn(t: OffsetDateTime) -> String {
    let t = t.to_offset(vietnam_offset());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+07:00",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn utc_before_2050_generalized_after() {
        assert!(matches!(
            x509_time(datetime!(2049-12-31 23:59:59 UTC)).unwrap(),
            Time::UtcTime(_)
        ));
        assert!(matches!(
            x509_time(datetime!(2050-01-01 0:00 UTC)).unwrap(),
            Time::GeneralTime(_)
        ));
        let t = datetime!(2026-11-22 02:30:05 UTC);
        assert_eq!(from_x509_time(&x509_time(t).unwrap()), t);
        assert_eq!(iso8601_vn(t), "2026-11-22T09:30:05+07:00");
    }
}
