//! Who is acting: a person with their roles in their agencies, as the
//! server authenticated them (session cookie or API token). Every use case
//! takes an [`Actor`] and checks it before it reads or writes anything.

use crate::error::{OfficeError, Result};
use crate::role::Role;

/// One role of the actor in one agency.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Membership {
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub role: Role,
    /// Position (chức vụ) for box 7a.
    pub position: Option<String>,
    /// Authority line (TM., KT., …).
    pub title: Option<String>,
}

/// What an API token may do. A browser session may do everything its
/// roles allow.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read what the roles let the person see.
    Read,
    /// Act (create, sign, issue, receive …).
    Write,
    /// Administer agencies, people, roles, tokens of others.
    Admin,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Result<Scope> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            _ => Err(OfficeError::invalid(
                "unknown-scope",
                format!("phạm vi không hợp lệ: {s} (read, write, admin)"),
                format!("unknown scope: {s} (read, write, admin)"),
            )),
        }
    }
}

/// An authenticated person.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Actor {
    pub person_id: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub language: String,
    pub memberships: Vec<Membership>,
    /// Scopes granted: all three for a session, the token's for a token.
    pub scopes: Vec<Scope>,
    /// The HTTP request id, recorded in the audit entries.
    #[serde(skip)]
    pub request_id: Option<String>,
}

impl Actor {
    /// Whether the actor holds `role` in `agency_id`.
    pub fn has(&self, role: Role, agency_id: i64) -> bool {
        self.memberships
            .iter()
            .any(|m| m.role == role && m.agency_id == agency_id)
    }

    /// Whether the actor holds `role` in any agency.
    pub fn has_anywhere(&self, role: Role) -> bool {
        self.memberships.iter().any(|m| m.role == role)
    }

    /// Whether the actor belongs to `agency_id` in any role.
    pub fn member_of(&self, agency_id: i64) -> bool {
        self.memberships.iter().any(|m| m.agency_id == agency_id)
    }

    /// The agencies the actor belongs to.
    pub fn agency_ids(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self.memberships.iter().map(|m| m.agency_id).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The membership with `role` in `agency_id`, or a 403 naming both.
    pub fn require(&self, role: Role, agency_id: i64) -> Result<&Membership> {
        self.memberships
            .iter()
            .find(|m| m.role == role && m.agency_id == agency_id)
            .ok_or_else(|| {
                OfficeError::forbidden(
                    format!(
                        "cần vai trò {} tại cơ quan này để làm việc này",
                        role.name_vi()
                    ),
                    format!("this needs the {} role in this agency", role.name_en()),
                )
            })
    }

    /// One of `roles` in `agency_id`.
    pub fn require_any(&self, roles: &[Role], agency_id: i64) -> Result<&Membership> {
        self.memberships
            .iter()
            .find(|m| m.agency_id == agency_id && roles.contains(&m.role))
            .ok_or_else(|| {
                let vi: Vec<&str> = roles.iter().map(|r| r.name_vi()).collect();
                let en: Vec<&str> = roles.iter().map(|r| r.name_en()).collect();
                OfficeError::forbidden(
                    format!(
                        "cần một trong các vai trò {} tại cơ quan này",
                        vi.join(", ")
                    ),
                    format!(
                        "this needs one of the roles {} in this agency",
                        en.join(", ")
                    ),
                )
            })
    }

    /// The department administrator role (anywhere), or 403.
    pub fn require_admin(&self) -> Result<()> {
        self.require_scope(Scope::Admin)?;
        if self.has_anywhere(Role::DeptAdmin) {
            Ok(())
        } else {
            Err(OfficeError::forbidden(
                "chỉ quản trị Sở KH&CN được làm việc này",
                "only the department administrator may do this",
            ))
        }
    }

    /// The token's scope includes `scope`, or 403.
    pub fn require_scope(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(OfficeError::forbidden(
                format!("mã truy cập không có quyền {}", scope.code()),
                format!("the API token lacks the {} scope", scope.code()),
            ))
        }
    }

    /// The actor's first role, for the audit entry when no one role applies.
    pub fn main_role(&self) -> Option<Role> {
        self.memberships.iter().map(|m| m.role).min()
    }
}
