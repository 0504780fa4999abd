//! Long-term validity of stored documents (DESIGN §7, §11; issue 13 §1):
//! the archive-renewal schedule ([`archive_renewal`]), one row per issued
//! document, taken under a lease by whichever replica renews it. The
//! rules (when a file is due, how it is renewed) are the office's.

pub mod archive_renewal;
pub(crate) mod migration;
