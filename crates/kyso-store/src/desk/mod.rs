//! The certificate service desk's tables (DESIGN §10, Decree 68/2024):
//! requests from subscribers with the history of their transitions, the
//! working-day calendar, the key devices (tokens) and their handovers.
//!
//! The store owns the schema (these entities and migration `m0008_desk`);
//! `kyso-office`'s `desk` module owns the rules and writes through
//! [`crate::Store::write`], one transaction per use case. Times are Unix
//! seconds; calendar dates are ISO `YYYY-MM-DD` text.

pub mod desk_custody;
pub mod desk_device;
pub mod desk_event;
pub mod desk_handover;
pub mod desk_holiday;
pub mod desk_notice;
pub mod desk_periodic_report;
pub mod desk_request;

pub(crate) mod custody_migration;
pub(crate) mod letter_migration;
pub(crate) mod migration;
pub(crate) mod notice_migration;
pub(crate) mod periodic_migration;
