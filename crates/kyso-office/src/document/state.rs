//! The outgoing document's workflow as an explicit table of allowed
//! transitions (like OpenXPKI's workflows): every use case asks
//! [`transition`] first, and an action not in the table is refused with a
//! message naming the state.
//!
//! Two-signature flow (R-FLOW-TWO): draft → submitted → approved →
//! numbered → sealed → issued. One-signature flow (R-FLOW-SEAL, a scanned
//! paper original): draft → numbered → sealed → issued. An approver may
//! return a submitted draft (→ returned, revised, submitted again); a
//! draft or returned document may be cancelled; an issued one recalled.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{OfficeError, Result};
use crate::role::Role;

/// Which of the two flows of seed 000 Art. 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// R-FLOW-SEAL: a scanned, paper-signed original sealed by the clerk.
    Seal,
    /// R-FLOW-TWO: approver's personal signature, then the clerk's seal.
    Two,
}

impl Flow {
    pub fn code(self) -> &'static str {
        match self {
            Flow::Seal => "seal",
            Flow::Two => "two",
        }
    }
    pub fn parse(s: &str) -> Result<Flow> {
        match s {
            "seal" => Ok(Flow::Seal),
            "two" => Ok(Flow::Two),
            _ => Err(OfficeError::invalid(
                "bad-flow",
                format!("quy trình không hợp lệ: {s} (seal, two)"),
                format!("unknown flow: {s} (seal, two)"),
            )),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Submitted,
    Returned,
    Approved,
    Numbered,
    Sealed,
    Issued,
    Recalled,
    Cancelled,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Draft,
        State::Submitted,
        State::Returned,
        State::Approved,
        State::Numbered,
        State::Sealed,
        State::Issued,
        State::Recalled,
        State::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Approved => "approved",
            State::Numbered => "numbered",
            State::Sealed => "sealed",
            State::Issued => "issued",
            State::Recalled => "recalled",
            State::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| OfficeError::internal("document state", format!("unknown state {s}")))
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            State::Draft => "dự thảo",
            State::Submitted => "chờ ký duyệt",
            State::Returned => "bị trả lại",
            State::Approved => "đã ký duyệt",
            State::Numbered => "đã cấp số",
            State::Sealed => "đã đóng dấu số",
            State::Issued => "đã phát hành",
            State::Recalled => "đã thu hồi",
            State::Cancelled => "đã hủy",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "waiting for approval",
            State::Returned => "returned",
            State::Approved => "approved",
            State::Numbered => "numbered",
            State::Sealed => "sealed",
            State::Issued => "issued",
            State::Recalled => "recalled",
            State::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Replace the file, attachments or metadata of a draft.
    Revise,
    Submit,
    Return,
    Approve,
    Number,
    Seal,
    Issue,
    Recall,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Revise,
        Action::Submit,
        Action::Return,
        Action::Approve,
        Action::Number,
        Action::Seal,
        Action::Issue,
        Action::Recall,
        Action::Cancel,
    ];
    pub fn name_vi(self) -> &'static str {
        match self {
            Action::Revise => "sửa",
            Action::Submit => "trình ký",
            Action::Return => "trả lại",
            Action::Approve => "ký duyệt",
            Action::Number => "cấp số",
            Action::Seal => "đóng dấu số",
            Action::Issue => "phát hành",
            Action::Recall => "thu hồi",
            Action::Cancel => "hủy",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
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
}

/// One row of the table: in `from`, for a document of `flow`, `action`
/// by one of `roles` leads to `to`.
pub struct Rule {
    pub flow: Flow,
    pub from: State,
    pub action: Action,
    pub to: State,
    pub roles: &'static [Role],
}

use Action as A;
use Flow as F;
use State as S;

/// Every allowed transition. Anything else is refused.
pub const RULES: &[Rule] = &[
    // Two signatures.
    Rule {
        flow: F::Two,
        from: S::Draft,
        action: A::Revise,
        to: S::Draft,
        roles: &[Role::Drafter],
    },
    Rule {
        flow: F::Two,
        from: S::Draft,
        action: A::Submit,
        to: S::Submitted,
        roles: &[Role::Drafter],
    },
    Rule {
        flow: F::Two,
        from: S::Draft,
        action: A::Cancel,
        to: S::Cancelled,
        roles: &[Role::Drafter],
    },
    Rule {
        flow: F::Two,
        from: S::Returned,
        action: A::Revise,
        to: S::Draft,
        roles: &[Role::Drafter],
    },
    Rule {
        flow: F::Two,
        from: S::Returned,
        action: A::Submit,
        to: S::Submitted,
        roles: &[Role::Drafter],
    },
    Rule {
        flow: F::Two,
        from: S::Returned,
        action: A::Cancel,
        to: S::Cancelled,
        roles: &[Role::Drafter],
    },
    Rule {
        flow: F::Two,
        from: S::Submitted,
        action: A::Return,
        to: S::Returned,
        roles: &[Role::Approver],
    },
    Rule {
        flow: F::Two,
        from: S::Submitted,
        action: A::Approve,
        to: S::Approved,
        roles: &[Role::Approver],
    },
    Rule {
        flow: F::Two,
        from: S::Approved,
        action: A::Number,
        to: S::Numbered,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Two,
        from: S::Numbered,
        action: A::Seal,
        to: S::Sealed,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Two,
        from: S::Sealed,
        action: A::Issue,
        to: S::Issued,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Two,
        from: S::Issued,
        action: A::Recall,
        to: S::Recalled,
        roles: &[Role::Clerk, Role::Head],
    },
    // One signature: the clerk's scanned original.
    Rule {
        flow: F::Seal,
        from: S::Draft,
        action: A::Revise,
        to: S::Draft,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Seal,
        from: S::Draft,
        action: A::Cancel,
        to: S::Cancelled,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Seal,
        from: S::Draft,
        action: A::Number,
        to: S::Numbered,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Seal,
        from: S::Numbered,
        action: A::Seal,
        to: S::Sealed,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Seal,
        from: S::Sealed,
        action: A::Issue,
        to: S::Issued,
        roles: &[Role::Clerk],
    },
    Rule {
        flow: F::Seal,
        from: S::Issued,
        action: A::Recall,
        to: S::Recalled,
        roles: &[Role::Clerk, Role::Head],
    },
];

/// The rule allowing `action` on a `flow` document in `from`, or the
/// refusal naming the state.
pub fn transition(flow: Flow, from: State, action: Action) -> Result<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.flow == flow && r.from == from && r.action == action)
        .ok_or_else(|| {
            OfficeError::conflict(
                "wrong-state",
                format!(
                    "không thể {} văn bản đang ở trạng thái \"{}\"",
                    action.name_vi(),
                    from.name_vi()
                ),
                format!(
                    "cannot {} a document that is {}",
                    action.name_en(),
                    from.name_en()
                ),
            )
        })
}

/// What the actor may do next to a document in `state` (for the UI).
pub fn allowed_actions(flow: Flow, state: State) -> Vec<Action> {
    RULES
        .iter()
        .filter(|r| r.flow == flow && r.from == state)
        .map(|r| r.action)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (flow, state, action) triple: allowed exactly when listed,
    /// with the listed target; refused with `wrong-state` otherwise.
    #[test]
    fn the_table_is_the_whole_truth() {
        let mut allowed = 0;
        for flow in [Flow::Seal, Flow::Two] {
            for from in State::ALL {
                for action in Action::ALL {
                    let listed: Vec<&Rule> = RULES
                        .iter()
                        .filter(|r| r.flow == flow && r.from == from && r.action == action)
                        .collect();
                    assert!(
                        listed.len() <= 1,
                        "duplicate rule {flow:?} {from:?} {action:?}"
                    );
                    match transition(flow, from, action) {
                        Ok(r) => {
                            allowed += 1;
                            assert_eq!(r.to, listed[0].to);
                            assert!(!r.roles.is_empty());
                        }
                        Err(e) => {
                            assert!(listed.is_empty());
                            assert_eq!(e.code, "wrong-state");
                            assert!(e.vi.contains(from.name_vi()), "{}", e.vi);
                        }
                    }
                }
            }
        }
        assert_eq!(allowed, RULES.len());
    }

    #[test]
    fn terminal_states_and_order() {
        for flow in [Flow::Seal, Flow::Two] {
            assert!(allowed_actions(flow, State::Cancelled).is_empty());
            assert!(allowed_actions(flow, State::Recalled).is_empty());
        }
        // The seal flow never needs an approver's signature.
        assert!(transition(Flow::Seal, State::Draft, Action::Submit).is_err());
        assert!(transition(Flow::Seal, State::Draft, Action::Approve).is_err());
        // The two-signature flow cannot skip the approver.
        assert!(transition(Flow::Two, State::Draft, Action::Number).is_err());
        assert!(transition(Flow::Two, State::Submitted, Action::Seal).is_err());
        // Issuing twice is refused.
        assert!(transition(Flow::Two, State::Issued, Action::Issue).is_err());
        // Numbering happens once.
        assert!(transition(Flow::Two, State::Numbered, Action::Number).is_err());
    }
}
