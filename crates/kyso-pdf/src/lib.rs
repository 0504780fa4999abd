//! PDF mechanics for kyso: open a PDF, append an incremental update with a
//! signature field, widget, AcroForm and signature dictionary, patch the
//! `/ByteRange`, hash the signed ranges from disk and write the CMS into
//! `/Contents`.
//!
//! This crate knows nothing of certificates: `kyso-sign` hands it the
//! signature bytes. Earlier revisions are never rewritten: the output is
//! the input byte for byte followed by one incremental update.
#![forbid(unsafe_code)]

mod appearance;
mod byte_range;
mod date;
pub mod diff;
mod error;
mod field;
mod incremental;
mod open;
pub mod revision;
pub mod signature_dict;
mod text;

pub use byte_range::ByteRange;
pub use date::pdf_date;
pub use error::PdfError;
pub use field::{Placement, Rect, SignatureRequest, SubFilter, DEFAULT_CONTENTS_SIZE};
pub use incremental::{prepare, PreparedPdf};
pub use lopdf;
pub use open::{open, OpenedPdf};
