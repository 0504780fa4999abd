//! Validation of PAdES signatures and detached CAdES signatures
//! (DESIGN §7). [`validate_pdf`] and [`validate_detached`] return a
//! [`ValidationReport`]; [`render`] turns it into text or HTML, and it
//! serializes to the JSON documented in docs/verify-report.md.
mod procedure;
pub mod render;
mod report;
mod revisions;

pub use procedure::{
    certificate_info, validate_detached, validate_pdf, validate_pdf_file, EvidenceFetcher,
    IssuerFetcher, ValidateError, ValidationContext, MAX_PDF_BYTES,
};
pub use report::*;
pub use revisions::MAX_REVISION_STEPS;
