//! Cross-reference data (ISO 32000-1 §7.5.4, §7.5.8): one section at an
//! offset — a classic table with its trailer, a cross-reference stream,
//! or a hybrid (a table whose `/XRefStm` holds the compressed objects) —
//! and the chain of sections a `startxref` reaches through `/Prev`. Every
//! section is parsed once per file (a [`SectionCache`]), so the revisions
//! of a many-times-signed document share them.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use lopdf::xref::XrefType;
use lopdf::{Dictionary, Object};

use crate::decode::Budget;
use crate::source::{malformed, read_raw, Source, MAX_OBJECT};
use crate::syntax::{Parser, SyntaxError};
use crate::PdfError;

/// Most cross-reference sections followed through `/Prev`.
pub(crate) const MAX_SECTIONS: usize = 10_000;
/// Most objects listed.
const MAX_OBJECTS: u64 = 10_000_000;

/// A hasher for object numbers: a multiply, not SipHash (the numbers
/// come from the file, but a table only ever holds what the file lists,
/// at most [`MAX_OBJECTS`], so collisions cost time in proportion to the
/// file, never memory).
#[derive(Default, Clone, Copy)]
pub(crate) struct NumHasher(u64);

impl std::hash::Hasher for NumHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (u64::from(n) ^ self.0)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
}

/// Object number → entry.
pub(crate) type Entries = HashMap<u32, Entry, std::hash::BuildHasherDefault<NumHasher>>;

/// Where an object of the cross-reference data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Free,
    Normal { offset: u64, generation: u16 },
    Compressed { container: u32, index: u16 },
}

/// One section as parsed.
#[derive(Debug)]
pub(crate) struct Section {
    /// Where it starts (the `startxref` or `/Prev` value).
    pub(crate) offset: u64,
    pub(crate) entries: Entries,
    /// The highest object number listed.
    pub(crate) max_num: u32,
    /// Its trailer (the stream dictionary of a cross-reference stream),
    /// as written.
    pub(crate) trailer: Dictionary,
    pub(crate) kind: XrefType,
    /// Where the table's trailer or the stream object ends.
    pub(crate) end: u64,
    /// `/Prev`, when there is one.
    pub(crate) prev: Option<u64>,
}

fn int(d: &Dictionary, key: &[u8]) -> Option<i64> {
    d.get(key).ok().and_then(|o| o.as_i64().ok())
}

/// A classic `xref` table section and its trailer; returns the trailer
/// and where it ends.
fn table_section(
    src: &mut Source,
    offset: u64,
    entries: &mut Entries,
) -> Result<(Dictionary, u64), PdfError> {
    let ((rows, trailer), used) = src.parse_at(offset, "cross-reference table", |p| {
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
    entries.reserve(rows.len());
    for (num, off, gen, kind) in rows {
        let e = match kind {
            b'n' => Entry::Normal {
                offset: off,
                generation: u16::try_from(gen).map_err(|_| PdfError::BrokenXref)?,
            },
            _ => Entry::Free,
        };
        // The first row for a number wins within a section.
        entries.entry(num).or_insert(e);
    }
    Ok((trailer, offset + used as u64))
}

/// A cross-reference stream section (§7.5.8); returns its dictionary and
/// where its object ends.
fn stream_section(
    src: &mut Source,
    offset: u64,
    entries: &mut Entries,
    budget: &mut Budget,
) -> Result<(Dictionary, u64), PdfError> {
    let raw = read_raw(src, offset)?;
    let lopdf::Object::Stream(s) = &raw.object else {
        return Err(PdfError::BrokenXref);
    };
    if !s.dict.has_type(b"XRef") {
        return Err(PdfError::BrokenXref);
    }
    let start = raw.payload.unwrap_or(0);
    let len = int(&s.dict, b"Length")
        .and_then(|l| usize::try_from(l).ok())
        .ok_or_else(|| malformed("cross-reference stream: no direct /Length"))?;
    if len > MAX_OBJECT || start + len as u64 > src.len() {
        return Err(malformed("cross-reference stream: bad /Length"));
    }
    let mut stream = lopdf::Stream::new(s.dict.clone(), src.read(start, len)?);
    stream.allows_compression = true;
    let end = start + len as u64;
    let data = budget
        .decode(&stream)
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
    entries.reserve((data.len() / row.max(1)).min(MAX_OBJECTS as usize));
    let field = |bytes: &[u8]| bytes.iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
    let mut at = 0usize;
    for pair in index.chunks(2) {
        let [start, count] = pair else {
            return Err(PdfError::BrokenXref);
        };
        if *start < 0 || *count < 0 || start.saturating_add(*count) as u64 > MAX_OBJECTS {
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
    Ok((stream.dict, end))
}

/// Parse the section at `offset`.
pub(crate) fn section(
    src: &mut Source,
    offset: u64,
    budget: &mut Budget,
) -> Result<Section, PdfError> {
    if offset >= src.len() {
        return Err(PdfError::BrokenXref);
    }
    let head = src.read(offset, 64)?;
    let first = head
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(0);
    let mut entries = Entries::default();
    let (trailer, kind, end) = if head[first..].starts_with(b"xref") {
        let (t, end) = table_section(src, offset + first as u64, &mut entries)
            .map_err(|_| PdfError::BrokenXref)?;
        // A hybrid file: the stream holds the compressed objects.
        if let Some(x) = int(&t, b"XRefStm") {
            let x = u64::try_from(x).map_err(|_| PdfError::BrokenXref)?;
            let mut extra = Entries::default();
            stream_section(src, x, &mut extra, budget)?;
            for (k, v) in extra {
                match entries.get(&k) {
                    None | Some(Entry::Free) => {
                        entries.insert(k, v);
                    }
                    _ => {}
                }
            }
        }
        (t, XrefType::CrossReferenceTable, end)
    } else {
        let (t, end) = stream_section(src, offset, &mut entries, budget).map_err(|e| match e {
            PdfError::Io(e) => PdfError::Io(e),
            PdfError::DecodeLimit(n) => PdfError::DecodeLimit(n),
            _ => PdfError::BrokenXref,
        })?;
        (t, XrefType::CrossReferenceStream, end)
    };
    let prev = match trailer.get(b"Prev") {
        Ok(o) => Some(
            o.as_i64()
                .ok()
                .and_then(|p| u64::try_from(p).ok())
                .ok_or(PdfError::BrokenXref)?,
        ),
        Err(_) => None,
    };
    let max_num = entries.keys().max().copied().unwrap_or(0);
    Ok(Section {
        offset,
        max_num,
        entries,
        trailer,
        kind,
        end,
        prev,
    })
}

/// Sections already parsed, by offset.
#[derive(Default)]
pub(crate) struct SectionCache {
    sections: HashMap<u64, Arc<Section>>,
}

impl SectionCache {
    /// The section at `offset`, parsed now or before.
    pub(crate) fn get(
        &mut self,
        src: &mut Source,
        offset: u64,
        budget: &mut Budget,
    ) -> Result<Arc<Section>, PdfError> {
        if let Some(s) = self.sections.get(&offset) {
            return Ok(s.clone());
        }
        let s = Arc::new(section(src, offset, budget)?);
        self.sections.insert(offset, s.clone());
        Ok(s)
    }

    /// The sections `start` reaches through `/Prev`, newest first.
    pub(crate) fn chain(
        &mut self,
        src: &mut Source,
        start: u64,
        budget: &mut Budget,
    ) -> Result<Vec<Arc<Section>>, PdfError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(start);
        while let Some(offset) = next {
            if !seen.insert(offset) || seen.len() > MAX_SECTIONS {
                return Err(PdfError::BrokenXref);
            }
            let s = self.get(src, offset, budget)?;
            next = s.prev;
            out.push(s);
        }
        Ok(out)
    }
}

/// The `startxref` value of the revision whose `%%EOF` ends before
/// `end`: the last `startxref` in the 2 KiB before it.
pub(crate) fn startxref_before(src: &mut Source, end: u64) -> Result<u64, PdfError> {
    let tail_len = 2048.min(end);
    let tail = src.read(end - tail_len, tail_len as usize)?;
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

/// Look up `num` in a chain (newest section first).
pub(crate) fn lookup(chain: &[Arc<Section>], num: u32) -> Option<Entry> {
    chain.iter().find_map(|s| s.entries.get(&num).copied())
}
