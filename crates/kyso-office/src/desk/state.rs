//! A request's workflow as an explicit table of allowed transitions (like
//! OpenXPKI's workflows): every use case asks [`transition`] first, and an
//! action not in the table is refused with a message naming the state.
//!
//! submitted → confirmed (the managing organization answers for the form)
//! → sent (to the CA or the department, as the kind routes it) → approved
//! (certificate issued, renewed, changed or revoked; token recovered) →
//! completed (handed over). The managing organization may return a
//! submitted request with reasons (→ returned, resubmitted by its creator),
//! and a confirmed one goes back the same way when its approver returns
//! its letter;
//! the CA or department may refuse it in writing (→ refused); its creator
//! may cancel it before confirmation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{OfficeError, Result};
use crate::role::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Submitted,
    Returned,
    Confirmed,
    Sent,
    Approved,
    Refused,
    Completed,
    Cancelled,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Submitted,
        State::Returned,
        State::Confirmed,
        State::Sent,
        State::Approved,
        State::Refused,
        State::Completed,
        State::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Confirmed => "confirmed",
            State::Sent => "sent",
            State::Approved => "approved",
            State::Refused => "refused",
            State::Completed => "completed",
            State::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| OfficeError::internal("desk state", format!("unknown state {s}")))
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            State::Submitted => "chờ cơ quan quản lý xác nhận",
            State::Returned => "bị trả lại",
            State::Confirmed => "đã xác nhận",
            State::Sent => "đã gửi, chờ xử lý",
            State::Approved => "đã phê duyệt",
            State::Refused => "bị từ chối",
            State::Completed => "hoàn thành",
            State::Cancelled => "đã hủy",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            State::Submitted => "waiting for the managing organization",
            State::Returned => "returned",
            State::Confirmed => "confirmed",
            State::Sent => "sent, waiting for a decision",
            State::Approved => "approved",
            State::Refused => "refused",
            State::Completed => "completed",
            State::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Resubmit,
    Cancel,
    Confirm,
    Return,
    Send,
    Approve,
    Refuse,
    Complete,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Resubmit,
        Action::Cancel,
        Action::Confirm,
        Action::Return,
        Action::Send,
        Action::Approve,
        Action::Refuse,
        Action::Complete,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Action::Resubmit => "resubmit",
            Action::Cancel => "cancel",
            Action::Confirm => "confirm",
            Action::Return => "return",
            Action::Send => "send",
            Action::Approve => "approve",
            Action::Refuse => "refuse",
            Action::Complete => "complete",
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            Action::Resubmit => "gửi lại",
            Action::Cancel => "hủy",
            Action::Confirm => "xác nhận",
            Action::Return => "trả lại",
            Action::Send => "gửi",
            Action::Approve => "phê duyệt",
            Action::Refuse => "từ chối",
            Action::Complete => "hoàn thành",
        }
    }
    pub fn name_en(self) -> &'static str {
        self.code()
    }
}

/// Who may take an action, relative to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The person who created the request.
    Creator,
    /// The managing organization's head or approver (not the creator):
    /// checks and answers for the form.
    Manager,
    /// The managing organization's clerk or head: signs and sends.
    Sender,
    /// The CA operator (kinds routed to the CA) or the department
    /// administrator (kinds routed to the department), not the creator.
    Receiver,
}

impl Party {
    /// The roles in the request's agency that make one this party
    /// (`Receiver` is checked against the route instead).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Party::Creator | Party::Receiver => &[],
            Party::Manager => &[Role::Head, Role::Approver],
            Party::Sender => &[Role::Clerk, Role::Head],
        }
    }
}

/// One row of the table: in `from`, `action` by one of `parties` leads to `to`.
pub struct Rule {
    pub from: State,
    pub action: Action,
    pub to: State,
    pub parties: &'static [Party],
}

use Action as A;
use Party as P;
use State as S;

/// Every allowed transition. Anything else is refused.
pub const RULES: &[Rule] = &[
    Rule {
        from: S::Submitted,
        action: A::Confirm,
        to: S::Confirmed,
        parties: &[P::Manager],
    },
    Rule {
        from: S::Submitted,
        action: A::Return,
        to: S::Returned,
        parties: &[P::Manager],
    },
    Rule {
        from: S::Submitted,
        action: A::Cancel,
        to: S::Cancelled,
        parties: &[P::Creator],
    },
    Rule {
        from: S::Returned,
        action: A::Resubmit,
        to: S::Submitted,
        parties: &[P::Creator],
    },
    Rule {
        from: S::Returned,
        action: A::Cancel,
        to: S::Cancelled,
        parties: &[P::Creator],
    },
    Rule {
        from: S::Confirmed,
        action: A::Send,
        to: S::Sent,
        parties: &[P::Sender],
    },
    // The approver returns the request's letter (or, without a letter on
    // its way, the managing organization returns the request).
    Rule {
        from: S::Confirmed,
        action: A::Return,
        to: S::Returned,
        parties: &[P::Manager],
    },
    Rule {
        from: S::Sent,
        action: A::Approve,
        to: S::Approved,
        parties: &[P::Receiver],
    },
    Rule {
        from: S::Sent,
        action: A::Refuse,
        to: S::Refused,
        parties: &[P::Receiver],
    },
    Rule {
        from: S::Approved,
        action: A::Complete,
        to: S::Completed,
        parties: &[P::Receiver, P::Sender],
    },
];

/// The rule allowing `action` on a request in `from`, or the refusal
/// naming the state.
pub fn transition(from: State, action: Action) -> Result<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.from == from && r.action == action)
        .ok_or_else(|| {
            OfficeError::conflict(
                "wrong-state",
                format!(
                    "không thể {} yêu cầu đang ở trạng thái \"{}\"",
                    action.name_vi(),
                    from.name_vi()
                ),
                format!(
                    "cannot {} a request that is {}",
                    action.name_en(),
                    from.name_en()
                ),
            )
        })
}

/// The actions the table allows from `state` (for the UI).
pub fn allowed_actions(state: State) -> Vec<Action> {
    RULES
        .iter()
        .filter(|r| r.from == state)
        .map(|r| r.action)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (state, action) pair: allowed exactly when listed, with the
    /// listed target; refused with `wrong-state` naming the state otherwise.
    #[test]
    fn the_table_is_the_whole_truth() {
        let mut allowed = 0;
        for from in State::ALL {
            for action in Action::ALL {
                let listed: Vec<&Rule> = RULES
                    .iter()
                    .filter(|r| r.from == from && r.action == action)
                    .collect();
                assert!(listed.len() <= 1, "duplicate rule {from:?} {action:?}");
                match transition(from, action) {
                    Ok(r) => {
                        allowed += 1;
                        assert_eq!(r.to, listed[0].to);
                        assert!(!r.parties.is_empty());
                    }
                    Err(e) => {
                        assert!(listed.is_empty());
                        assert_eq!(e.code, "wrong-state");
                        assert!(e.vi.contains(from.name_vi()), "{}", e.vi);
                        assert!(e.en.contains(from.name_en()), "{}", e.en);
                    }
                }
            }
        }
        assert_eq!(allowed, RULES.len());
        assert_eq!(allowed, 10);
    }

    #[test]
    fn order_and_terminal_states() {
        for s in [State::Refused, State::Completed, State::Cancelled] {
            assert!(allowed_actions(s).is_empty(), "{s:?} is terminal");
        }
        // Nothing reaches the CA unconfirmed, nothing is approved twice.
        assert!(transition(State::Submitted, Action::Send).is_err());
        assert!(transition(State::Submitted, Action::Approve).is_err());
        assert!(transition(State::Approved, Action::Approve).is_err());
        assert!(transition(State::Confirmed, Action::Approve).is_err());
        // Once confirmed the creator cannot withdraw it silently.
        assert!(transition(State::Confirmed, Action::Cancel).is_err());
        // Every state is reachable from `submitted`.
        let mut seen = vec![State::Submitted];
        let mut i = 0;
        while i < seen.len() {
            let from = seen[i];
            for r in RULES.iter().filter(|r| r.from == from) {
                if !seen.contains(&r.to) {
                    seen.push(r.to);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), State::ALL.len());
    }
}
