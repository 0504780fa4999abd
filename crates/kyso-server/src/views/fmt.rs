//! How the pages write dates and codes: `dd/mm/yyyy` and `HH:MM` in
//! Vietnam time (UTC+7); the office's ISO 8601 stays in exports and the
//! API.

use kyso_office::document::state::Action;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime};

/// `2026-12-03T09:05:00+07:00` (or any offset) → `03/12/2026 09:05`
/// in Vietnam time; a plain date `2026-12-03` → `03/12/2026`; anything
/// else as it is.
pub fn when(iso: &str) -> String {
    if let Ok(t) = OffsetDateTime::parse(iso, &Rfc3339) {
        return datetime(t);
    }
    match Date::parse(iso, format_description!("[year]-[month]-[day]")) {
        Ok(d) => date(d),
        Err(_) => iso.to_string(),
    }
}

/// `text` with every RFC 3339 date-time in it (the verifier's sentences
/// say `… tin cậy tại 2026-12-04T02:22:42+07:00`) written as [`when`]
/// writes it: `04/12/2026 02:22`.
pub fn times_in(text: &str) -> String {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i + 20 <= b.len() {
        let shaped = digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
            && b[i + 10] == b'T'
            && digits(i + 11..i + 13)
            && b[i + 13] == b':'
            && digits(i + 14..i + 16)
            && b[i + 16] == b':'
            && digits(i + 17..i + 19)
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if !shaped {
            i += 1;
            continue;
        }
        let mut end = i + 19;
        if b.get(end) == Some(&b'.') {
            end += 1;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        end = match b.get(end) {
            Some(b'Z') => end + 1,
            Some(b'+' | b'-') if end + 6 <= b.len() => end + 6,
            _ => end,
        };
        match OffsetDateTime::parse(&text[i..end], &Rfc3339) {
            Ok(t) => {
                out.push_str(&text[copied..i]);
                out.push_str(&datetime(t));
                copied = end;
                i = end;
            }
            Err(_) => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The date part only, `dd/mm/yyyy`.
pub fn day(iso: &str) -> String {
    if let Ok(t) = OffsetDateTime::parse(iso, &Rfc3339) {
        return date(t.to_offset(offset!(+7)).date());
    }
    when(iso)
}

pub fn date(d: Date) -> String {
    d.format(format_description!("[day]/[month]/[year]"))
        .unwrap_or_default()
}

pub fn datetime(t: OffsetDateTime) -> String {
    t.to_offset(offset!(+7))
        .format(format_description!("[day]/[month]/[year] [hour]:[minute]"))
        .unwrap_or_default()
}

/// Today in Vietnam, `yyyy-mm-dd` (compared with due dates).
pub fn today_iso(now: OffsetDateTime) -> String {
    now.to_offset(offset!(+7))
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The catalogue code of an action (`action.<code>`).
pub fn action_code(a: Action) -> &'static str {
    match a {
        Action::Revise => "revise",
        Action::Submit => "submit",
        Action::Return => "return",
        Action::Approve => "approve",
        Action::Number => "number",
        Action::Seal => "seal",
        Action::Issue => "issue",
        Action::Recall => "recall",
        Action::Cancel => "cancel",
    }
}

/// A size in bytes for people: `1,2 MB`, `830 kB`, `512 B`.
pub fn size(n: i64) -> String {
    let n = n.max(0) as f64;
    if n >= 1_000_000.0 {
        format!("{:.1} MB", n / 1_000_000.0).replace('.', ",")
    } else if n >= 1000.0 {
        format!("{:.0} kB", n / 1000.0)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_inside_sentences() {
        assert_eq!(
            times_in("hợp lệ và tin cậy tại 2026-12-04T02:22:42+07:00 (có dấu thời gian)."),
            "hợp lệ và tin cậy tại 04/12/2026 02:22 (có dấu thời gian)."
        );
        assert_eq!(
            times_in("valid at 2026-12-03T19:22:42Z, then 2026-12-03T19:22:42.123Z"),
            "valid at 04/12/2026 02:22, then 04/12/2026 02:22"
        );
        // Not date-times: left as they are (no panic at the end).
        for s in [
            "số 2026-12-04",
            "x2026-12-04T02:22:42Z",
            "2026-13-04T02:22:42Z",
            "2026-12-04T02:22:4",
            "ngày đ",
        ] {
            assert_eq!(times_in(s), s);
        }
    }

    #[test]
    fn vietnamese_dates_and_times() {
        assert_eq!(when("2026-12-03T09:05:00+07:00"), "03/12/2026 09:05");
        assert_eq!(when("2026-12-03T02:05:00Z"), "03/12/2026 09:05");
        assert_eq!(when("2026-12-31T20:00:00Z"), "01/01/2027 03:00");
        assert_eq!(when("2026-01-09"), "09/01/2026");
        assert_eq!(day("2026-12-31T20:00:00Z"), "01/01/2027");
        assert_eq!(when("soon"), "soon");
        assert_eq!(size(1_234_567), "1,2 MB");
        assert_eq!(size(830_000), "830 kB");
    }
}
