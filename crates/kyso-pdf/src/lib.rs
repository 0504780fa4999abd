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
mod error;
mod existing_field;
mod field;
mod form;
mod incremental;
mod mdp;
mod open;
mod text;

pub use byte_range::ByteRange;
pub use date::pdf_date;
pub use error::PdfError;
pub use field::{Placement, Rect, SignatureRequest, SubFilter, DEFAULT_CONTENTS_SIZE};
pub use form::{fields, Field, FieldKind, FillPolicy, NewField, NewFieldKind};
pub use incremental::{fill, prepare, PreparedPdf};
pub use mdp::{permissions, DocMdp, FieldLock, Permissions};
pub use open::{open, OpenedPdf};
