//! PDF mechanics for kyso: open a PDF, append an incremental update with a
//! signature field, widget, AcroForm and signature dictionary, patch the
//! `/ByteRange`, hash the signed ranges from disk and write the CMS into
//! `/Contents`.
//!
//! This crate knows nothing of certificates: `kyso-sign` hands it the
//! signature bytes. Earlier revisions are never rewritten: the output is
//! the input byte for byte followed by one incremental update.
#![forbid(unsafe_code)]

mod anchor;
mod appearance;
mod byte_range;
mod date;
pub mod decode;
pub mod diff;
mod doc_timestamp;
mod dss;
mod error;
mod existing_field;
mod field;
mod font;
mod form;
mod image;
mod incremental;
mod layout;
mod loader;
mod mdp;
mod open;
mod page_images;
mod page_text;
mod pages;
mod print;
mod resume;
pub mod revision;
mod section;
pub mod signature_dict;
mod signatures;
mod source;
mod syntax;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
mod text;
mod xref;

pub use anchor::TextHit;
pub use appearance::{Appearance, Item, Rgb};
pub use byte_range::ByteRange;
pub use date::pdf_date;
pub use doc_timestamp::{prepare_doc_timestamp, DEFAULT_TIMESTAMP_CONTENTS_SIZE};
pub use dss::{
    append_dss, read_dss, read_vri_keys, vri_key, DssMaterial, DssOutcome, DssUpdate, VriEntry,
};
pub use error::PdfError;
pub use field::{Placement, Rect, SignatureRequest, SubFilter, DEFAULT_CONTENTS_SIZE};
pub use font::Font;
pub use form::{fields, Field, FieldKind, FillPolicy, NewField, NewFieldKind};
pub use image::Image;
pub use incremental::{fill, prepare, prepare_opened, PreparedPdf};
pub use layout::{free_spot, Widget};
pub use lopdf;
pub use mdp::{permissions, DocMdp, FieldLock, Permissions};
pub use open::{open, open_bytes, OpenedPdf};
pub use page_images::{PageImages, PlacedImage};
pub use page_text::PdfText;
pub use print::{print_copy, Band, PrintPage, MAX_PRINT_PAGES};
pub use signature_dict::SignatureKind;
pub use signatures::{embedded_signatures, EmbeddedSignature};
