//! The agencies' public portal (R-PORTAL, seed 000 Art. 10): the issued
//! documents an agency publishes ([`publication`]). Who may publish what
//! is the office's rule.

pub(crate) mod migration;
pub mod publication;
