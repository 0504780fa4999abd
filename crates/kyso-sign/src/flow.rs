//! The two-signature flow of DESIGN §6 as library calls.
//!
//! 1. The approver signs with [`crate::SignOptions::certify`]
//!    ([`DocMdp::FormFilling`]) or a [`crate::SignOptions::lock`] that
//!    leaves the number and date open, and creates in the same revision
//!    the empty number and date text fields and the placed, empty seal
//!    field ([`crate::SignOptions::new_fields`]).
//! 2. The clerk fills the number and date ([`fill_fields`], or
//!    [`crate::SignOptions::fill`] in the sealing revision) and seals into
//!    the existing field ([`crate::Placement::InField`] with
//!    [`crate::SignOptions::field_name`]).
use std::path::{Path, PathBuf};

pub use kyso_pdf::{DocMdp, FieldLock, FillPolicy, NewField, NewFieldKind, Permissions};

use crate::SignError;

/// Fill existing text fields of `input` in one incremental update written
/// to `output`. Values are stored NFC. Unknown, non-text, read-only and
/// (under [`FillPolicy::Respect`]) locked fields are refused, as is any
/// change to a document certified P1.
pub fn fill_fields(
    input: &Path,
    output: &Path,
    values: &[(String, String)],
    policy: FillPolicy,
) -> Result<PathBuf, SignError> {
    Ok(kyso_pdf::fill(input, output, values, policy)?)
}

/// The certification and field locks `pdf` already carries.
pub fn document_permissions(pdf: &Path) -> Result<Permissions, SignError> {
    let opened = kyso_pdf::open(pdf)?;
    Ok(kyso_pdf::permissions(opened.document())?)
}
