//! The document time-stamp (ISO 32000-2 §12.8.5, ETSI EN 319 142-1
//! §5.4.3): an invisible signature field whose signature dictionary has
//! `/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`, and an RFC 3161
//! TimeStampToken over the ByteRange digest as `/Contents`.
//!
//! Two phases, like signatures: [`prepare_doc_timestamp`] writes the
//! field and returns a [`PreparedPdf`] whose [`PreparedPdf::digest`] is
//! the message imprint to send to the TSA; [`PreparedPdf::finalize`]
//! writes the token.
use std::path::Path;

use lopdf::{Document, IncrementalDocument, Object};
use time::OffsetDateTime;

use crate::field::add_signature;
use crate::incremental::prepare_with;
use crate::{PdfError, PreparedPdf, SignatureRequest};

/// Default room for the TimeStampToken (with the TSA's certificates).
pub const DEFAULT_TIMESTAMP_CONTENTS_SIZE: usize = 12 * 1024;

/// Signature dictionary entries a document time-stamp does not have.
const NOT_IN_DOC_TIMESTAMP: &[&[u8]] = &[b"M", b"Name", b"Reason", b"Location", b"ContactInfo"];

/// Top-level AcroForm field names of `doc`.
fn top_field_names(doc: &Document) -> Vec<Vec<u8>> {
    let resolve = |o: &Object| doc.dereference(o).ok().map(|(_, o)| o.clone());
    let Some(Object::Dictionary(acro)) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(resolve)
    else {
        return Vec::new();
    };
    let Some(Object::Array(fields)) = acro.get(b"Fields").ok().and_then(resolve) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|f| match resolve(f) {
            Some(Object::Dictionary(d)) => match d.get(b"T") {
                Ok(Object::String(t, _)) => Some(t.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn add_doc_timestamp(
    inc: &mut IncrementalDocument,
    contents_size: usize,
) -> Result<String, PdfError> {
    let names = top_field_names(inc.get_prev_documents());
    let name = (1..)
        .map(|i| format!("DocTimeStamp{i}"))
        .find(|n| !names.iter().any(|x| x == n.as_bytes()))
        .unwrap_or_else(|| "DocTimeStamp".into());
    // `/M` is required by the writer but removed below: the time is the
    // token's.
    let mut req = SignatureRequest::new(OffsetDateTime::now_utc());
    req.field_name = Some(name.clone());
    req.contents_size = contents_size;
    // Document time-stamps are allowed at every DocMDP level (ISO 32000-2
    // §12.8.2.2.2), so the permission check does not apply.
    add_signature(inc, &req, &crate::mdp::Permissions::default())?;
    // The widget just added names the signature dictionary in /V.
    let sig_id = inc
        .new_document
        .objects
        .values()
        .find_map(|o| match o {
            Object::Dictionary(d)
                if d.get(b"FT").ok() == Some(&Object::Name(b"Sig".to_vec()))
                    && matches!(d.get(b"T"), Ok(Object::String(t, _)) if t == name.as_bytes()) =>
            {
                d.get(b"V").and_then(Object::as_reference).ok()
            }
            _ => None,
        })
        .ok_or_else(|| PdfError::Internal("document time-stamp field not written".into()))?;
    let sig = inc
        .new_document
        .get_object_mut(sig_id)
        .and_then(Object::as_dict_mut)?;
    sig.set("Type", "DocTimeStamp");
    sig.set("SubFilter", "ETSI.RFC3161");
    for key in NOT_IN_DOC_TIMESTAMP {
        sig.remove(key);
    }
    Ok(name)
}

/// Phase 1 of a document time-stamp: add an invisible field
/// `DocTimeStamp1` (or the next free number) with a `/DocTimeStamp`
/// signature dictionary reserving `contents_size` bytes, as an
/// incremental update of `input` written beside `output`.
pub fn prepare_doc_timestamp(
    input: &Path,
    output: &Path,
    contents_size: usize,
) -> Result<PreparedPdf, PdfError> {
    prepare_with(crate::open::open(input)?, output, contents_size, |inc| {
        add_doc_timestamp(inc, contents_size)
    })
}
