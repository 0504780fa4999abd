//! Document metadata of Decree 30/2020 (Appendix VI) and its checks: the
//! type and its abbreviation, subject, priority, secrecy, dates, page
//! count and copies. Also the text helpers every form field goes through.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::error::{OfficeError, Result};

/// Độ khẩn (Decree 30/2020 Art. 22): thường, khẩn, thượng khẩn, hỏa tốc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Thuong,
    Khan,
    ThuongKhan,
    HoaToc,
}

impl Priority {
    pub fn code(self) -> &'static str {
        match self {
            Priority::Thuong => "thuong",
            Priority::Khan => "khan",
            Priority::ThuongKhan => "thuong_khan",
            Priority::HoaToc => "hoa_toc",
        }
    }
    pub fn parse(s: &str) -> Priority {
        match s {
            "khan" => Priority::Khan,
            "thuong_khan" => Priority::ThuongKhan,
            "hoa_toc" => Priority::HoaToc,
            _ => Priority::Thuong,
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            Priority::Thuong => "Thường",
            Priority::Khan => "Khẩn",
            Priority::ThuongKhan => "Thượng khẩn",
            Priority::HoaToc => "Hỏa tốc",
        }
    }
    /// edXML Priority: 0 normal … 3 hỏa tốc.
    pub fn edxml(self) -> u8 {
        self as u8
    }
}

/// Độ mật (state secrets): any of these keeps a document off every
/// electronic path (seed 000 Art. 7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Secrecy {
    #[default]
    None,
    Mat,
    ToiMat,
    TuyetMat,
}

/// The refusal of a state secret.
pub fn refuse_secret(s: Secrecy) -> Result<()> {
    if s == Secrecy::None {
        return Ok(());
    }
    let (vi, en) = match s {
        Secrecy::Mat => ("Mật", "confidential"),
        Secrecy::ToiMat => ("Tối mật", "secret"),
        _ => ("Tuyệt mật", "top secret"),
    };
    Err(OfficeError::new(
        crate::ErrorKind::Invalid,
        "state-secret",
        format!(
            "văn bản có độ mật \"{vi}\" là bí mật nhà nước, không được soạn, ký, gửi hay lưu trên hệ thống điện tử này (Điều 7 khoản 1); hãy xử lý theo quy định về bảo vệ bí mật nhà nước"
        ),
        format!(
            "a document marked \"{en}\" is a state secret and may not be drafted, signed, sent or kept on this electronic system (Art. 7.1); handle it under the state-secret rules"
        ),
    ))
}

/// The metadata a drafter or clerk gives.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct DocumentMetadata {
    /// Type abbreviation (Decree 30/2020 Appendix III): `CV`, `QĐ`, `TB`, …
    pub type_code: String,
    /// Subject / summary (trích yếu), 1–1000 characters.
    pub subject: String,
    /// Category code (default set or the agency's own).
    pub category: Option<String>,
    #[serde(default)]
    pub priority: Priority,
    /// Must be `none`: state secrets are refused.
    #[serde(default)]
    pub secrecy: Secrecy,
    /// ISO date by which the recipients should answer.
    pub due_date: Option<String>,
    /// Number of paper copies (default 1).
    pub copies: Option<i32>,
    /// `vi` by default.
    pub language: Option<String>,
    /// Place of issue (default: the province).
    pub issue_place: Option<String>,
    /// Recipient agency ids.
    #[serde(default)]
    pub recipients: Vec<i64>,
    /// Where the approver's box, number, date and seal go (default: found
    /// from the text of the last page).
    pub layout: Option<crate::document::layout::Layout>,
    /// An issued document of the same agency this one updates or replaces
    /// (edXML BussinessDocType 2 / 3); the link is kept and shown to the
    /// recipients.
    pub replaces_id: Option<i64>,
    /// `update` or `replace` (with `replaces_id`).
    pub relation: Option<String>,
}

/// NFC, control characters removed, runs of white space made one space,
/// trimmed.
pub fn clean_text(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    let mut space = false;
    for c in nfc.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_control() {
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Lower case without accents, đ as d: for accent-insensitive search
/// (the search index's fold, one home for it).
pub fn fold(s: &str) -> String {
    kyso_store::search::fold(s)
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str, field_vi: &str, field_en: &str) -> Result<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &f).map_err(|_| {
        OfficeError::invalid(
            "bad-date",
            format!("{field_vi} phải có dạng YYYY-MM-DD"),
            format!("{field_en} must be YYYY-MM-DD"),
        )
    })
}

pub fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `dd/mm/yyyy`, as dates are shown to people.
pub fn vn_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// The number as Decree 30/2020 writes it: two digits at least (`01`).
pub fn format_number(n: i64) -> String {
    format!("{n:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_and_folded() {
        assert_eq!(
            clean_text("  Về\tviệc \n\u{7}  triển khai  "),
            "Về việc triển khai"
        );
        // NFD input becomes NFC.
        assert_eq!(clean_text("Vie\u{0302}\u{0323}t"), "Việt");
        assert_eq!(fold("Đồng Tháp"), "dong thap");
        assert_eq!(fold("QUYẾT ĐỊNH"), "quyet dinh");
        assert_eq!(format_number(1), "01");
        assert_eq!(format_number(123), "123");
    }

    #[test]
    fn secrets_are_refused() {
        assert!(refuse_secret(Secrecy::None).is_ok());
        for s in [Secrecy::Mat, Secrecy::ToiMat, Secrecy::TuyetMat] {
            let e = refuse_secret(s).unwrap_err();
            assert_eq!(e.code, "state-secret");
            assert!(e.vi.contains("bí mật nhà nước"));
        }
    }

    #[test]
    fn dates() {
        let d = parse_date("2026-12-03", "ngày", "date").unwrap();
        assert_eq!(iso_date(d), "2026-12-03");
        assert_eq!(vn_date(d), "03/12/2026");
        assert!(parse_date("03/12/2026", "ngày", "date").is_err());
    }
}
