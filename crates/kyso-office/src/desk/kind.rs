//! The five kinds of certificate request (R-REQUEST-KINDS) and where
//! Decree 68/2024 sends each: new issuance and revocation to the CA,
//! renewal, information change and token recovery to the provincial
//! department (Sở KH&CN).

use kyso_pki::RevocationReason;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{OfficeError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// New certificate for a person (cấp mới chứng thư số cá nhân).
    IssuePerson,
    /// New certificate for an organization's seal (cấp mới cho tổ chức).
    IssueOrganization,
    /// Renewal (gia hạn).
    Renew,
    /// Change of information (thay đổi thông tin).
    Change,
    /// Revocation (thu hồi).
    Revoke,
    /// Recovery of a locked token (khôi phục thiết bị lưu khóa bí mật).
    RecoverToken,
}

/// Where a confirmed request is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// The certification authority.
    Ca,
    /// The provincial Department of Science and Technology.
    Department,
}

impl Route {
    pub fn code(self) -> &'static str {
        match self {
            Route::Ca => "ca",
            Route::Department => "department",
        }
    }
    pub fn parse(s: &str) -> Result<Route> {
        match s {
            "ca" => Ok(Route::Ca),
            "department" => Ok(Route::Department),
            _ => Err(OfficeError::internal(
                "desk route",
                format!("unknown route {s}"),
            )),
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            Route::Ca => "tổ chức cung cấp dịch vụ chứng thực (CA)",
            Route::Department => "Sở Khoa học và Công nghệ",
        }
    }
}

impl RequestKind {
    pub const ALL: [RequestKind; 6] = [
        RequestKind::IssuePerson,
        RequestKind::IssueOrganization,
        RequestKind::Renew,
        RequestKind::Change,
        RequestKind::Revoke,
        RequestKind::RecoverToken,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RequestKind::IssuePerson => "issue_person",
            RequestKind::IssueOrganization => "issue_organization",
            RequestKind::Renew => "renew",
            RequestKind::Change => "change",
            RequestKind::Revoke => "revoke",
            RequestKind::RecoverToken => "recover_token",
        }
    }
    pub fn parse(s: &str) -> Result<RequestKind> {
        RequestKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                OfficeError::invalid(
                    "bad-kind",
                    format!("loại yêu cầu không hợp lệ: {s}"),
                    format!(
                        "unknown request kind: {s} (issue_person, issue_organization, renew, change, revoke, recover_token)"
                    ),
                )
            })
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            RequestKind::IssuePerson => "cấp mới chứng thư số cá nhân",
            RequestKind::IssueOrganization => "cấp mới chứng thư số cơ quan, tổ chức",
            RequestKind::Renew => "gia hạn chứng thư số",
            RequestKind::Change => "thay đổi thông tin chứng thư số",
            RequestKind::Revoke => "thu hồi chứng thư số",
            RequestKind::RecoverToken => "khôi phục thiết bị lưu khóa bí mật",
        }
    }
    /// Decree 68/2024's routing.
    pub fn route(self) -> Route {
        match self {
            RequestKind::IssuePerson | RequestKind::IssueOrganization | RequestKind::Revoke => {
                Route::Ca
            }
            RequestKind::Renew | RequestKind::Change | RequestKind::RecoverToken => {
                Route::Department
            }
        }
    }
    /// Working days the CA or department has from the request's arrival
    /// (Decree 68/2024: 3 for a valid new issuance, 1 for a token
    /// recovery); `None` where the rules set none.
    pub fn deadline_days(self) -> Option<u32> {
        match self {
            RequestKind::IssuePerson | RequestKind::IssueOrganization => Some(3),
            RequestKind::RecoverToken => Some(1),
            RequestKind::Renew | RequestKind::Change | RequestKind::Revoke => None,
        }
    }
    /// Whether the form must name the token.
    pub fn needs_token(self) -> bool {
        matches!(self, RequestKind::RecoverToken)
    }
    /// Whether the form must name the certificate.
    pub fn needs_certificate(self) -> bool {
        matches!(
            self,
            RequestKind::Renew | RequestKind::Change | RequestKind::Revoke
        )
    }
}

/// Working days to give a written refusal (Decree 68/2024).
pub const REFUSAL_DAYS: u32 = 1;
/// Working days to return a device after revocation or expiry.
pub const DEVICE_RETURN_DAYS: u32 = 5;

/// RFC 5280 reasons a subscriber's revocation may give, with their
/// Vietnamese words (the CA-only ones are not offered).
pub const REVOCATION_REASONS: [RevocationReason; 6] = [
    RevocationReason::Unspecified,
    RevocationReason::KeyCompromise,
    RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,
    RevocationReason::CessationOfOperation,
    RevocationReason::PrivilegeWithdrawn,
];

/// A revocation reason by its RFC 5280 name (`keyCompromise`) or its
/// Vietnamese words (`lộ khóa bí mật`).
pub fn parse_reason(s: &str) -> Result<RevocationReason> {
    let t = s.trim();
    REVOCATION_REASONS
        .into_iter()
        .find(|r| r.name().eq_ignore_ascii_case(t) || r.vietnamese() == t.to_lowercase())
        .ok_or_else(|| {
            let vi: Vec<String> = REVOCATION_REASONS
                .iter()
                .map(|r| format!("{} ({})", r.vietnamese(), r.name()))
                .collect();
            OfficeError::invalid(
                "bad-reason",
                format!(
                    "lý do thu hồi không hợp lệ: {t}; chọn một trong: {}",
                    vi.join(", ")
                ),
                format!("unknown revocation reason: {t}; one of: {}", vi.join(", ")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_follows_decree_68() {
        use RequestKind::*;
        for k in [IssuePerson, IssueOrganization, Revoke] {
            assert_eq!(k.route(), Route::Ca);
        }
        for k in [Renew, Change, RecoverToken] {
            assert_eq!(k.route(), Route::Department);
        }
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.code()).unwrap(), k);
        }
        assert_eq!(RequestKind::parse("x").unwrap_err().code, "bad-kind");
    }

    #[test]
    fn reasons_in_both_languages() {
        assert_eq!(
            parse_reason("lộ khóa bí mật").unwrap(),
            RevocationReason::KeyCompromise
        );
        assert_eq!(
            parse_reason("affiliationChanged").unwrap(),
            RevocationReason::AffiliationChanged
        );
        // CA-only reasons are not the subscriber's to give.
        assert!(parse_reason("cACompromise").is_err());
        assert!(parse_reason("removeFromCRL").is_err());
    }
}
