//! Revisions of a PDF (ISO 32000-1 §7.5.6): the original file and each
//! incremental update end with `%%EOF`. A revision's byte length is the
//! offset just after its `%%EOF` and the end-of-line marker that follows.
//!
//! A linearized file (Annex F) has a first-page section whose `%%EOF` is
//! not a revision of its own: the linearization dictionary's `/L` gives
//! the length of the original file, and no revision ends before it.
//!
//! [`Revisions`] reads a file for validation the way signing reads it
//! (`loader.rs`): from disk, object by object. Its revisions are found
//! from the cross-reference chain of the last `startxref` — each section
//! belongs to the revision whose `%%EOF` follows it — and each can be
//! looked at as a document of its own ([`Revision`]), objects read on
//! demand. [`Revisions::check_update`] says whether the bytes of an
//! update are a valid incremental update (every object in its
//! cross-reference section at the offset it gives, nothing unlisted, a
//! trailer chained to the revision before): lenient readers show what
//! strict ones hide, so anything else makes the signed view ambiguous.
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use lopdf::{Document, Object, ObjectId};

use crate::decode::Limits;
use crate::loader::{Loader, SharedFile};
use crate::source::{payload_length, read_raw, Backing, Source};
use crate::syntax::Parser;
use crate::xref::{startxref_before, Entry, Section};
use crate::PdfError;

/// Most `%%EOF` markers tried, from the end, to find a readable last
/// revision.
const MAX_EOF_TRIES: usize = 64;
/// How far after a cross-reference section its `%%EOF` is looked for.
const EOF_WINDOW: u64 = 64 * 1024;
/// Most objects parsed when checking one update.
const MAX_UPDATE_OBJECTS: usize = 1_000_000;

/// One revision of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionMark {
    /// 1-based, oldest first.
    pub number: usize,
    /// Where its bytes start (the end of the revision before it) and end
    /// (after its `%%EOF` and end of line).
    pub start: u64,
    pub end: u64,
    /// Its `startxref`: the offset of its newest cross-reference section.
    pub startxref: u64,
    /// Offsets of its own cross-reference sections, newest first.
    pub sections: Vec<u64>,
}

/// Why the bytes of an update are not a valid incremental update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateProblem {
    /// An object is in the update's bytes but not in its
    /// cross-reference section at that offset (appended without an xref).
    UnlistedObject { object: ObjectId, offset: u64 },
    /// The cross-reference section gives an offset where the object is
    /// not.
    OffsetMismatch { object: ObjectId, offset: u64 },
    /// The update's trailer points at no readable cross-reference table.
    BrokenTrailer { offset: u64 },
    /// The update's cross-reference data does not chain (`/Prev`) to the
    /// revision before it.
    NotChained { offset: u64 },
    /// Bytes that are neither objects, cross-reference data nor a trailer.
    Garbage { offset: u64 },
    /// Bytes after the last `%%EOF`.
    TrailingBytes { offset: u64, len: u64 },
    /// Too many objects to check.
    TooLarge,
}

impl UpdateProblem {
    /// Where in the file.
    pub fn offset(&self) -> Option<u64> {
        match self {
            UpdateProblem::UnlistedObject { offset, .. }
            | UpdateProblem::OffsetMismatch { offset, .. }
            | UpdateProblem::BrokenTrailer { offset }
            | UpdateProblem::NotChained { offset }
            | UpdateProblem::Garbage { offset }
            | UpdateProblem::TrailingBytes { offset, .. } => Some(*offset),
            UpdateProblem::TooLarge => None,
        }
    }
}

/// A PDF opened for validation.
pub struct Revisions {
    shared: SharedFile,
    len: u64,
    version: String,
    marks: Vec<RevisionMark>,
    /// Problems of the bytes after the last readable revision (a broken
    /// last trailer, bytes after the last `%%EOF`).
    tail: Vec<(u64, UpdateProblem)>,
}

impl std::fmt::Debug for Revisions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revisions")
            .field("len", &self.len)
            .field("marks", &self.marks)
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}

fn eol_after(src: &mut Source, p: u64) -> Result<u64, PdfError> {
    let mut end = p + 5;
    let after = src.read(end, 2)?;
    if after.first() == Some(&b'\r') {
        end += 1;
        if after.get(1) == Some(&b'\n') {
            end += 1;
        }
    } else if after.first() == Some(&b'\n') {
        end += 1;
    }
    Ok(end)
}

impl Revisions {
    /// Open `path` for validation (nothing but its cross-reference data
    /// is read now).
    pub fn open(path: &Path) -> Result<Revisions, PdfError> {
        Revisions::with(Source::new(File::open(path)?)?)
    }

    /// [`Revisions::open`] on bytes in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Revisions, PdfError> {
        Revisions::with(Source::with(Backing::Memory(Arc::from(bytes)))?)
    }

    fn with(mut src: Source) -> Result<Revisions, PdfError> {
        let len = src.len();
        let head = src.read(0, 1024)?;
        let Some(at) = head.windows(5).position(|w| w == b"%PDF-") else {
            return Err(PdfError::NotPdf);
        };
        let version: String = head[at + 5..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .map(|&c| c as char)
            .collect();
        // Whether `/L` really ends a revision is checked on the file below.
        let linearized = linearized_l(&head).map(|l| l as u64);
        let shared = SharedFile::new(src.reopen(), Limits::VERIFY);
        let mut tail = Vec::new();
        // The last `%%EOF` whose `startxref` reaches readable
        // cross-reference data ends the last revision.
        let mut before = len;
        let mut found = None;
        for _ in 0..MAX_EOF_TRIES {
            let Some(p) = src.rfind(b"%%EOF", before, before)? else {
                break;
            };
            let end = eol_after(&mut src, p)?;
            match startxref_before(&mut src, p).and_then(|x| Ok((x, shared.chain(x)?))) {
                Ok((x, chain)) => {
                    found = Some((end, x, chain));
                    break;
                }
                Err(PdfError::Io(e)) => return Err(PdfError::Io(e)),
                Err(_) => {
                    tail.push((p, UpdateProblem::BrokenTrailer { offset: p }));
                    before = p;
                }
            }
        }
        let Some((last_end, startxref, chain)) = found else {
            return Err(match tail.is_empty() {
                true => PdfError::Truncated,
                false => PdfError::BrokenXref,
            });
        };
        // Bytes after it that are not white space.
        let mut at = last_end;
        while at < len {
            let n = (len - at).min(64 * 1024) as usize;
            let chunk = src.read(at, n)?;
            if let Some(i) = chunk.iter().position(|c| !c.is_ascii_whitespace()) {
                let offset = at + i as u64;
                tail.push((
                    offset,
                    UpdateProblem::TrailingBytes {
                        offset,
                        len: len - offset,
                    },
                ));
                break;
            }
            at += n as u64;
        }
        tail.sort_by_key(|(o, _)| *o);
        tail.dedup();
        // Each section belongs to the revision whose `%%EOF` follows it.
        let mut groups: Vec<(u64, Vec<&Arc<Section>>)> = Vec::new();
        for s in &chain {
            let mut end = match src.find(b"%%EOF", s.end, EOF_WINDOW)? {
                Some(p) => eol_after(&mut src, p)?,
                None => last_end,
            };
            if let Some(l) = linearized {
                if end < l && is_end_at(&mut src, l)? {
                    end = l;
                }
            }
            end = end.min(last_end);
            match groups.last_mut() {
                Some((e, v)) if *e == end => v.push(s),
                _ => groups.push((end, vec![s])),
            }
        }
        groups.reverse();
        let mut marks: Vec<RevisionMark> = Vec::new();
        for (end, sections) in groups {
            let start = marks.last().map_or(0, |m| m.end);
            if end <= start {
                // A /Prev pointing forward (a linearized file's first-page
                // section, /Prev to the main section at the end): read as
                // one revision, whose newest section is this one.
                if let Some(m) = marks.last_mut() {
                    let mut all: Vec<u64> = sections.iter().map(|s| s.offset).collect();
                    all.append(&mut m.sections);
                    m.startxref = all[0];
                    m.sections = all;
                }
                continue;
            }
            marks.push(RevisionMark {
                number: marks.len() + 1,
                start,
                end,
                startxref: sections[0].offset,
                sections: sections.iter().map(|s| s.offset).collect(),
            });
        }
        // The last `startxref` may point at an older section (objects
        // appended, the trailer not updated): those bytes are no revision.
        if let Some(m) = marks.last() {
            if m.end < last_end {
                tail.insert(0, (m.end, UpdateProblem::BrokenTrailer { offset: m.end }));
            }
        }
        debug_assert!(marks
            .last()
            .is_none_or(|m| m.startxref == startxref || m.end < last_end));
        Ok(Revisions {
            shared,
            len,
            version,
            marks,
            tail,
        })
    }

    /// The file's length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty (never, for a readable PDF).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The revisions of the cross-reference chain, oldest first.
    pub fn marks(&self) -> &[RevisionMark] {
        &self.marks
    }

    /// What is wrong with the bytes after the last readable revision.
    pub fn tail_problems(&self) -> Vec<UpdateProblem> {
        self.tail.iter().map(|(_, p)| p.clone()).collect()
    }

    /// The revision ending at `end` (a `/ByteRange` end, which may stop
    /// before the end of line after `%%EOF`).
    pub fn mark_ending_at(&self, end: u64) -> Option<&RevisionMark> {
        self.marks
            .iter()
            .find(|m| m.end >= end && m.end - end <= 2 && m.end.saturating_sub(2) <= end)
    }

    /// The revision whose `startxref` is the last one before `end`, as a
    /// document: the last revision ([`Revisions::last`]) or one that a
    /// signature's `/ByteRange` ends, whether the chain holds it or not.
    pub fn revision_ending_at(&self, end: u64) -> Result<Revision, PdfError> {
        let x = {
            let mut g = self.shared.lock();
            let p = g.src.rfind(b"%%EOF", end, 64)?.ok_or(PdfError::Truncated)?;
            startxref_before(&mut g.src, p)?
        };
        self.revision_at(x)
    }

    /// The revision whose newest cross-reference section is at
    /// `startxref`.
    pub fn revision_at(&self, startxref: u64) -> Result<Revision, PdfError> {
        let mut loader = Loader::at(self.shared.clone(), startxref, true)?;
        loader.doc.version = self.version.clone();
        Ok(Revision { loader })
    }

    /// The document as a whole: its last readable revision.
    pub fn last(&self) -> Result<Revision, PdfError> {
        let m = self.marks.last().ok_or(PdfError::BrokenXref)?;
        self.revision_at(m.startxref)
    }

    /// Up to `n` bytes at `offset`.
    pub fn read(&self, offset: u64, n: usize) -> Result<Vec<u8>, PdfError> {
        self.shared.read(offset, n)
    }

    /// Feed the bytes of `ranges` (offset, length), in order, to `f`, in
    /// chunks read from disk.
    pub fn feed(&self, ranges: &[(u64, u64)], mut f: impl FnMut(&[u8])) -> Result<(), PdfError> {
        // A reader of its own: the chunks bypass the shared block cache.
        let mut src = self.shared.lock().src.reopen();
        for &(o, l) in ranges {
            src.chunks(o, l, &mut f)?;
        }
        Ok(())
    }

    /// Whether `offset` is the end of a revision: just after a `%%EOF`,
    /// optionally followed by one end-of-line marker.
    pub fn is_revision_end(&self, offset: u64) -> Result<bool, PdfError> {
        let mut g = self.shared.lock();
        is_end_at(&mut g.src, offset)
    }

    /// The offset of the first `needle` at or after `from`, at most
    /// `limit` bytes on.
    pub fn find(&self, needle: &[u8], from: u64, limit: u64) -> Result<Option<u64>, PdfError> {
        self.shared.lock().src.find(needle, from, limit)
    }

    /// Decoded bytes the file's budget still allows.
    pub fn decode_budget_left(&self) -> usize {
        self.shared.lock().budget.left()
    }

    /// Check the bytes of revision `cur` (the update after `prev`): see
    /// [`UpdateProblem`]. Empty when it is a valid incremental update.
    pub fn check_update(
        &self,
        prev: &RevisionMark,
        cur: &RevisionMark,
    ) -> Result<Vec<UpdateProblem>, PdfError> {
        let mut out = Vec::new();
        let chain = self.shared.chain(cur.startxref)?;
        let own: Vec<&Arc<Section>> = chain
            .iter()
            .take_while(|s| cur.sections.contains(&s.offset))
            .collect();
        let oldest = own.last().map(|s| s.prev);
        if oldest != Some(Some(prev.startxref)) {
            out.push(UpdateProblem::NotChained {
                offset: cur.startxref,
            });
        }
        let listed = |num: u32| own.iter().find_map(|s| s.entries.get(&num).copied());
        let mut src = self.shared.lock().src.reopen();
        let mut seen: std::collections::HashSet<(u32, u64)> = Default::default();
        let mut at = prev.end;
        let mut objects = 0usize;
        while at < cur.end {
            let window = src.read(at, 4096.min((cur.end - at) as usize))?;
            let white = window
                .iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0'))
                .count();
            if white > 0 {
                at += white as u64;
                continue;
            }
            if window.first() == Some(&b'%') {
                // A comment (`%%EOF` too), to the end of its line.
                let mut chunk = window;
                loop {
                    if let Some(i) = chunk.iter().position(|c| *c == b'\r' || *c == b'\n') {
                        at += i as u64;
                        break;
                    }
                    at += chunk.len() as u64;
                    if at >= cur.end || chunk.is_empty() {
                        break;
                    }
                    chunk = src.read(at, 4096.min((cur.end - at) as usize))?;
                }
                continue;
            }
            let rest = &window[..];
            if rest.starts_with(b"xref") {
                match own.iter().find(|s| s.offset == at) {
                    Some(s) => at = s.end,
                    None => {
                        out.push(UpdateProblem::Garbage { offset: at });
                        break;
                    }
                }
            } else if rest.starts_with(b"startxref") {
                let mut q = Parser::new(&rest[9..], true);
                match q.unsigned() {
                    Ok(x) if x == cur.startxref => at += 9 + q.pos as u64,
                    Ok(_) => {
                        out.push(UpdateProblem::BrokenTrailer { offset: at });
                        break;
                    }
                    Err(_) => {
                        out.push(UpdateProblem::Garbage { offset: at });
                        break;
                    }
                }
            } else if rest.first().is_some_and(u8::is_ascii_digit) {
                objects += 1;
                if objects > MAX_UPDATE_OBJECTS {
                    out.push(UpdateProblem::TooLarge);
                    break;
                }
                let Ok(raw) = read_raw(&mut src, at) else {
                    out.push(UpdateProblem::Garbage { offset: at });
                    break;
                };
                let here = at;
                let mut end = raw.end;
                // The update's own cross-reference stream: pypdf (and ISO
                // 32000, which does not ask for it) leaves it out of its
                // own /Index.
                let mut is_section = false;
                if let (Some(start), Object::Stream(s)) = (raw.payload, &raw.object) {
                    // An indirect /Length: the update's own object, or an
                    // earlier one (read through the chain).
                    let declared = match s.dict.get(b"Length") {
                        Ok(Object::Reference(r)) => {
                            self.revision_at(cur.startxref).ok().and_then(|mut rev| {
                                rev.object(*r).ok().flatten().and_then(|o| o.as_i64().ok())
                            })
                        }
                        Ok(o) => o.as_i64().ok(),
                        Err(_) => None,
                    };
                    let Some(len) = declared
                        .and_then(|d| u64::try_from(d).ok())
                        .and_then(|d| payload_length(&mut src, start, d))
                    else {
                        out.push(UpdateProblem::Garbage { offset: here });
                        break;
                    };
                    end = start + len;
                    let after = src.read(end, 64)?;
                    let mut q = Parser::new(&after, true);
                    if q.keyword(b"endstream").is_err() {
                        out.push(UpdateProblem::Garbage { offset: end });
                        break;
                    }
                    end += q.pos as u64;
                    // A cross-reference stream is its section.
                    if s.dict.has_type(b"XRef") && own.iter().any(|x| x.offset == here) {
                        seen.insert((raw.id.0, here));
                        is_section = true;
                    }
                }
                let after = src.read(end, 64)?;
                let mut q = Parser::new(&after, true);
                if q.keyword(b"endobj").is_ok() {
                    end += q.pos as u64;
                }
                match listed(raw.id.0) {
                    Some(Entry::Normal { offset, generation })
                        if offset == here && generation == raw.id.1 =>
                    {
                        seen.insert((raw.id.0, here));
                    }
                    _ if is_section => {}
                    _ => out.push(UpdateProblem::UnlistedObject {
                        object: raw.id,
                        offset: here,
                    }),
                }
                at = end;
            } else {
                out.push(UpdateProblem::Garbage { offset: at });
                break;
            }
        }
        // Every in-use entry of the update points at its object.
        for s in &own {
            for (&num, e) in &s.entries {
                let Entry::Normal { offset, generation } = *e else {
                    continue;
                };
                if seen.contains(&(num, offset)) {
                    continue;
                }
                let ok = read_raw(&mut src, offset)
                    .map(|r| r.id == (num, generation))
                    .unwrap_or(false);
                if !ok {
                    out.push(UpdateProblem::OffsetMismatch {
                        object: (num, generation),
                        offset,
                    });
                }
            }
        }
        out.sort_by_key(|p| p.offset());
        out.dedup();
        Ok(out)
    }
}

fn is_end_at(src: &mut Source, offset: u64) -> Result<bool, PdfError> {
    if offset > src.len() || offset < 5 {
        return Ok(false);
    }
    let from = offset.saturating_sub(7);
    let head = src.read(from, (offset - from) as usize)?;
    Ok(head.ends_with(b"%%EOF")
        || head.ends_with(b"%%EOF\n")
        || head.ends_with(b"%%EOF\r\n")
        || head.ends_with(b"%%EOF\r"))
}

/// One revision as a document, objects read on demand (through the
/// file's bounded decoder). Objects listed but unreadable are absent
/// from [`Revision::document`] and listed by [`Revision::broken`].
pub struct Revision {
    loader: Loader,
}

impl std::fmt::Debug for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revision")
            .field("startxref", &self.loader.doc.xref_start)
            .finish_non_exhaustive()
    }
}

impl Revision {
    /// The objects read so far.
    pub fn document(&self) -> &Document {
        &self.loader.doc
    }

    /// Read the catalog and what validation needs from it: the form with
    /// its fields, widgets and signature dictionaries, permissions, the
    /// DSS (payloads kept or left on disk), metadata, the document
    /// information dictionary.
    pub fn load_catalog(&mut self) -> Result<(), PdfError> {
        self.loader.load_catalog()
    }

    /// Object `id` (read now if needed); None when free, missing or
    /// unreadable.
    pub fn object(&mut self, id: ObjectId) -> Result<Option<&Object>, PdfError> {
        self.loader.get(id)
    }

    /// Whether object `id` is listed but cannot be read, and why.
    pub fn broken(&self, id: ObjectId) -> Option<&str> {
        self.loader.broken.get(&id).map(String::as_str)
    }

    /// Whether object number `num` is in use in this revision (listed and
    /// not free).
    pub fn in_use(&self, num: u32) -> bool {
        matches!(
            self.loader.entry(num),
            Some(Entry::Normal { .. } | Entry::Compressed { .. })
        )
    }

    /// The id object number `num` has in this revision (None when free
    /// or missing).
    pub fn object_id(&self, num: u32) -> Option<ObjectId> {
        match self.loader.entry(num)? {
            Entry::Normal { generation, .. } => Some((num, generation)),
            Entry::Compressed { .. } => Some((num, 0)),
            Entry::Free => None,
        }
    }

    /// Which of the object numbers `targets` some object of this revision
    /// refers to. Every object in use is read once (not kept): the cost
    /// of the whole file, paid only when an update defines objects that
    /// no rule explains.
    pub fn references_to(
        &mut self,
        targets: &std::collections::HashSet<u32>,
    ) -> Result<std::collections::HashSet<u32>, PdfError> {
        let mut found = std::collections::HashSet::new();
        let mut nums: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for s in self.loader.chain() {
            for n in s.entries.keys() {
                if seen.insert(*n) {
                    nums.push(*n);
                }
            }
        }
        let mut refs = Vec::new();
        let trailer = Object::Dictionary(self.loader.doc.trailer.clone());
        crate::loader::references(&trailer, &mut refs);
        for n in nums {
            if found.len() == targets.len() {
                break;
            }
            let Some(id) = self.object_id(n) else {
                continue;
            };
            if let Some(o) = self.loader.peek(id)? {
                crate::loader::references(&o, &mut refs);
            }
            for r in refs.drain(..) {
                if targets.contains(&r.0) {
                    found.insert(r.0);
                }
            }
        }
        Ok(found)
    }

    /// The offset of `id` when it is an uncompressed object of this
    /// revision.
    pub fn object_offset(&self, id: ObjectId) -> Option<u64> {
        match self.loader.entry(id.0)? {
            Entry::Normal { offset, generation } if generation == id.1 => Some(offset),
            _ => None,
        }
    }

    /// The object numbers this revision's own sections list (changed,
    /// added or freed by its update), given the offsets of those sections.
    pub fn listed_in(&self, sections: &[u64]) -> Vec<(u32, bool)> {
        let mut out: Vec<(u32, bool)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for s in self
            .loader
            .chain()
            .iter()
            .filter(|s| sections.contains(&s.offset))
        {
            for (&n, e) in &s.entries {
                if seen.insert(n) {
                    out.push((n, !matches!(e, Entry::Free)));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The trailer as written in the newest section.
    pub fn trailer(&self) -> &lopdf::Dictionary {
        &self.loader.chain()[0].trailer
    }

    /// The decoded data of stream `id` (read now if needed), within the
    /// file's budget, at most `cap` bytes.
    pub fn stream_decoded(&mut self, id: ObjectId, cap: usize) -> Result<Vec<u8>, PdfError> {
        self.loader.load(id)?;
        self.loader.stream_decoded(id, cap)
    }

    /// The raw payload of stream `id`, at most `max` bytes.
    pub fn stream_data(&mut self, id: ObjectId, max: u64) -> Result<Vec<u8>, PdfError> {
        self.loader.load(id)?;
        self.loader.stream_data(id, max)
    }

    /// The material of the DSS (certificates, OCSP responses, CRLs),
    /// decoded within the file's budget; unreadable items are left out.
    pub fn dss(&mut self) -> Result<crate::DssMaterial, PdfError> {
        self.loader.load_catalog()?;
        let ids = crate::dss::dss_streams_on_disk(&self.loader.doc, |id| {
            self.loader.on_disk.contains_key(&id)
        });
        for id in ids {
            let data = match self
                .loader
                .stream_data(id, crate::source::MAX_OBJECT as u64)
            {
                Ok(d) => d,
                Err(PdfError::Io(e)) => return Err(PdfError::Io(e)),
                Err(_) => continue,
            };
            if let Ok(Object::Stream(s)) = self.loader.doc.get_object_mut(id) {
                s.content = data;
            }
            self.loader.on_disk.remove(&id);
        }
        let shared = self.loader.shared().clone();
        let mut g = shared.lock();
        Ok(crate::dss::read_dss(&self.loader.doc, &mut g.budget))
    }

    /// Read page object `page` with its content streams and resources
    /// (inherited ones from the nodes `path` above it).
    pub(crate) fn load_page_content(
        &mut self,
        path: &[ObjectId],
        page: ObjectId,
    ) -> Result<(), PdfError> {
        self.loader.page_parts(path, page, true)
    }
}

/// At most this many revisions are read.
pub const MAX_REVISIONS: usize = 10_000;

/// The end offsets (byte lengths) of every revision, ascending. The last
/// one is the file length when the file ends with `%%EOF` (and an EOL).
pub fn revision_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let first = linearized_length(bytes).unwrap_or(0);
    let mut i = 0;
    while let Some(p) = find_from(bytes, b"%%EOF", i) {
        let mut end = p + 5;
        if bytes.get(end) == Some(&b'\r') {
            end += 1;
        }
        if bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        if end >= first {
            ends.push(end);
        }
        if ends.len() >= MAX_REVISIONS {
            break;
        }
        i = p + 5;
    }
    ends
}

/// The `/L` (file length) of the linearization dictionary, when the file
/// starts with one and that length ends a revision.
fn linearized_length(bytes: &[u8]) -> Option<usize> {
    linearized_l(bytes).filter(|l| is_revision_end(bytes, *l))
}

/// The `/L` of the linearization dictionary in the first 1024 bytes of
/// `head`, unchecked.
fn linearized_l(head: &[u8]) -> Option<usize> {
    let head = &head[..head.len().min(1024)];
    let at = find_from(head, b"/Linearized", 0)?;
    // The dictionary around it: from the `<<` before to the `>>` after.
    let start = head[..at].windows(2).rposition(|w| w == b"<<")?;
    let end = find_from(head, b">>", at)?;
    let dict = &head[start..end];
    let mut i = 0;
    while let Some(p) = find_from(dict, b"/L", i) {
        i = p + 2;
        // `/L` itself, not `/Linearized`: a delimiter or space follows.
        let rest = &dict[i..];
        if !rest.first().is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        let digits: Vec<u8> = rest
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take_while(|b| b.is_ascii_digit())
            .copied()
            .collect();
        return std::str::from_utf8(&digits).ok()?.parse().ok();
    }
    None
}

/// Whether `offset` is the end of a revision: just after a `%%EOF`,
/// optionally followed by one end-of-line marker.
pub fn is_revision_end(bytes: &[u8], offset: usize) -> bool {
    if offset > bytes.len() {
        return false;
    }
    let head = &bytes[..offset];
    head.ends_with(b"%%EOF")
        || head.ends_with(b"%%EOF\n")
        || head.ends_with(b"%%EOF\r\n")
        || head.ends_with(b"%%EOF\r")
}

pub(crate) fn find_from(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::rules::testing::{append, base_pdf};

    fn problems_of_last(bytes: &[u8]) -> (Revisions, Vec<UpdateProblem>) {
        let r = Revisions::from_bytes(bytes).unwrap();
        let m = r.marks().to_vec();
        let p = r.check_update(&m[m.len() - 2], &m[m.len() - 1]).unwrap();
        (r, p)
    }

    #[test]
    fn revisions_are_found_from_the_cross_reference_chain() {
        let one = base_pdf();
        let two = append(&one, &["12 0 obj << /A 1 >> endobj"], "");
        let three = append(&two, &["13 0 obj << /B 2 >> endobj"], "");
        let r = Revisions::from_bytes(&three).unwrap();
        let ends: Vec<u64> = r.marks().iter().map(|m| m.end).collect();
        assert_eq!(
            ends,
            vec![one.len() as u64, two.len() as u64, three.len() as u64]
        );
        assert_eq!(r.marks()[1].start, one.len() as u64);
        assert!(r.tail_problems().is_empty());
        let (_, p) = problems_of_last(&three);
        assert!(p.is_empty(), "{p:?}");
        // An update in the middle is checked up to its own end, comments
        // and all.
        let m = r.marks();
        assert!(r.check_update(&m[0], &m[1]).unwrap().is_empty());
        let mut commented = two.clone();
        commented.extend_from_slice(b"% a comment longer than one read window ");
        commented.extend_from_slice(&[b'x'; 5000]);
        commented.push(b'\n');
        let four = append(&commented, &["13 0 obj << /B 2 >> endobj"], "");
        let (_, p) = problems_of_last(&four);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(r.mark_ending_at(two.len() as u64 - 1).unwrap().number, 2);
        let mut last = r.last().unwrap();
        assert!(last.object((13, 0)).unwrap().is_some());
        let mut second = r.revision_ending_at(two.len() as u64).unwrap();
        assert!(second.object((13, 0)).unwrap().is_none());
        assert!(second.object((12, 0)).unwrap().is_some());
    }

    #[test]
    fn an_update_whose_cross_reference_stream_does_not_list_itself_is_valid() {
        // pypdf's incremental writer: a cross-reference stream whose
        // /Index names the update's objects but not the stream itself.
        let one = base_pdf();
        let r = Revisions::from_bytes(&one).unwrap();
        let prev = r.marks().last().unwrap().startxref;
        let root = match r.last().unwrap().trailer().get(b"Root") {
            Ok(Object::Reference((n, g))) => format!("{n} {g} R"),
            o => panic!("{o:?}"),
        };
        let mut out = one.clone();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let obj = out.len() as u32;
        out.extend_from_slice(b"12 0 obj << /A 1 >> endobj\n");
        let xref = out.len();
        let mut row = vec![1u8];
        row.extend_from_slice(&obj.to_be_bytes());
        row.push(0);
        out.extend_from_slice(
            format!(
                "13 0 obj << /Type /XRef /Size 14 /Index [12 1] /W [1 4 1] /Prev {prev} /Root {root} /Length {} >>\nstream\n",
                row.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&row);
        out.extend_from_slice(
            format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        let (r, p) = problems_of_last(&out);
        assert!(p.is_empty(), "{p:?}");
        assert!(r.tail_problems().is_empty());
        let mut last = r.last().unwrap();
        assert!(last.object((12, 0)).unwrap().is_some());
    }

    #[test]
    fn objects_appended_without_a_cross_reference_section_are_found() {
        let two = append(&base_pdf(), &["12 0 obj << /A 1 >> endobj"], "");
        // An object written after the last %%EOF: no revision at all.
        let mut bad = two.clone();
        bad.extend_from_slice(b"3 0 obj << /Type /Page >> endobj\n");
        let r = Revisions::from_bytes(&bad).unwrap();
        assert!(matches!(
            r.tail_problems()[..],
            [UpdateProblem::TrailingBytes { .. }]
        ));
        // An object inside an update that its section does not list.
        let mut with_extra = two.clone();
        let at = with_extra.len();
        let update = append(&with_extra, &["13 0 obj << /B 2 >> endobj"], "");
        let mut sneaky = update[..at].to_vec();
        sneaky.extend_from_slice(b"3 0 obj << /Type /Page /Contents 99 0 R >> endobj\n");
        let delta = sneaky.len() - at;
        // Shift the update's own offsets by the inserted bytes.
        let rest = String::from_utf8(update[at..].to_vec()).unwrap();
        let rest = shift_offsets(&rest, at, delta);
        sneaky.extend_from_slice(rest.as_bytes());
        with_extra = sneaky;
        let (_, p) = problems_of_last(&with_extra);
        assert!(
            p.iter()
                .any(|x| matches!(x, UpdateProblem::UnlistedObject { object: (3, 0), .. })),
            "{p:?}"
        );
    }

    /// `text` (an update section written at `at`) with every offset ≥ `at`
    /// moved by `delta`.
    fn shift_offsets(text: &str, at: usize, delta: usize) -> String {
        let mut out = String::new();
        let mut after_startxref = false;
        for l in text.split_inclusive('\n') {
            let t = l.trim_end();
            if after_startxref {
                out.push_str(&format!("{}\n", t.parse::<usize>().unwrap() + delta));
                after_startxref = false;
                continue;
            }
            if t == "startxref" {
                after_startxref = true;
            }
            let parts: Vec<&str> = t.split(' ').collect();
            if parts.len() == 3 && parts[0].len() == 10 && parts[2] == "n" {
                let o: usize = parts[0].parse().unwrap();
                let o = if o >= at { o + delta } else { o };
                out.push_str(&format!("{o:010} {} n \n", parts[1]));
                continue;
            }
            out.push_str(l);
        }
        out
    }

    #[test]
    fn wrong_offsets_and_broken_trailers_are_problems() {
        let one = base_pdf();
        let two = append(&one, &["12 0 obj << /A 1 >> endobj"], "");
        // The update's offset for object 12 points elsewhere.
        let row = format!("{:010} 00000 n", one.len());
        let at = two
            .windows(row.len())
            .rposition(|w| w == row.as_bytes())
            .unwrap();
        let mut bad = two.clone();
        bad[at..at + 10].copy_from_slice(format!("{:010}", one.len() + 3).as_bytes());
        let (_, p) = problems_of_last(&bad);
        assert!(
            p.iter().any(|x| matches!(
                x,
                UpdateProblem::OffsetMismatch {
                    object: (12, 0),
                    ..
                }
            )),
            "{p:?}"
        );
        // A last update whose startxref points at no table: the file is
        // read up to the revision before, the rest reported.
        let mut broken = two.clone();
        broken.extend_from_slice(b"13 0 obj << /B 2 >> endobj\nstartxref\n5\n%%EOF\n");
        let r = Revisions::from_bytes(&broken).unwrap();
        assert_eq!(r.marks().len(), 2);
        assert!(
            r.tail_problems()
                .iter()
                .any(|x| matches!(x, UpdateProblem::BrokenTrailer { .. })),
            "{:?}",
            r.tail_problems()
        );
        // An update whose trailer points back at the previous section:
        // its objects are in no cross-reference section.
        let prev_xref = {
            let t = String::from_utf8_lossy(&two);
            let p = t.rfind("startxref").unwrap();
            t[p + 9..].split_whitespace().next().unwrap().to_string()
        };
        let mut stale = two.clone();
        stale.extend_from_slice(
            format!("13 0 obj << /B 2 >> endobj\nstartxref\n{prev_xref}\n%%EOF\n").as_bytes(),
        );
        let r = Revisions::from_bytes(&stale).unwrap();
        assert_eq!(r.marks().last().unwrap().end, two.len() as u64);
        assert!(!r.tail_problems().is_empty(), "{r:?}");
    }

    #[test]
    fn a_linearized_first_page_section_is_not_a_revision() {
        let mut f = b"%PDF-1.7\n1 0 obj\n<</Linearized 1/L 0000/H[1 2]/O 3/E 4/N 1/T 5>>\nendobj\nxref\ntrailer<<>>\nstartxref\n0\n%%EOF\nbody xref trailer startxref 9\n%%EOF\n".to_vec();
        let len = f.len();
        let l = format!("{len:04}");
        let at = f.windows(6).position(|w| w == b"/L 000").unwrap() + 3;
        f[at..at + 4].copy_from_slice(l.as_bytes());
        assert_eq!(revision_ends(&f), vec![len]);
        // An update after it is a revision; a wrong /L changes nothing.
        f.extend_from_slice(b"update%%EOF\n");
        assert_eq!(revision_ends(&f), vec![len, f.len()]);
        f[at..at + 4].copy_from_slice(b"0007");
        assert_eq!(revision_ends(&f).len(), 3);
    }

    /// A linearized file as producers write it (Annex F): the first-page
    /// section at the start with `/Prev` to the main section at the end,
    /// the last `startxref` pointing back at the first-page section, `/L`
    /// beyond the first 1024 bytes. Found on a DSS test file (TeleSec).
    fn linearized(l: Option<u64>) -> Vec<u8> {
        let padding = "%".repeat(1500);
        let build = |offs: &[usize; 6], main: usize, first: usize, l: u64| -> Vec<u8> {
            let mut f = b"%PDF-1.7\n".to_vec();
            f.extend(format!("1 0 obj\n<</Linearized 1/L {l:010}/N 1>>\nendobj\n").bytes());
            f.extend(
                format!(
                    "xref\n1 3\n{:010} 00000 n \n{:010} 00000 n \n{:010} 00000 n \n",
                    offs[1], offs[2], offs[3]
                )
                .bytes(),
            );
            f.extend(
                format!("trailer\n<</Size 6/Root 2 0 R/Prev {main:010}>>\nstartxref\n0\n%%EOF\n")
                    .bytes(),
            );
            f.extend(b"2 0 obj\n<</Type/Catalog/Pages 3 0 R>>\nendobj\n");
            f.extend(b"3 0 obj\n<</Type/Pages/Kids[4 0 R]/Count 1>>\nendobj\n");
            f.extend(b"4 0 obj\n<</Type/Page/Parent 3 0 R/MediaBox[0 0 612 792]/Contents 5 0 R>>\nendobj\n");
            f.extend(
                format!(
                    "5 0 obj\n<</Length {}>>stream\n{padding}\nendstream\nendobj\n",
                    padding.len()
                )
                .bytes(),
            );
            f.extend(
                format!(
                    "xref\n0 1\n0000000000 65535 f \n4 2\n{:010} 00000 n \n{:010} 00000 n \n",
                    offs[4], offs[5]
                )
                .bytes(),
            );
            f.extend(format!("trailer\n<</Size 6>>\nstartxref\n{first}\n%%EOF\n").bytes());
            f
        };
        let find = |f: &[u8], s: &[u8]| f.windows(s.len()).position(|w| w == s).unwrap();
        let mut f = build(&[0; 6], 0, 0, 0);
        for _ in 0..2 {
            let mut offs = [0; 6];
            for (n, o) in offs.iter_mut().enumerate().skip(1) {
                *o = find(&f, format!("\n{n} 0 obj").as_bytes()) + 1;
            }
            let first = find(&f, b"xref\n1 3");
            let main = find(&f, b"xref\n0 1");
            f = build(&offs, main, first, l.unwrap_or(f.len() as u64));
        }
        f
    }

    #[test]
    fn a_linearized_file_is_one_revision_read_from_its_first_page_section() {
        // /L right (the first-page section's %%EOF ends nothing), or
        // wrong (then the forward /Prev joins the sections).
        for l in [None, Some(7)] {
            let f = linearized(l);
            assert!(f.len() > 1024);
            let first = f.windows(8).position(|w| w == b"xref\n1 3").unwrap() as u64;
            let r = Revisions::from_bytes(&f).unwrap();
            assert_eq!(r.marks().len(), 1, "{l:?} {r:?}");
            let m = &r.marks()[0];
            assert_eq!((m.startxref, m.end), (first, f.len() as u64), "{l:?}");
            assert_eq!(m.sections.len(), 2);
            let mut last = r.last().unwrap();
            last.load_catalog().unwrap();
            assert!(last.object((4, 0)).unwrap().is_some(), "{l:?}");
            // An update after it is a second revision.
            let two = append(&f, &["6 0 obj << /A 1 >> endobj"], "");
            let r = Revisions::from_bytes(&two).unwrap();
            assert_eq!(r.marks().len(), 2, "{l:?} {r:?}");
            assert!(problems_of_last(&two).1.is_empty(), "{l:?}");
        }
    }

    #[test]
    fn ends_of_revisions() {
        let f = b"%PDF-1.7\n...%%EOF\nmore%%EOF\r\nx%%EOF";
        let e = revision_ends(f);
        assert_eq!(e, vec![18, 29, f.len()]);
        assert!(is_revision_end(f, 18));
        assert!(is_revision_end(f, 17));
        assert!(!is_revision_end(f, 19));
        assert!(!is_revision_end(f, 1000));
    }
}
