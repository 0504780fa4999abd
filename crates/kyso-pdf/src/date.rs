use time::OffsetDateTime;

/// A PDF date string (ISO 32000-1 §7.9.4), e.g. `D:20260122093005+07'00'`.
pub fn pdf_date(t: OffsetDateTime) -> String {
    let off = t.offset();
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{}{:02}'{:02}'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        sign,
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn vietnam_offset() {
        assert_eq!(
            pdf_date(datetime!(2026-11-22 09:30:05 +07:00)),
            "D:20261122093005+07'00'"
        );
        assert_eq!(
            pdf_date(datetime!(2026-01-02 03:04:05 -03:30)),
            "D:20260102030405-03'30'"
        );
    }
}
