//! Opening a PDF for an incremental update, refusing what cannot be
//! signed. The file is read object by object from disk (`source.rs`):
//! big stream payloads (scanned page images) are never loaded, so the
//! memory a signature needs does not grow with the file's size.
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use lopdf::{Document, IncrementalDocument, Object, ObjectId};

use crate::loader::Loader;
use crate::source::{Backing, Source};
use crate::PdfError;

/// A PDF read from disk, ready for an incremental update. Objects are
/// read on demand (see `source.rs`): the document holds what signing has
/// touched so far.
pub struct OpenedPdf {
    loader: Loader,
    pub(crate) path: PathBuf,
    /// Length of the file as read: the previous revisions.
    pub(crate) len: u64,
    /// Whether the file ends with an end-of-line.
    pub(crate) ends_with_eol: bool,
}

/// An incremental update being built on an opened PDF.
pub(crate) struct Update {
    pub(crate) inc: IncrementalDocument,
    pub(crate) path: PathBuf,
    pub(crate) len: u64,
    pub(crate) ends_with_eol: bool,
    /// Streams of the previous revisions whose payload was not read.
    pub(crate) on_disk: HashSet<ObjectId>,
}

impl std::fmt::Debug for OpenedPdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedPdf")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl OpenedPdf {
    /// The document as read so far (all revisions combined): the
    /// catalog with its form, permissions, DSS and metadata, the page
    /// tree as far as walked and the pages signing touched. Streams left
    /// on disk have an empty content here: read them with
    /// [`OpenedPdf::stream_data`].
    pub fn document(&self) -> &Document {
        &self.loader.doc
    }

    /// Read page `page` (1-based) with its annotations and boxes, and with
    /// `content` its content streams and resources; its id.
    pub(crate) fn load_page(&mut self, page: u32, content: bool) -> Result<ObjectId, PdfError> {
        self.loader.page(page, content)
    }

    /// The update to build on this document.
    pub(crate) fn into_update(self) -> Update {
        Update {
            on_disk: self.loader.on_disk.keys().copied().collect(),
            inc: IncrementalDocument::create_from(Vec::new(), self.loader.doc),
            path: self.path,
            len: self.len,
            ends_with_eol: self.ends_with_eol,
        }
    }

    /// Number of pages (the page tree's `/Count`).
    pub fn page_count(&self) -> usize {
        crate::pages::count(self.document())
    }

    /// Whether the last revision uses a cross-reference stream.
    pub fn uses_xref_stream(&self) -> bool {
        matches!(
            self.document().reference_table.cross_reference_type,
            lopdf::xref::XrefType::CrossReferenceStream
        )
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw (still encoded) payload of stream `id`, from memory or,
    /// when it was left on disk, read now.
    pub fn stream_data(&self, id: ObjectId) -> Result<Vec<u8>, PdfError> {
        if self.loader.on_disk.contains_key(&id) {
            let now = self.loader.shared().lock().src.backing().len()?;
            if now != self.len {
                return Err(PdfError::Io(std::io::Error::other(
                    "the file changed while it was being signed",
                )));
            }
        }
        self.loader.stream_data(id, MAX_STREAM_READ)
    }

    /// A stream's decoded data (payload read from disk when needed), at
    /// most `cap` bytes, through the document's bounded decoder
    /// (`decode.rs`: size, ratio and total limits).
    pub fn stream_decoded(&self, id: ObjectId, cap: usize) -> Result<Vec<u8>, PdfError> {
        self.loader.stream_decoded(id, cap)
    }

    /// `f` on the document and the document's decoding budget.
    pub(crate) fn with_budget<T>(
        &self,
        f: impl FnOnce(&lopdf::Document, &mut crate::decode::Budget) -> T,
    ) -> T {
        let mut g = self.loader.shared().lock();
        f(&self.loader.doc, &mut g.budget)
    }

    /// Read the payloads of `ids` (streams left on disk) into the
    /// document.
    pub(crate) fn load_from_disk(&mut self, ids: &[ObjectId]) -> Result<(), PdfError> {
        for id in ids {
            let data = self.stream_data(*id)?;
            if let Ok(Object::Stream(s)) = self.loader.doc.get_object_mut(*id) {
                s.content = data;
            }
            self.loader.on_disk.remove(id);
        }
        Ok(())
    }

    /// Whether `id` is a stream whose payload was left on disk.
    pub(crate) fn is_on_disk(&self, id: ObjectId) -> bool {
        self.loader.on_disk.contains_key(&id)
    }
}

/// Largest stream payload read back from disk on request.
const MAX_STREAM_READ: u64 = 256 * 1024 * 1024;

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Read `path` and check it can take an incremental signature update:
/// a `%PDF-` header, a final `%%EOF`, not encrypted, cross-reference data
/// readable as written (no reconstruction), a catalog and at least one
/// page. The file is only read, object by object.
pub fn open(path: &Path) -> Result<OpenedPdf, PdfError> {
    open_source(Source::new(File::open(path)?)?, path)
}

/// [`open`] on a PDF held in memory (tests, fuzzing, an upload already
/// read): it can be searched (`find_text`) and laid out, not updated.
pub fn open_bytes(bytes: &[u8]) -> Result<OpenedPdf, PdfError> {
    open_source(
        Source::with(Backing::Memory(std::sync::Arc::from(bytes)))?,
        Path::new(""),
    )
}

fn open_source(mut src: Source, path: &Path) -> Result<OpenedPdf, PdfError> {
    let len = src.len();
    let head = src.read(0, 1024)?;
    let Some(at) = head.windows(5).position(|w| w == b"%PDF-") else {
        return Err(PdfError::NotPdf);
    };
    if at != 0 {
        // Offsets would be relative to the header: not supported for
        // an update that must not rewrite earlier bytes.
        return Err(PdfError::Malformed(
            "dữ liệu lạ trước %PDF- / bytes before the %PDF- header".into(),
        ));
    }
    let version: String = head[5..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .map(|&c| c as char)
        .collect();
    let tail = src.read(len.saturating_sub(1024), 1024)?;
    if !find(&tail, b"%%EOF") || !find(&tail, b"startxref") {
        return Err(PdfError::Truncated);
    }
    let ends_with_eol = matches!(tail.last(), Some(b'\n' | b'\r'));
    let mut loader = Loader::open(src, version)?;
    let doc = &loader.doc;
    if doc.trailer.has(b"Encrypt") {
        return Err(PdfError::Encrypted);
    }
    let catalog = doc
        .catalog()
        .map_err(|e| PdfError::Malformed(format!("no catalog: {e}")))?;
    if !matches!(catalog.get(b"Pages"), Ok(Object::Reference(_))) {
        return Err(PdfError::Malformed("no page tree".into()));
    }
    loader.page(1, false).map_err(|e| match e {
        PdfError::NoSuchPage { .. } => PdfError::Malformed("no pages".into()),
        e => e,
    })?;
    Ok(OpenedPdf {
        loader,
        path: path.to_path_buf(),
        len,
        ends_with_eol,
    })
}
