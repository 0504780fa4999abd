//! Notifications (issue 11 §3): what each person has already seen
//! ([`seen`]). The notifications themselves are read from the delivery
//! events and the audit log; only the reader's mark is stored.

pub(crate) mod migration;
pub mod seen;
