//! Writing the incremental update to a temporary file beside the output,
//! patching `/ByteRange` in place, hashing the signed ranges from disk and
//! finally writing the CMS into `/Contents` and renaming into place.
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use kyso_crypto::DigestAlgorithm;
use lopdf::IncrementalDocument;
use tempfile::NamedTempFile;

use crate::byte_range::PLACEHOLDER;
use crate::field::add_signature;
use crate::form::{self, FillPolicy};
use crate::mdp::permissions;
use crate::open::open;
use crate::section::write_update;
use crate::OpenedPdf;
use crate::{ByteRange, PdfError, SignatureRequest};

/// Largest incremental update searched for the placeholders.
const MAX_UPDATE: u64 = 256 * 1024 * 1024;

/// Trailer entries of the previous revision that must not be copied into
/// the new section's trailer or cross-reference stream dictionary.
pub(crate) const STALE_TRAILER_KEYS: &[&[u8]] = &[
    b"XRefStm",
    b"DecodeParms",
    b"Filter",
    b"Index",
    b"W",
    b"Length",
    b"Type",
];

/// An incremental update written to a temporary file next to the output,
/// with its `/ByteRange` patched and `/Contents` still zero. Dropping it
/// without [`PreparedPdf::finalize`] removes the temporary file.
#[derive(Debug)]
pub struct PreparedPdf {
    pub(crate) file: NamedTempFile,
    pub(crate) output: PathBuf,
    pub(crate) byte_range: ByteRange,
    pub(crate) contents_size: usize,
    pub(crate) field_name: String,
}

/// The offset of the one hex string of exactly `digits` zeros (the
/// reserved `/Contents`), in one pass.
fn find_zero_hex(haystack: &[u8], digits: usize) -> Result<usize, PdfError> {
    let mut found = None;
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i] != b'<' {
            i += 1;
            continue;
        }
        let run = haystack[i + 1..].iter().take_while(|&&c| c == b'0').count();
        if run == digits && haystack.get(i + 1 + run) == Some(&b'>') {
            if found.is_some() {
                return Err(PdfError::Internal(
                    "placeholder not found exactly once in the update".into(),
                ));
            }
            found = Some(i);
        }
        i += 1 + run;
    }
    found.ok_or_else(|| {
        PdfError::Internal("placeholder not found exactly once in the update".into())
    })
}

fn find_unique(haystack: &[u8], needle: &[u8]) -> Result<usize, PdfError> {
    let mut hits = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i);
    match (hits.next(), hits.next()) {
        (Some(i), None) => Ok(i),
        _ => Err(PdfError::Internal(
            "placeholder not found exactly once in the update".into(),
        )),
    }
}

/// Fill existing text fields of `input` (name, value) in one incremental
/// update written to `output` (see [`crate::FillPolicy`] for what is
/// refused). The input is only read; nothing is written on error.
pub fn fill(
    input: &Path,
    output: &Path,
    values: &[(String, String)],
    policy: FillPolicy,
) -> Result<PathBuf, PdfError> {
    if values.is_empty() {
        return Err(PdfError::InvalidOption(
            "không có trường nào để điền / no field to fill".into(),
        ));
    }
    let mut update = open(input)?.into_update();
    let perms = permissions(update.inc.get_prev_documents())?;
    form::fill(&mut update.inc, values, &perms, policy)?;
    let tmp = write_update(&update, output, ".kyso-fill-")?;
    tmp.as_file().sync_all()?;
    tmp.persist(output).map_err(|e| PdfError::Io(e.error))?;
    Ok(output.to_path_buf())
}

/// Add a signature to `input` as an incremental update written to a
/// temporary file beside `output`: the fields of `req.new_fields` and the
/// values of `req.fill` in the same revision, then a new signature field
/// (or the existing empty one named by `req.field_name`). The input is
/// only read; `output` is created by [`PreparedPdf::finalize`].
pub fn prepare(
    input: &Path,
    output: &Path,
    req: &SignatureRequest,
) -> Result<PreparedPdf, PdfError> {
    prepare_opened(open(input)?, output, req)
}

/// [`prepare`] on a document already opened (e.g. to place a visible
/// signature first), so that it is read only once.
pub fn prepare_opened(
    mut opened: OpenedPdf,
    output: &Path,
    req: &SignatureRequest,
) -> Result<PreparedPdf, PdfError> {
    // The pages the update places something on.
    if let crate::Placement::Visible { page, .. } = &req.placement {
        opened.load_page(*page, false)?;
    }
    for f in &req.new_fields {
        opened.load_page(f.page, false)?;
    }
    prepare_with(opened, output, req.contents_size, |inc| {
        let perms = permissions(inc.get_prev_documents())?;
        form::fill(inc, &req.fill, &perms, FillPolicy::Respect)?;
        form::add_fields(inc, &req.new_fields)?;
        add_signature(inc, req, &perms)
    })
}

/// The objects added by `add` (which returns the field name) as an
/// update of `opened`: a signature dictionary whose `/ByteRange` is the
/// placeholder and whose `/Contents` is `contents_size` zero bytes.
pub(crate) fn prepare_with(
    opened: OpenedPdf,
    output: &Path,
    contents_size: usize,
    add: impl FnOnce(&mut IncrementalDocument) -> Result<String, PdfError>,
) -> Result<PreparedPdf, PdfError> {
    let mut update = opened.into_update();
    let field_name = add(&mut update.inc)?;
    let prev_len = update.len;
    let mut tmp = write_update(&update, output, ".kyso-sign-")?;
    drop(update);

    let file = tmp.as_file_mut();
    let total = file.metadata()?.len();
    let update_len = total.saturating_sub(prev_len);
    if update_len > MAX_UPDATE {
        return Err(PdfError::Internal("incremental update too large".into()));
    }
    let mut update = Vec::with_capacity(update_len as usize);
    file.seek(SeekFrom::Start(prev_len))?;
    file.read_to_end(&mut update)?;

    let br_pos = prev_len + find_unique(&update, PLACEHOLDER)? as u64;
    let contents_start = prev_len + find_zero_hex(&update, 2 * contents_size)? as u64;
    drop(update);
    let contents_end = contents_start + 2 * contents_size as u64 + 2;
    let byte_range = ByteRange {
        contents_start,
        contents_end,
        second_len: total - contents_end,
    };
    file.seek(SeekFrom::Start(br_pos))?;
    file.write_all(&byte_range.encode()?)?;
    file.flush()?;
    Ok(PreparedPdf {
        file: tmp,
        output: output.to_path_buf(),
        byte_range,
        contents_size,
        field_name,
    })
}

impl PreparedPdf {
    /// The signed ranges.
    pub fn byte_range(&self) -> ByteRange {
        self.byte_range
    }

    /// Bytes reserved for the CMS.
    pub fn contents_size(&self) -> usize {
        self.contents_size
    }

    /// Name of the new signature field.
    pub fn field_name(&self) -> &str {
        &self.field_name
    }

    /// The temporary file holding the prepared document.
    pub fn temp_path(&self) -> &Path {
        self.file.path()
    }

    /// Digest of the ByteRange ranges, read from disk in chunks.
    pub fn digest(&mut self, alg: DigestAlgorithm) -> Result<Vec<u8>, PdfError> {
        self.byte_range.digest_file(self.file.as_file_mut(), alg)
    }

    /// Write `cms_der` as hex into `/Contents` (zero-padded) and move the
    /// file to the output path.
    pub fn finalize(mut self, cms_der: &[u8]) -> Result<PathBuf, PdfError> {
        if cms_der.len() > self.contents_size {
            return Err(PdfError::ContentsTooSmall {
                needed: cms_der.len(),
                capacity: self.contents_size,
            });
        }
        let hex = hex::encode_upper(cms_der);
        let file: &mut File = self.file.as_file_mut();
        file.seek(SeekFrom::Start(self.byte_range.contents_start + 1))?;
        file.write_all(hex.as_bytes())?;
        file.sync_all()?;
        self.file
            .persist(&self.output)
            .map_err(|e| PdfError::Io(e.error))?;
        Ok(self.output)
    }
}
