//! Reading a PDF from disk object by object (ISO 32000-1 §7.5): the
//! cross-reference chain (tables, streams and hybrids, newest section
//! first), then, on demand ([`Loader`]), the objects signing touches,
//! through a small read cache, without ever holding the whole file.
//! Stream payloads that signing does not need (images, anything over
//! [`KEEP_PAYLOAD`], anything once [`KEEP_BUDGET`] is spent) stay on
//! disk: the stream keeps its dictionary, its content is left empty and
//! its place is remembered so that it can be read when asked for.
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::os::unix::fs::FileExt;

use lopdf::xref::{Xref, XrefEntry, XrefType};
use lopdf::{Dictionary, Document, Object, ObjectId, ObjectStream, Stream};

use crate::syntax::{Parser, SyntaxError};
use crate::PdfError;

/// Largest payload kept in memory for one stream.
pub(crate) const KEEP_PAYLOAD: u64 = 1024 * 1024;
/// Most payload bytes kept in memory for one document.
pub(crate) const KEEP_BUDGET: u64 = 64 * 1024 * 1024;
/// Largest object dictionary, object stream or cross-reference stream read.
const MAX_OBJECT: usize = 64 * 1024 * 1024;
/// Most decoded bytes of one object or cross-reference stream.
const MAX_DECODED: usize = 64 * 1024 * 1024;
/// Most cross-reference sections followed through `/Prev`.
const MAX_SECTIONS: usize = 10_000;
/// Most objects listed.
const MAX_OBJECTS: u64 = 10_000_000;
/// Read cache block.
const BLOCK: usize = 256 * 1024;

fn malformed(what: impl std::fmt::Display) -> PdfError {
    PdfError::Malformed(what.to_string())
}

/// Where an object of the cross-reference data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Free,
    Normal { offset: u64, generation: u16 },
    Compressed { container: u32, index: u16 },
}

/// The file with a one-block read cache (objects are read in offset
/// order, so most reads hit it).
pub(crate) struct Source {
    file: File,
    len: u64,
    block_start: u64,
    block: Vec<u8>,
}

impl Source {
    pub(crate) fn new(file: File) -> Result<Source, PdfError> {
        let len = file.metadata()?.len();
        Ok(Source {
            file,
            len,
            block_start: 0,
            block: Vec::new(),
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Up to `n` bytes at `offset` (fewer at the end of the file).
    pub(crate) fn read(&mut self, offset: u64, n: usize) -> Result<Vec<u8>, PdfError> {
        self.with(offset, n, <[u8]>::to_vec)
    }

    /// `f` on up to `n` bytes at `offset`, borrowed from the cache block
    /// when they fit in it (no copy).
    fn with<T>(
        &mut self,
        offset: u64,
        n: usize,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, PdfError> {
        let end = offset.saturating_add(n as u64).min(self.len);
        if offset >= end {
            return Ok(f(&[]));
        }
        let want = (end - offset) as usize;
        let cached =
            offset >= self.block_start && end <= self.block_start + self.block.len() as u64;
        if !cached && want <= BLOCK / 2 {
            let size = BLOCK.min((self.len - offset) as usize);
            self.block.resize(size, 0);
            self.file.read_exact_at(&mut self.block, offset)?;
            self.block_start = offset;
        }
        if cached || want <= BLOCK / 2 {
            let s = (offset - self.block_start) as usize;
            return Ok(f(&self.block[s..s + want]));
        }
        let mut out = vec![0u8; want];
        self.file.read_exact_at(&mut out, offset)?;
        Ok(f(&out))
    }

    /// Parse with `f` at `offset`, reading a larger window while the
    /// parser asks for more. Returns the value and the bytes consumed.
    fn parse_at<T>(
        &mut self,
        offset: u64,
        what: &str,
        f: impl Fn(&mut Parser) -> Result<T, SyntaxError>,
    ) -> Result<(T, usize), PdfError> {
        let mut window = 4096usize;
        let len = self.len;
        loop {
            let r = self.with(offset, window, |buf| {
                let complete = offset + buf.len() as u64 >= len;
                let mut p = Parser::new(buf, complete);
                f(&mut p).map(|v| (v, p.pos))
            })?;
            match r {
                Ok(v) => return Ok(v),
                Err(SyntaxError::Incomplete) if window < MAX_OBJECT => window *= 4,
                Err(SyntaxError::Incomplete) => {
                    return Err(malformed(format!("{what} at {offset} is too large")))
                }
                Err(SyntaxError::Invalid(why)) => {
                    return Err(malformed(format!("{what} at offset {offset}: {why}")))
                }
            }
        }
    }
}

/// An indirect object as found at an offset: its id, the object (a
/// stream's content still empty) and, for a stream, where its payload
/// starts.
struct RawObject {
    id: ObjectId,
    object: Object,
    payload: Option<u64>,
}

fn read_raw(src: &mut Source, offset: u64) -> Result<RawObject, PdfError> {
    let ((id, object, start), _) = src.parse_at(offset, "object", |p| {
        let id = p.object_header()?;
        let object = p.object(0)?;
        let start = match object {
            Object::Dictionary(_) => p.stream_start()?,
            _ => None,
        };
        Ok((id, object, start))
    })?;
    let (object, payload) = match (object, start) {
        (Object::Dictionary(dict), Some(s)) => (
            Object::Stream(Stream {
                dict,
                content: Vec::new(),
                allows_compression: true,
                start_position: None,
            }),
            Some(offset + s as u64),
        ),
        (o, _) => (o, None),
    };
    Ok(RawObject {
        id,
        object,
        payload,
    })
}

/// The last `startxref` offset.
fn startxref(src: &mut Source) -> Result<u64, PdfError> {
    let tail_len = 2048.min(src.len());
    let tail = src.read(src.len() - tail_len, tail_len as usize)?;
    let pos = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or(PdfError::Truncated)?;
    let mut p = Parser::new(&tail[pos + 9..], true);
    p.unsigned()
        .map_err(|_| PdfError::BrokenXref)
        .and_then(|o| match o < src.len() {
            true => Ok(o),
            false => Err(PdfError::BrokenXref),
        })
}

/// A classic `xref` table section and its trailer.
fn table_section(
    src: &mut Source,
    offset: u64,
    entries: &mut BTreeMap<u32, Entry>,
) -> Result<Dictionary, PdfError> {
    let ((rows, trailer), _) = src.parse_at(offset, "cross-reference table", |p| {
        p.keyword(b"xref")?;
        let mut rows = Vec::new();
        loop {
            if p.next_is(b"trailer")? {
                break;
            }
            let start = p.unsigned()?;
            let count = p.unsigned()?;
            if start + count > MAX_OBJECTS {
                return Err(SyntaxError::Invalid("too many objects"));
            }
            for i in 0..count {
                let off = p.unsigned()?;
                let gen = p.unsigned()?;
                p.skip_white()?;
                let kind = if p.next_is(b"n")? {
                    b'n'
                } else if p.next_is(b"f")? {
                    b'f'
                } else {
                    return Err(SyntaxError::Invalid("bad cross-reference entry"));
                };
                rows.push(((start + i) as u32, off, gen, kind));
            }
        }
        let trailer = match p.object(0)? {
            Object::Dictionary(d) => d,
            _ => return Err(SyntaxError::Invalid("trailer is not a dictionary")),
        };
        Ok((rows, trailer))
    })?;
    for (num, off, gen, kind) in rows {
        let e = match kind {
            b'n' => Entry::Normal {
                offset: off,
                generation: u16::try_from(gen).map_err(|_| PdfError::BrokenXref)?,
            },
            _ => Entry::Free,
        };
        entries.entry(num).or_insert(e);
    }
    Ok(trailer)
}

fn int(d: &Dictionary, key: &[u8]) -> Option<i64> {
    d.get(key).ok().and_then(|o| o.as_i64().ok())
}

/// The payload of a stream whose `/Length` is direct (cross-reference
/// and object streams), read whole.
fn direct_payload(src: &mut Source, raw: &RawObject, what: &str) -> Result<Stream, PdfError> {
    let Object::Stream(s) = &raw.object else {
        return Err(malformed(format!("{what} is not a stream")));
    };
    let start = raw.payload.unwrap_or(0);
    let len = int(&s.dict, b"Length")
        .and_then(|l| usize::try_from(l).ok())
        .ok_or_else(|| malformed(format!("{what}: no direct /Length")))?;
    if len > MAX_OBJECT || start + len as u64 > src.len() {
        return Err(malformed(format!("{what}: bad /Length")));
    }
    let content = src.read(start, len)?;
    Ok(Stream {
        dict: s.dict.clone(),
        content,
        allows_compression: true,
        start_position: None,
    })
}

/// A cross-reference stream section (§7.5.8); returns its dictionary.
fn stream_section(
    src: &mut Source,
    offset: u64,
    entries: &mut BTreeMap<u32, Entry>,
) -> Result<Dictionary, PdfError> {
    let raw = read_raw(src, offset)?;
    let stream = direct_payload(src, &raw, "cross-reference stream")?;
    if !stream.dict.has_type(b"XRef") {
        return Err(PdfError::BrokenXref);
    }
    let data = stream
        .decompressed_content_with_limit(MAX_DECODED)
        .map_err(|e| malformed(format!("cross-reference stream: {e}")))?;
    let w: Vec<usize> = match stream.dict.get(b"W") {
        Ok(Object::Array(a)) if a.len() == 3 => a
            .iter()
            .map(|o| o.as_i64().ok().and_then(|v| usize::try_from(v).ok()))
            .collect::<Option<_>>()
            .ok_or(PdfError::BrokenXref)?,
        _ => return Err(PdfError::BrokenXref),
    };
    if w.iter().any(|&x| x > 8) {
        return Err(PdfError::BrokenXref);
    }
    let size = int(&stream.dict, b"Size").ok_or(PdfError::BrokenXref)?;
    let index: Vec<i64> = match stream.dict.get(b"Index") {
        Ok(Object::Array(a)) => a
            .iter()
            .map(|o| o.as_i64().ok())
            .collect::<Option<_>>()
            .ok_or(PdfError::BrokenXref)?,
        _ => vec![0, size],
    };
    let row = w[0] + w[1] + w[2];
    let field = |bytes: &[u8]| bytes.iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
    let mut at = 0usize;
    for pair in index.chunks(2) {
        let [start, count] = pair else {
            return Err(PdfError::BrokenXref);
        };
        if *start < 0 || *count < 0 || (start + count) as u64 > MAX_OBJECTS {
            return Err(PdfError::BrokenXref);
        }
        for i in 0..*count {
            let r = data.get(at..at + row).ok_or(PdfError::BrokenXref)?;
            at += row;
            let kind = if w[0] == 0 { 1 } else { field(&r[..w[0]]) };
            let f2 = field(&r[w[0]..w[0] + w[1]]);
            let f3 = field(&r[w[0] + w[1]..]);
            let e = match kind {
                0 => Entry::Free,
                1 => Entry::Normal {
                    offset: f2,
                    generation: u16::try_from(f3).unwrap_or(0),
                },
                2 => Entry::Compressed {
                    container: u32::try_from(f2).map_err(|_| PdfError::BrokenXref)?,
                    index: u16::try_from(f3).map_err(|_| PdfError::BrokenXref)?,
                },
                // Unknown types are null references (§7.5.8.3).
                _ => Entry::Free,
            };
            entries.entry((start + i) as u32).or_insert(e);
        }
    }
    Ok(stream.dict)
}

/// The combined cross-reference data, newest section first, and the
/// newest trailer.
struct XrefChain {
    entries: BTreeMap<u32, Entry>,
    trailer: Dictionary,
    kind: XrefType,
    start: u64,
}

fn xref_chain(src: &mut Source) -> Result<XrefChain, PdfError> {
    let start = startxref(src)?;
    let mut entries = BTreeMap::new();
    let mut newest: Option<(Dictionary, XrefType)> = None;
    let mut seen = std::collections::HashSet::new();
    let mut next = Some(start);
    while let Some(offset) = next {
        if !seen.insert(offset) || seen.len() > MAX_SECTIONS || offset >= src.len() {
            return Err(PdfError::BrokenXref);
        }
        let head = src.read(offset, 64)?;
        let first = head
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(0);
        let (trailer, kind) = if head[first..].starts_with(b"xref") {
            let t = table_section(src, offset + first as u64, &mut entries)
                .map_err(|_| PdfError::BrokenXref)?;
            // A hybrid file: the stream holds the compressed objects.
            if let Some(x) = int(&t, b"XRefStm") {
                let x = u64::try_from(x).map_err(|_| PdfError::BrokenXref)?;
                let mut extra = BTreeMap::new();
                stream_section(src, x, &mut extra)?;
                for (k, v) in extra {
                    match entries.get(&k) {
                        None | Some(Entry::Free) => {
                            entries.insert(k, v);
                        }
                        _ => {}
                    }
                }
            }
            (t, XrefType::CrossReferenceTable)
        } else {
            let t = stream_section(src, offset, &mut entries).map_err(|e| match e {
                PdfError::Io(e) => PdfError::Io(e),
                _ => PdfError::BrokenXref,
            })?;
            (t, XrefType::CrossReferenceStream)
        };
        next = match trailer.get(b"Prev") {
            Ok(o) => Some(
                o.as_i64()
                    .ok()
                    .and_then(|p| u64::try_from(p).ok())
                    .ok_or(PdfError::BrokenXref)?,
            ),
            Err(_) => None,
        };
        if newest.is_none() {
            newest = Some((trailer, kind));
        }
    }
    let (mut trailer, kind) = newest.ok_or(PdfError::BrokenXref)?;
    for key in crate::incremental::STALE_TRAILER_KEYS {
        trailer.remove(key);
    }
    trailer.remove(b"Prev");
    trailer.remove(b"XRefStm");
    Ok(XrefChain {
        entries,
        trailer,
        kind,
        start,
    })
}

/// How far from the declared end `endstream` is looked for when
/// `/Length` is wrong (peers such as qpdf and pyHanko accept such files).
const LENGTH_SLACK: u64 = 4096;

/// The payload's real length: `declared` when `endstream` follows it
/// (after optional white space), else the distance to the nearest
/// `endstream` within [`LENGTH_SLACK`] of the declared end, without the
/// end-of-line before it.
fn payload_length(src: &mut Source, start: u64, declared: u64) -> Option<u64> {
    let end = start.checked_add(declared)?;
    if end <= src.len() {
        let ends = src
            .with(end, 32, |after| {
                Parser::new(after, true).keyword(b"endstream").is_ok()
            })
            .ok()?;
        if ends {
            return Some(declared);
        }
    }
    let from = end.saturating_sub(LENGTH_SLACK).max(start).min(src.len());
    let window = src.read(from, (2 * LENGTH_SLACK) as usize).ok()?;
    let hits = window
        .windows(9)
        .enumerate()
        .filter(|(_, w)| *w == b"endstream");
    let (at, _) = hits.min_by_key(|(i, _)| (from + *i as u64).abs_diff(end))?;
    let mut real = from + at as u64 - start;
    // The byte just before the payload's end `r`, inside the window.
    let before = |r: u64| match start + r > from {
        true => window.get((start + r - from - 1) as usize).copied(),
        false => None,
    };
    if real > 0 && before(real) == Some(b'\n') {
        real -= 1;
    }
    if real > 0 && before(real) == Some(b'\r') {
        real -= 1;
    }
    Some(real)
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

/// Most objects one document may have read.
const MAX_LOADED: usize = 2_000_000;

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
fn references(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|x| references(x, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, x)| references(x, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, x)| references(x, out)),
        _ => {}
    }
}

/// Reads objects from disk on demand into a [`Document`]: what signing
/// touches (catalog, form, permissions, DSS, metadata, the pages it
/// places something on), not the whole file, so the cost follows the
/// objects a signature touches rather than the page count or file size.
pub(crate) struct Loader {
    src: Source,
    entries: BTreeMap<u32, Entry>,
    /// Decoded object streams.
    object_streams: HashMap<u32, BTreeMap<ObjectId, Object>>,
    budget: u64,
    /// The catalog, never expanded by [`Loader::closure`] (a DocMDP
    /// reference's `/Data` points back at it).
    root: ObjectId,
    /// Nested reads (an indirect `/Length`, an object stream): bounded,
    /// so that objects naming each other cannot recurse without end.
    depth: u32,
    /// Streams whose payload was not read: (offset, length) in the file.
    pub(crate) on_disk: HashMap<ObjectId, (u64, u64)>,
    pub(crate) doc: Document,
}

impl Loader {
    /// Read the cross-reference data, the trailer, the catalog and what
    /// signing needs from it.
    pub(crate) fn open(mut src: Source, version: String) -> Result<Loader, PdfError> {
        let chain = xref_chain(&mut src)?;
        if chain.trailer.has(b"Encrypt") {
            return Err(PdfError::Encrypted);
        }
        let mut doc = Document::new();
        doc.version = version;
        doc.trailer = chain.trailer;
        let mut xref = Xref::new(0, chain.kind);
        for (&n, e) in &chain.entries {
            let e = match *e {
                Entry::Free => XrefEntry::Free,
                Entry::Normal { offset, generation } => XrefEntry::Normal {
                    offset: u32::try_from(offset).map_err(|_| PdfError::TooLarge)?,
                    generation,
                },
                Entry::Compressed { container, index } => {
                    XrefEntry::Compressed { container, index }
                }
            };
            xref.entries.insert(n, e);
        }
        let size = int(&doc.trailer, b"Size")
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let max_listed = chain.entries.keys().next_back().copied().unwrap_or(0);
        xref.size = size.max(max_listed + 1);
        doc.reference_table = xref;
        doc.max_id = size.max(1).saturating_sub(1).max(max_listed);
        doc.xref_start = usize::try_from(chain.start).map_err(|_| PdfError::TooLarge)?;
        let mut l = Loader {
            src,
            entries: chain.entries,
            object_streams: HashMap::new(),
            budget: KEEP_BUDGET,
            root: (0, 0),
            depth: 0,
            on_disk: HashMap::new(),
            doc,
        };
        let root = l
            .doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| PdfError::Malformed("no catalog".into()))?;
        l.root = root;
        l.load(root)?;
        let mut roots = Vec::new();
        if let Ok(Object::Dictionary(cat)) = l.doc.get_object(root) {
            for key in CATALOG_READ {
                if let Ok(v) = cat.get(key) {
                    references(v, &mut roots);
                }
            }
        }
        if let Ok(info) = l.doc.trailer.get(b"Info") {
            references(&info.clone(), &mut roots);
        }
        l.closure(roots)?;
        Ok(l)
    }

    /// Read object `id` (and, for a stream, its payload when kept) into
    /// the document, unless it is there already. A free or missing
    /// object is left out, as a null reference (§7.3.10).
    pub(crate) fn load(&mut self, id: ObjectId) -> Result<(), PdfError> {
        if self.doc.objects.contains_key(&id) {
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
        let object = match self.entries.get(&id.0).copied() {
            Some(Entry::Normal { offset, generation }) if generation == id.1 => {
                self.read_normal(id, offset)
            }
            Some(Entry::Compressed { container, .. }) if id.1 == 0 => {
                self.read_compressed(id, container)
            }
            _ => Ok(None),
        };
        self.depth -= 1;
        let object = object?;
        if let Some(o) = object {
            self.doc.objects.insert(id, o);
        }
        Ok(())
    }

    fn read_normal(&mut self, id: ObjectId, offset: u64) -> Result<Option<Object>, PdfError> {
        if offset >= self.src.len() {
            return Err(PdfError::BrokenXref);
        }
        let raw = read_raw(&mut self.src, offset).map_err(|_| PdfError::BrokenXref)?;
        if raw.id != id {
            return Err(PdfError::BrokenXref);
        }
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
        let len = payload_length(&mut self.src, start, declared).ok_or_else(|| {
            malformed(format!(
                "object {}: /Length does not end at endstream",
                id.0
            ))
        })?;
        let needed = s.dict.has_type(b"ObjStm") || s.dict.has_type(b"XRef");
        if needed && len > MAX_OBJECT as u64 {
            return Err(malformed(format!("object stream {} is too large", id.0)));
        }
        if needed || (!is_image(&s.dict) && len <= KEEP_PAYLOAD && len <= self.budget) {
            if !needed {
                self.budget -= len;
            }
            s.content = self.src.read(start, len as usize)?;
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
        if !self.object_streams.contains_key(&container) {
            let cid = (container, 0);
            let stream = match self.doc.objects.get(&cid) {
                Some(o) => o.clone(),
                None => match self.entries.get(&container).copied() {
                    Some(Entry::Normal { offset, .. }) => {
                        self.read_normal(cid, offset)?.ok_or_else(|| {
                            malformed(format!("object stream {container} is missing"))
                        })?
                    }
                    _ => return Err(malformed(format!("object stream {container} is missing"))),
                },
            };
            let Object::Stream(s) = stream else {
                return Err(malformed(format!(
                    "object {container} is not an object stream"
                )));
            };
            let os = ObjectStream::new_with_limit(&s, Some(MAX_DECODED))
                .map_err(|e| malformed(format!("object stream {container}: {e}")))?;
            let mine: BTreeMap<ObjectId, Object> = os
                .objects
                .into_iter()
                .filter(|(oid, _)| {
                    matches!(
                        self.entries.get(&oid.0),
                        Some(Entry::Compressed { container: c, .. }) if *c == container
                    )
                })
                .collect();
            self.object_streams.insert(container, mine);
        }
        Ok(self.object_streams[&container].get(&id).cloned())
    }

    /// Read `roots` and everything they refer to, except that page and
    /// page-tree nodes and the catalog are read without what they refer
    /// to (pages are read by [`Loader::page`]).
    pub(crate) fn closure(&mut self, roots: Vec<ObjectId>) -> Result<(), PdfError> {
        let mut todo = roots;
        let mut seen = std::collections::HashSet::new();
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
        Ok(page)
    }
}
