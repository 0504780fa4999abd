//! Objects read from disk on demand into a [`Document`] (ISO 32000-1
//! §7.5): what signing or verifying touches — the catalog, the form and
//! its signature dictionaries, permissions, DSS, metadata, the pages an
//! update places something on — not the whole file, so the cost follows
//! the objects a signature touches rather than the page count or the file
//! size. Stream payloads that are not needed (images, anything over
//! [`KEEP_PAYLOAD`], anything once [`KEEP_BUDGET`] is spent) stay on disk:
//! the stream keeps its dictionary, its content is left empty and its
//! place is remembered so that it can be read when asked for.
//!
//! One [`Loader`] shows one revision: the cross-reference chain its
//! `startxref` reaches. The loaders of one file share a [`SharedFile`]:
//! the reader, the parsed sections, the decoded object streams and the
//! decoding [`Budget`].
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use lopdf::xref::{Xref, XrefEntry};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use crate::decode::{Budget, Limits};
use crate::source::{malformed, payload_length, read_raw, Source, MAX_OBJECT};
use crate::syntax::Parser;
use crate::xref::{lookup, startxref_before, Entry, Section, SectionCache};
use crate::PdfError;

/// Largest payload kept in memory for one stream.
pub(crate) const KEEP_PAYLOAD: u64 = 1024 * 1024;
/// Most payload bytes kept in memory for one document.
pub(crate) const KEEP_BUDGET: u64 = 64 * 1024 * 1024;
/// Most objects one document may have read.
const MAX_LOADED: usize = 2_000_000;

/// An object stream, decoded once: its data and where each object starts.
struct ObjectStream {
    data: Vec<u8>,
    /// Object number → offset in `data`.
    index: HashMap<u32, usize>,
}

impl ObjectStream {
    fn parse(stream: &Stream, budget: &mut Budget) -> Result<ObjectStream, PdfError> {
        let data = budget.decode(stream)?;
        let first = stream
            .dict
            .get(b"First")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|f| usize::try_from(f).ok())
            .filter(|f| *f <= data.len())
            .ok_or_else(|| malformed("object stream: bad /First"))?;
        let n = stream
            .dict
            .get(b"N")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| malformed("object stream: bad /N"))?;
        let mut index = HashMap::new();
        let mut p = Parser::new(&data[..first], true);
        for _ in 0..n {
            let (Ok(num), Ok(off)) = (p.unsigned(), p.unsigned()) else {
                break;
            };
            let (Ok(num), Ok(off)) = (u32::try_from(num), usize::try_from(off)) else {
                break;
            };
            if let Some(at) = first.checked_add(off).filter(|a| *a < data.len()) {
                index.entry(num).or_insert(at);
            }
        }
        Ok(ObjectStream { data, index })
    }

    fn object(&self, num: u32) -> Option<Object> {
        let at = *self.index.get(&num)?;
        Parser::new(&self.data[at..], true).object(0).ok()
    }
}

/// What the loaders of one file share.
pub(crate) struct Shared {
    pub(crate) src: Source,
    sections: SectionCache,
    /// Decoded object streams, by the offset of their object.
    object_streams: HashMap<u64, Arc<ObjectStream>>,
    pub(crate) budget: Budget,
}

/// A file's shared reading state.
#[derive(Clone)]
pub(crate) struct SharedFile(Arc<Mutex<Shared>>);

impl SharedFile {
    pub(crate) fn new(src: Source, limits: Limits) -> SharedFile {
        SharedFile(Arc::new(Mutex::new(Shared {
            src,
            sections: SectionCache::default(),
            object_streams: HashMap::new(),
            budget: Budget::new(limits),
        })))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sections `startxref` reaches, newest first.
    pub(crate) fn chain(&self, startxref: u64) -> Result<Vec<Arc<Section>>, PdfError> {
        let mut g = self.lock();
        let Shared {
            src,
            sections,
            budget,
            ..
        } = &mut *g;
        sections.chain(src, startxref, budget)
    }

    /// Up to `n` bytes at `offset`.
    pub(crate) fn read(&self, offset: u64, n: usize) -> Result<Vec<u8>, PdfError> {
        self.lock().src.read(offset, n)
    }

    /// Decode `stream` within the file's budget (at most `cap` bytes).
    pub(crate) fn decode(&self, stream: &Stream, cap: usize) -> Result<Vec<u8>, PdfError> {
        self.lock().budget.decode_at_most(stream, cap)
    }
}

/// How far from a wrong offset an object's header is looked for.
const NEAR: u64 = 1024;

/// Object `id` whose header `N G obj` starts within [`NEAR`] bytes of
/// `offset`, the nearest first.
fn near(src: &mut Source, id: ObjectId, offset: u64) -> Result<crate::source::RawObject, PdfError> {
    let from = offset.saturating_sub(NEAR);
    let window = src.read(from, (2 * NEAR) as usize)?;
    let header = format!("{} {} obj", id.0, id.1);
    let mut hits: Vec<u64> = window
        .windows(header.len())
        .enumerate()
        .filter(|(i, w)| *w == header.as_bytes() && (*i == 0 || !window[*i - 1].is_ascii_digit()))
        .map(|(i, _)| from + i as u64)
        .collect();
    hits.sort_by_key(|h| h.abs_diff(offset));
    for h in hits {
        if let Ok(raw) = read_raw(src, h) {
            if raw.id == id {
                return Ok(raw);
            }
        }
    }
    Err(PdfError::BrokenXref)
}

fn is_image(d: &Dictionary) -> bool {
    d.get(b"Subtype")
        .and_then(Object::as_name)
        .is_ok_and(|n| n == b"Image")
}

/// Catalog entries read when a document is opened; the others (outlines,
/// structure tree, name trees, …) are never needed to sign and stay on
/// disk.
const CATALOG_READ: &[&[u8]] = &[
    b"AcroForm",
    b"Perms",
    b"DSS",
    b"Metadata",
    b"OutputIntents",
    b"Extensions",
    b"Pages",
];

/// Page entries read with a page; `/Contents` and `/Resources` only when
/// its text is searched ([`Loader::page`] with `content`).
const PAGE_READ: &[&[u8]] = &[b"Annots", b"MediaBox", b"CropBox", b"Rotate"];

fn is_page_node(o: &Object) -> bool {
    let d = match o {
        Object::Dictionary(d) => d,
        _ => return false,
    };
    d.get(b"Type")
        .and_then(Object::as_name)
        .is_ok_and(|t| t == b"Page" || t == b"Pages")
}

/// Every reference inside `o`.
pub(crate) fn references(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|x| references(x, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, x)| references(x, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, x)| references(x, out)),
        _ => {}
    }
}

/// Reads the objects of one revision on demand into a [`Document`].
pub(crate) struct Loader {
    shared: SharedFile,
    /// The revision's cross-reference sections, newest first.
    chain: Vec<Arc<Section>>,
    /// Payload bytes that may still be kept in memory.
    keep: u64,
    /// The catalog, never expanded by [`Loader::closure`] (a DocMDP
    /// reference's `/Data` points back at it).
    root: ObjectId,
    /// Nested reads (an indirect `/Length`, an object stream): bounded,
    /// so that objects naming each other cannot recurse without end.
    depth: u32,
    /// Whether an object that cannot be read is recorded in `broken`
    /// (verification) instead of failing the operation (signing).
    lenient: bool,
    /// Objects listed in the cross-reference data that cannot be read,
    /// with why.
    pub(crate) broken: HashMap<ObjectId, String>,
    /// Streams whose payload was not read: (offset, length) in the file.
    pub(crate) on_disk: HashMap<ObjectId, (u64, u64)>,
    pub(crate) doc: Document,
}

impl Loader {
    /// The last revision of the file in `src`, as signing reads it: the
    /// cross-reference data, the trailer, the catalog and what signing
    /// needs from it. Any object that cannot be read is an error.
    pub(crate) fn open(src: Source, version: String) -> Result<Loader, PdfError> {
        let len = src.len();
        let shared = SharedFile::new(src, Limits::SIGN);
        let start = {
            let mut g = shared.lock();
            startxref_before(&mut g.src, len)?
        };
        let mut l = Loader::at(shared, start, false)?;
        l.doc.version = version;
        if l.doc.trailer.has(b"Encrypt") {
            return Err(PdfError::Encrypted);
        }
        // The full cross-reference table, for the writer of the update.
        let mut nums: HashSet<u32> = HashSet::new();
        for s in &l.chain {
            nums.extend(s.entries.keys().copied());
        }
        let mut xref = Xref::new(
            l.doc.reference_table.size,
            l.doc.reference_table.cross_reference_type,
        );
        for n in nums {
            let e = match lookup(&l.chain, n) {
                Some(Entry::Normal { offset, generation }) => XrefEntry::Normal {
                    offset: u32::try_from(offset).map_err(|_| PdfError::TooLarge)?,
                    generation,
                },
                Some(Entry::Compressed { container, index }) => {
                    XrefEntry::Compressed { container, index }
                }
                _ => XrefEntry::Free,
            };
            xref.entries.insert(n, e);
        }
        l.doc.reference_table = xref;
        l.load_catalog()?;
        Ok(l)
    }

    /// The revision whose newest cross-reference section is at
    /// `startxref`, with nothing read yet but the cross-reference data
    /// and the trailer. `lenient`: see [`Loader::broken`].
    pub(crate) fn at(
        shared: SharedFile,
        startxref: u64,
        lenient: bool,
    ) -> Result<Loader, PdfError> {
        let chain = shared.chain(startxref)?;
        let newest = chain.first().ok_or(PdfError::BrokenXref)?;
        let mut trailer = newest.trailer.clone();
        for key in crate::incremental::STALE_TRAILER_KEYS {
            trailer.remove(key);
        }
        trailer.remove(b"Prev");
        trailer.remove(b"XRefStm");
        let max_listed = chain.iter().map(|s| s.max_num).max().unwrap_or(0);
        let size = trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let mut doc = Document::new();
        let kind = newest.kind;
        doc.trailer = trailer;
        doc.reference_table = Xref::new(size.max(max_listed.saturating_add(1)), kind);
        doc.max_id = size.max(1).saturating_sub(1).max(max_listed);
        doc.xref_start = usize::try_from(startxref).map_err(|_| PdfError::TooLarge)?;
        let root = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .unwrap_or((0, 0));
        Ok(Loader {
            shared,
            chain,
            keep: KEEP_BUDGET,
            root,
            depth: 0,
            lenient,
            broken: HashMap::new(),
            on_disk: HashMap::new(),
            doc,
        })
    }

    /// Read the catalog and what signing or validating needs from it
    /// (form, permissions, DSS, metadata, extensions, the page tree's
    /// root) and the document information dictionary.
    pub(crate) fn load_catalog(&mut self) -> Result<(), PdfError> {
        if self.root == (0, 0) {
            return Err(PdfError::Malformed("no catalog".into()));
        }
        let root = self.root;
        self.load(root)?;
        let mut roots = Vec::new();
        if let Some(Object::Dictionary(cat)) = self.doc.objects.get(&root) {
            for key in CATALOG_READ {
                if let Ok(v) = cat.get(key) {
                    references(v, &mut roots);
                }
            }
        }
        if let Ok(info) = self.doc.trailer.get(b"Info") {
            references(&info.clone(), &mut roots);
        }
        self.closure(roots)
    }

    pub(crate) fn shared(&self) -> &SharedFile {
        &self.shared
    }

    /// The cross-reference sections of this revision, newest first.
    pub(crate) fn chain(&self) -> &[Arc<Section>] {
        &self.chain
    }

    /// Where object `num` lives in this revision.
    pub(crate) fn entry(&self, num: u32) -> Option<Entry> {
        lookup(&self.chain, num)
    }

    /// Read object `id` (and, for a stream, its payload when kept) into
    /// the document, unless it is there already. A free or missing
    /// object is left out, as a null reference (§7.3.10).
    pub(crate) fn load(&mut self, id: ObjectId) -> Result<(), PdfError> {
        if self.doc.objects.contains_key(&id) || self.broken.contains_key(&id) {
            return Ok(());
        }
        if self.doc.objects.len() >= MAX_LOADED {
            return Err(malformed("too many objects"));
        }
        if self.depth >= 8 {
            return Err(malformed(format!(
                "object {}: objects refer to each other in a loop",
                id.0
            )));
        }
        self.depth += 1;
        let object = match self.entry(id.0) {
            Some(Entry::Normal { offset, generation }) if generation == id.1 => {
                self.read_normal(id, offset)
            }
            Some(Entry::Compressed { container, .. }) if id.1 == 0 => {
                self.read_compressed(id, container)
            }
            _ => Ok(None),
        };
        self.depth -= 1;
        match object {
            Ok(Some(o)) => {
                self.doc.objects.insert(id, o);
            }
            Ok(None) => {}
            // Limits and I/O errors are never an unreadable object.
            Err(e @ (PdfError::Io(_) | PdfError::DecodeLimit(_))) => return Err(e),
            Err(e) if self.lenient => {
                // Listed but unreadable: the reference table says so (a
                // signature dictionary that cannot be parsed is not a
                // missing one).
                if let Some(Entry::Normal { offset, generation }) = self.entry(id.0) {
                    self.doc.reference_table.entries.insert(
                        id.0,
                        XrefEntry::Normal {
                            offset: u32::try_from(offset).unwrap_or(u32::MAX),
                            generation,
                        },
                    );
                }
                self.broken.insert(id, e.to_string());
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Object `id` read without keeping it (a stream without its
    /// payload); None when free, missing or unreadable.
    pub(crate) fn peek(&mut self, id: ObjectId) -> Result<Option<Object>, PdfError> {
        if let Some(o) = self.doc.objects.get(&id) {
            return Ok(Some(o.clone()));
        }
        let r = match self.entry(id.0) {
            Some(Entry::Normal { offset, generation }) if generation == id.1 => {
                let mut g = self.shared.lock();
                match read_raw(&mut g.src, offset) {
                    Ok(raw) if raw.id == id => Ok(Some(raw.object)),
                    _ => Ok(None),
                }
            }
            Some(Entry::Compressed { container, .. }) if id.1 == 0 => {
                self.read_compressed(id, container)
            }
            _ => Ok(None),
        };
        match r {
            Err(e @ (PdfError::Io(_) | PdfError::DecodeLimit(_))) => Err(e),
            Err(_) => Ok(None),
            Ok(o) => Ok(o),
        }
    }

    /// `id` loaded: the object, or None (free, missing or unreadable).
    pub(crate) fn get(&mut self, id: ObjectId) -> Result<Option<&Object>, PdfError> {
        self.load(id)?;
        Ok(self.doc.objects.get(&id))
    }

    fn read_normal(&mut self, id: ObjectId, offset: u64) -> Result<Option<Object>, PdfError> {
        let shared = self.shared.clone();
        let raw = {
            let mut g = shared.lock();
            if offset >= g.src.len() {
                return Err(PdfError::BrokenXref);
            }
            match read_raw(&mut g.src, offset) {
                Ok(raw) if raw.id == id => raw,
                // Validation reads what lenient readers show: an object a
                // few bytes from where the table says (writers that count
                // wrong), found by its header nearby.
                _ if self.lenient => near(&mut g.src, id, offset)?,
                _ => return Err(PdfError::BrokenXref),
            }
        };
        let Object::Stream(mut s) = raw.object else {
            return Ok(Some(raw.object));
        };
        let start = raw.payload.unwrap_or(offset);
        let declared = match s.dict.get(b"Length") {
            Ok(Object::Reference(r)) => {
                let r = *r;
                if r == id {
                    return Err(malformed(format!("object {}: bad /Length", id.0)));
                }
                self.load(r)?;
                self.doc.objects.get(&r).and_then(|o| o.as_i64().ok())
            }
            Ok(o) => o.as_i64().ok(),
            Err(_) => None,
        };
        let declared = declared
            .and_then(|l| u64::try_from(l).ok())
            .ok_or_else(|| malformed(format!("object {}: bad /Length", id.0)))?;
        let mut g = shared.lock();
        let len = payload_length(&mut g.src, start, declared).ok_or_else(|| {
            malformed(format!(
                "object {}: /Length does not end at endstream",
                id.0
            ))
        })?;
        let needed = s.dict.has_type(b"ObjStm") || s.dict.has_type(b"XRef");
        if needed && len > MAX_OBJECT as u64 {
            return Err(malformed(format!("object stream {} is too large", id.0)));
        }
        if needed || (!is_image(&s.dict) && len <= KEEP_PAYLOAD && len <= self.keep) {
            if !needed {
                self.keep -= len;
            }
            s.content = g.src.read(start, len as usize)?;
        } else {
            self.on_disk.insert(id, (start, len));
        }
        Ok(Some(Object::Stream(s)))
    }

    fn read_compressed(
        &mut self,
        id: ObjectId,
        container: u32,
    ) -> Result<Option<Object>, PdfError> {
        let Some(Entry::Normal { offset, .. }) = self.entry(container) else {
            return Err(malformed(format!("object stream {container} is missing")));
        };
        let cached = self.shared.lock().object_streams.get(&offset).cloned();
        let os = match cached {
            Some(os) => os,
            None => {
                let cid = (container, 0);
                let stream = match self.doc.objects.get(&cid) {
                    Some(o) => o.clone(),
                    None => self.read_normal(cid, offset)?.ok_or_else(|| {
                        malformed(format!("object stream {container} is missing"))
                    })?,
                };
                let Object::Stream(s) = stream else {
                    return Err(malformed(format!(
                        "object {container} is not an object stream"
                    )));
                };
                let mut g = self.shared.lock();
                let os = Arc::new(ObjectStream::parse(&s, &mut g.budget).map_err(|e| match e {
                    PdfError::DecodeLimit(n) => PdfError::DecodeLimit(n),
                    e => malformed(format!("object stream {container}: {e}")),
                })?);
                g.object_streams.insert(offset, os.clone());
                os
            }
        };
        Ok(os.object(id.0))
    }

    /// Read `roots` and everything they refer to, except that page and
    /// page-tree nodes and the catalog are read without what they refer
    /// to (pages are read by [`Loader::page`]).
    pub(crate) fn closure(&mut self, roots: Vec<ObjectId>) -> Result<(), PdfError> {
        let mut todo = roots;
        let mut seen = HashSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            self.load(id)?;
            match self.doc.objects.get(&id) {
                Some(o) if !is_page_node(o) && id != self.root => references(o, &mut todo),
                _ => {}
            }
        }
        Ok(())
    }

    /// The raw (still encoded) payload of stream `id`, from memory or,
    /// when it was left on disk, read now (at most `max` bytes).
    pub(crate) fn stream_data(&self, id: ObjectId, max: u64) -> Result<Vec<u8>, PdfError> {
        match self.on_disk.get(&id) {
            Some(&(offset, len)) => {
                if len > max {
                    return Err(PdfError::Malformed(format!(
                        "stream {} is too large ({len} bytes)",
                        id.0
                    )));
                }
                self.shared.read(offset, len as usize)
            }
            None => Ok(self.doc.get_object(id)?.as_stream()?.content.clone()),
        }
    }

    /// A stream's decoded data (payload read from disk when needed),
    /// through the file's [`Budget`], at most `cap` bytes.
    pub(crate) fn stream_decoded(&self, id: ObjectId, cap: usize) -> Result<Vec<u8>, PdfError> {
        let s = self.doc.get_object(id)?.as_stream()?;
        if self.on_disk.contains_key(&id) {
            let mut s = Stream::new(s.dict.clone(), Vec::new());
            s.content = self.stream_data(id, MAX_OBJECT as u64)?;
            return self.shared.decode(&s, cap);
        }
        self.shared.decode(s, cap)
    }

    /// Read the object of 1-based page `n` with the page-tree nodes above
    /// it (and their siblings' dictionaries, for `/Count`), its
    /// annotations and boxes; with `content`, also its content streams
    /// and resources (inherited ones included). Returns the page's id.
    pub(crate) fn page(&mut self, n: u32, content: bool) -> Result<ObjectId, PdfError> {
        let root = self
            .doc
            .catalog()
            .ok()
            .and_then(|c| c.get(b"Pages").and_then(Object::as_reference).ok())
            .ok_or_else(|| PdfError::Malformed("no page tree".into()))?;
        let mut at = root;
        let mut left = u64::from(n);
        let mut path = Vec::new();
        for _ in 0..64 {
            self.load(at)?;
            path.push(at);
            let kids = match self.doc.objects.get(&at) {
                Some(Object::Dictionary(d)) if !crate::pages::is_page(d) => {
                    d.get(b"Kids").ok().cloned()
                }
                _ => None,
            };
            let Some(kids) = kids else {
                break;
            };
            let kids = match kids {
                Object::Reference(r) => {
                    self.load(r)?;
                    self.doc.objects.get(&r).cloned().unwrap_or(Object::Null)
                }
                k => k,
            };
            let mut ids = Vec::new();
            references(&kids, &mut ids);
            let mut next = None;
            for k in ids {
                self.load(k)?;
                let c = crate::pages::count_of(&self.doc, k);
                if left <= c {
                    next = Some(k);
                    break;
                }
                left -= c;
            }
            match next {
                Some(k) if !path.contains(&k) => at = k,
                _ => break,
            }
        }
        let page = crate::pages::page_id(&self.doc, n)?;
        self.page_parts(&path, page, content)?;
        Ok(page)
    }

    /// Read what page `page` (with the tree nodes `path` above it, for
    /// inherited entries) needs: annotations and boxes, and with
    /// `content` its content streams and resources.
    pub(crate) fn page_parts(
        &mut self,
        path: &[ObjectId],
        page: ObjectId,
        content: bool,
    ) -> Result<(), PdfError> {
        let mut wanted = Vec::new();
        let keys: Vec<&[u8]> = if content {
            PAGE_READ
                .iter()
                .copied()
                .chain([&b"Contents"[..], b"Resources"])
                .collect()
        } else {
            PAGE_READ.to_vec()
        };
        for id in path.iter().chain([&page]) {
            self.load(*id)?;
            if let Some(Object::Dictionary(d)) = self.doc.objects.get(id) {
                for k in &keys {
                    if let Ok(v) = d.get(k) {
                        references(v, &mut wanted);
                    }
                }
            }
        }
        if content {
            self.closure(wanted)?;
        } else {
            // Annotations and boxes themselves, not what they point at.
            for id in wanted {
                self.load(id)?;
                let mut inner = Vec::new();
                if let Some(Object::Array(a)) = self.doc.objects.get(&id) {
                    references(&Object::Array(a.clone()), &mut inner);
                }
                for i in inner {
                    self.load(i)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    /// Validation reads an object a few bytes from where a writer that
    /// counted wrong put it in the table, as lenient readers show it;
    /// signing refuses such a file.
    #[test]
    fn an_object_near_a_wrong_offset_is_found_when_validating() {
        let good = crate::diff::rules::testing::base_pdf();
        let at = good.windows(8).position(|w| w == b"\n3 0 obj").unwrap() + 1;
        let row = format!("{at:010} 00000 n");
        let p = good
            .windows(row.len())
            .position(|w| w == row.as_bytes())
            .unwrap();
        let mut bad = good.clone();
        bad[p..p + 10].copy_from_slice(format!("{:010}", at - 3).as_bytes());
        let revs = crate::revision::Revisions::from_bytes(&bad).unwrap();
        let mut last = revs.last().unwrap();
        assert!(last.object((3, 0)).unwrap().is_some());
        assert!(crate::open_bytes(&bad).is_err());
    }

    #[test]
    fn object_streams_are_read_lazily_and_depth_limited() {
        let mut os = Stream::new(
            dictionary! {"Type" => "ObjStm", "N" => 2, "First" => 8},
            Vec::new(),
        );
        os.content = b"5 0 6 4 [1] [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]".to_vec();
        let parsed = ObjectStream::parse(&os, &mut Budget::new(Limits::VERIFY)).unwrap();
        assert_eq!(
            parsed.object(5),
            Some(Object::Array(vec![Object::Integer(1)]))
        );
        // Nesting beyond the parser's limit is no object, not a crash.
        assert_eq!(parsed.object(6), None);
        assert_eq!(parsed.object(7), None);
    }
}
