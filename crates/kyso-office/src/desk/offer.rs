//! What a page offers one person on one request: the actions the table
//! of [`super::state`] allows from the request's state, kept to those
//! whose party the person is — the same test as the use cases make
//! (`party_of`), so a page shows no button the office would refuse for
//! want of a role. The office still checks everything again.

use super::kind::Route;
use super::request::receiver_role;
use super::state::{transition, Action, Party};
use super::view::RequestView;
use crate::actor::Actor;

/// Whether `actor` is one of the parties that may take `action` on `r`
/// in its present state (the creator is never its own manager or
/// receiver).
pub fn may_take(actor: &Actor, r: &RequestView, action: Action) -> bool {
    let Ok(rule) = transition(r.state, action) else {
        return false;
    };
    // A request travels with its letter: sent when the letter is issued,
    // never by hand before.
    if action == Action::Send && r.letter_state.as_deref() != Some("issued") {
        return false;
    }
    let creator = actor.person_id == r.created_by;
    rule.parties.iter().any(|p| match p {
        Party::Creator => creator,
        Party::Manager => !creator && p.roles().iter().any(|role| actor.has(*role, r.agency_id)),
        Party::Sender => p.roles().iter().any(|role| actor.has(*role, r.agency_id)),
        Party::Receiver => !creator && actor.has_anywhere(receiver_role(r.route)),
    })
}

/// The actions `actor` may take on `r` now, in the table's order.
pub fn actions_for(actor: &Actor, r: &RequestView) -> Vec<Action> {
    r.actions
        .iter()
        .copied()
        .filter(|a| may_take(actor, r, *a))
        .collect()
}

/// The actions that wait for `actor` (everything offered but the
/// creator's own cancelling).
pub fn waiting_for(actor: &Actor, r: &RequestView) -> Vec<Action> {
    actions_for(actor, r)
        .into_iter()
        .filter(|a| *a != Action::Cancel)
        .collect()
}

/// Whether `r` is routed to someone `actor` is: the CA operator for the
/// CA's kinds, the department administrator for the department's.
pub fn routed_to(actor: &Actor, r: &RequestView) -> bool {
    match r.route {
        Route::Ca => actor.has_anywhere(receiver_role(Route::Ca)),
        Route::Department => actor.has_anywhere(receiver_role(Route::Department)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Membership, Scope};
    use crate::desk::form::RequestForm;
    use crate::desk::kind::RequestKind;
    use crate::desk::state::{allowed_actions, State};
    use crate::role::Role;

    fn actor(id: i64, roles: &[(Role, i64)]) -> Actor {
        Actor {
            person_id: id,
            username: format!("p{id}"),
            full_name: format!("P {id}"),
            email: String::new(),
            language: "vi".into(),
            memberships: roles
                .iter()
                .map(|(role, agency)| Membership {
                    agency_id: *agency,
                    agency_code: String::new(),
                    agency_name: String::new(),
                    role: *role,
                    position: None,
                    title: None,
                })
                .collect(),
            scopes: vec![Scope::Read, Scope::Write, Scope::Admin],
            request_id: None,
        }
    }

    fn request(state: State, kind: RequestKind, created_by: i64) -> RequestView {
        RequestView {
            id: 1,
            kind,
            kind_name: String::new(),
            state,
            state_name: String::new(),
            route: kind.route(),
            agency_id: 7,
            agency_name: String::new(),
            subscriber_id: Some(created_by),
            created_by,
            form: RequestForm::default(),
            confirmed_by: None,
            confirmed_at: None,
            confirmation: None,
            sent_at: None,
            due_date: None,
            due_status: None,
            decided_by: None,
            decided_at: None,
            note: None,
            issued_serial: None,
            certificate_pem: None,
            completed_at: None,
            letter_document_id: None,
            letter_state: None,
            letter_number: None,
            created_at: String::new(),
            actions: allowed_actions(state),
            events: Vec::new(),
        }
    }

    #[test]
    fn each_party_is_offered_its_own_actions_only() {
        let drafter = actor(1, &[(Role::Drafter, 7)]);
        let head = actor(2, &[(Role::Head, 7), (Role::Approver, 7)]);
        let other_head = actor(3, &[(Role::Head, 8)]);
        let clerk = actor(4, &[(Role::Clerk, 7)]);
        let ca = actor(5, &[(Role::CaOperator, 9)]);
        let dept = actor(6, &[(Role::DeptAdmin, 9)]);
        let r = request(State::Submitted, RequestKind::IssuePerson, 1);
        assert_eq!(actions_for(&drafter, &r), [Action::Cancel]);
        assert!(waiting_for(&drafter, &r).is_empty());
        assert_eq!(actions_for(&head, &r), [Action::Confirm, Action::Return]);
        assert!(actions_for(&other_head, &r).is_empty());
        assert!(actions_for(&clerk, &r).is_empty());
        // The head filing for themself may not confirm it.
        let own = request(State::Submitted, RequestKind::IssuePerson, 2);
        assert_eq!(actions_for(&head, &own), [Action::Cancel]);
        // Confirmed: the request waits for its letter; sending by hand is
        // offered only once the letter is issued.
        let mut r = request(State::Confirmed, RequestKind::IssuePerson, 1);
        r.letter_document_id = Some(11);
        r.letter_state = Some("submitted".into());
        assert!(actions_for(&clerk, &r).is_empty());
        r.letter_state = Some("issued".into());
        assert_eq!(actions_for(&clerk, &r), [Action::Send]);
        assert!(actions_for(&drafter, &r).is_empty());
        let sent = request(State::Sent, RequestKind::IssuePerson, 1);
        assert_eq!(actions_for(&ca, &sent), [Action::Approve, Action::Refuse]);
        assert!(actions_for(&dept, &sent).is_empty());
        assert!(routed_to(&ca, &sent) && !routed_to(&dept, &sent));
        let renew = request(State::Sent, RequestKind::Renew, 1);
        assert_eq!(
            actions_for(&dept, &renew),
            [Action::Approve, Action::Refuse]
        );
        assert!(actions_for(&ca, &renew).is_empty());
        let returned = request(State::Returned, RequestKind::Renew, 1);
        assert_eq!(
            actions_for(&drafter, &returned),
            [Action::Resubmit, Action::Cancel]
        );
        assert_eq!(waiting_for(&drafter, &returned), [Action::Resubmit]);
        let done = request(State::Completed, RequestKind::Renew, 1);
        for a in [&drafter, &head, &clerk, &ca, &dept] {
            assert!(actions_for(a, &done).is_empty());
        }
    }
}
