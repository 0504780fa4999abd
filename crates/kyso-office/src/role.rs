//! The roles people hold in an agency (DESIGN §9). The rules check the
//! code; the names shown are data in the `role` table.

use crate::error::{OfficeError, Result};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chuyên viên: drafts documents.
    Drafter,
    /// Người ký duyệt: approves and signs with the personal key.
    Approver,
    /// Văn thư: numbers, seals with the organization key, issues, receives.
    Clerk,
    /// Thủ trưởng: heads the agency; assigns incoming documents, reads the audit.
    Head,
    /// Cán bộ CNTT: manages the agency's accounts and integrations.
    ItOfficer,
    /// Quản trị Sở KH&CN: administers agencies, people and roles.
    DeptAdmin,
    /// Vận hành CA: operates the certification authority.
    CaOperator,
    /// Kiểm tra viên: reads registers and the audit log.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Drafter,
        Role::Approver,
        Role::Clerk,
        Role::Head,
        Role::ItOfficer,
        Role::DeptAdmin,
        Role::CaOperator,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Drafter => "drafter",
            Role::Approver => "approver",
            Role::Clerk => "clerk",
            Role::Head => "head",
            Role::ItOfficer => "it_officer",
            Role::DeptAdmin => "dept_admin",
            Role::CaOperator => "ca_operator",
            Role::Auditor => "auditor",
        }
    }

    /// The default Vietnamese name (the table may rename it).
    pub fn name_vi(self) -> &'static str {
        match self {
            Role::Drafter => "chuyên viên soạn thảo",
            Role::Approver => "người ký duyệt",
            Role::Clerk => "văn thư",
            Role::Head => "thủ trưởng cơ quan",
            Role::ItOfficer => "cán bộ CNTT",
            Role::DeptAdmin => "quản trị Sở KH&CN",
            Role::CaOperator => "vận hành CA",
            Role::Auditor => "kiểm tra viên",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::Drafter => "drafter",
            Role::Approver => "approver",
            Role::Clerk => "clerk",
            Role::Head => "head of agency",
            Role::ItOfficer => "IT officer",
            Role::DeptAdmin => "department administrator",
            Role::CaOperator => "CA operator",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(code: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| {
                OfficeError::invalid(
                    "unknown-role",
                    format!("vai trò không tồn tại: {code}"),
                    format!("unknown role: {code}"),
                )
            })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
