//! The request form (R-REQUEST-KINDS): who the certificate is for and why,
//! with the token and certificate for the kinds that concern one. Checked
//! before anything is written.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::kind::{parse_reason, RequestKind};
use crate::error::{OfficeError, Result};

/// What the subscriber (or the managing organization on their behalf)
/// fills in.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RequestForm {
    /// Citizen identity number (CCCD, 12 digits; old CMND, 9 digits).
    pub identity_number: String,
    /// Full name (a person), or the organization's name (a seal).
    pub full_name: String,
    /// Position (chức vụ).
    #[serde(default)]
    pub position: String,
    /// Official e-mail address.
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub reason: String,
    /// The token's serial (token recovery; optional otherwise).
    #[serde(default)]
    pub token_serial: Option<String>,
    /// The certificate's serial in hex (renewal, change, revocation).
    #[serde(default)]
    pub certificate_serial: Option<String>,
    /// RFC 5280 reason by name or in Vietnamese words (revocation).
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// Days a renewal asks for (≤ 3 years).
    #[serde(default)]
    pub renewal_days: Option<i32>,
}

fn bad(field: &str, vi: &str, en: &str) -> OfficeError {
    OfficeError::invalid(
        "bad-form",
        format!("trường {field}: {vi}"),
        format!("field {field}: {en}"),
    )
}

fn bounded(field: &str, v: &str, min: usize, max: usize) -> Result<String> {
    let t = v.trim();
    let n = t.chars().count();
    if n < min || n > max || t.chars().any(char::is_control) {
        return Err(bad(
            field,
            &format!("cần {min}–{max} ký tự, không có ký tự điều khiển"),
            &format!("needs {min}–{max} characters without control characters"),
        ));
    }
    Ok(t.to_string())
}

/// A checked form, with the revocation reason's code.
pub(crate) struct CheckedForm {
    pub form: RequestForm,
    pub reason_code: Option<i32>,
}

impl RequestForm {
    /// Checks the form for `kind`; returns it trimmed.
    pub(crate) fn check(&self, kind: RequestKind) -> Result<CheckedForm> {
        let id = self.identity_number.trim();
        if kind == RequestKind::IssueOrganization {
            // An organization's identifier: its code or tax number.
            bounded("identity_number", id, 1, 40)?;
        } else if !((id.len() == 12 || id.len() == 9) && id.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad(
                "identity_number",
                "số định danh cá nhân gồm 12 chữ số (CMND cũ: 9)",
                "a personal identity number has 12 digits (old CMND: 9)",
            ));
        }
        let email = bounded("email", &self.email, 3, 254)?;
        match email.split_once('@') {
            Some((l, d)) if !l.is_empty() && d.contains('.') && !email.contains(' ') => {}
            _ => {
                return Err(bad(
                    "email",
                    "địa chỉ thư điện tử không hợp lệ",
                    "not an e-mail address",
                ))
            }
        }
        let phone = self.phone.trim();
        if phone.len() > 20
            || !phone
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'+' || b == b' ' || b == b'.')
        {
            return Err(bad(
                "phone",
                "số điện thoại không hợp lệ",
                "not a phone number",
            ));
        }
        let opt = |field: &str, v: &Option<String>| -> Result<Option<String>> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => bounded(field, s, 1, 128).map(Some),
            }
        };
        let token_serial = opt("token_serial", &self.token_serial)?;
        let certificate_serial = opt("certificate_serial", &self.certificate_serial)?
            .map(|s| kyso_ca::normalize_serial(&s));
        if let Some(s) = &certificate_serial {
            if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(
                    "certificate_serial",
                    "số hiệu chứng thư là chuỗi hexa",
                    "a certificate serial is hexadecimal",
                ));
            }
        }
        if kind.needs_token() && token_serial.is_none() {
            return Err(bad(
                "token_serial",
                "cần số hiệu thiết bị (token)",
                "the token's serial is required",
            ));
        }
        if kind.needs_certificate() && certificate_serial.is_none() {
            return Err(bad(
                "certificate_serial",
                "cần số hiệu chứng thư số",
                "the certificate's serial is required",
            ));
        }
        let reason_code = match (kind, self.revocation_reason.as_deref()) {
            (RequestKind::Revoke, Some(r)) => Some(i32::from(parse_reason(r)?.code())),
            (RequestKind::Revoke, None) => {
                return Err(bad(
                    "revocation_reason",
                    "cần lý do thu hồi",
                    "a revocation reason is required",
                ))
            }
            _ => None,
        };
        let renewal_days = match (kind, self.renewal_days) {
            (RequestKind::Renew, Some(d))
                if (1..=kyso_ca::MAX_RENEWAL_DAYS as i32).contains(&d) =>
            {
                Some(d)
            }
            (RequestKind::Renew, _) => {
                return Err(bad(
                    "renewal_days",
                    "gia hạn từ 1 ngày đến tối đa 3 năm",
                    "a renewal adds 1 day to at most 3 years",
                ))
            }
            _ => None,
        };
        let reason_min = usize::from(matches!(
            kind,
            RequestKind::Change | RequestKind::RecoverToken | RequestKind::Revoke
        ));
        Ok(CheckedForm {
            form: RequestForm {
                identity_number: id.to_string(),
                full_name: bounded("full_name", &self.full_name, 1, 200)?,
                position: bounded("position", &self.position, 0, 200)?,
                email,
                phone: phone.to_string(),
                reason: bounded("reason", &self.reason, reason_min, 2000)?,
                token_serial,
                certificate_serial,
                revocation_reason: self.revocation_reason.clone(),
                renewal_days,
            },
            reason_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RequestForm {
        RequestForm {
            identity_number: "037090001234".into(),
            full_name: "Nguyễn Văn An".into(),
            position: "Chuyên viên".into(),
            email: "an@ninhbinh.gov.vn".into(),
            phone: "0229 3871 234".into(),
            reason: "Cấp mới".into(),
            ..RequestForm::default()
        }
    }

    #[test]
    fn each_kind_needs_its_fields() {
        assert!(form().check(RequestKind::IssuePerson).is_ok());
        let mut f = form();
        f.identity_number = "12345".into();
        assert_eq!(
            f.check(RequestKind::IssuePerson).err().unwrap().code,
            "bad-form"
        );
        assert!(form().check(RequestKind::RecoverToken).is_err());
        assert!(form().check(RequestKind::Renew).is_err());
        let mut f = form();
        f.certificate_serial = Some("0A:1B".into());
        f.revocation_reason = Some("thay đổi cơ quan, đơn vị".into());
        let c = f.check(RequestKind::Revoke).unwrap();
        assert_eq!(c.reason_code, Some(3));
        assert_eq!(c.form.certificate_serial.as_deref(), Some("0a1b"));
        f.renewal_days = Some(3 * 366);
        assert!(f.check(RequestKind::Renew).is_err());
        f.renewal_days = Some(365);
        assert!(f.check(RequestKind::Renew).is_ok());
        let mut f = form();
        f.email = "no-at-sign".into();
        assert!(f.check(RequestKind::IssuePerson).is_err());
        f.email = "a@b.vn".into();
        f.full_name = "x\u{0}".into();
        assert!(f.check(RequestKind::IssuePerson).is_err());
    }
}
