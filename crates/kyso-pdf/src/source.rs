//! Reading a PDF from disk a window at a time (ISO 32000-1 §7.5): the
//! file (or, for tests and fuzzing, bytes in memory) behind a one-block
//! read cache, indirect objects parsed at an offset (`syntax.rs`) without
//! their stream payloads, and where a payload really ends. The
//! cross-reference data is read by `xref.rs`, objects on demand by
//! `loader.rs`; nothing ever holds the whole file.
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use lopdf::{Object, ObjectId, Stream};

use crate::syntax::{Parser, SyntaxError};
use crate::PdfError;

/// Largest object dictionary, object stream or cross-reference stream read.
pub(crate) const MAX_OBJECT: usize = 64 * 1024 * 1024;
/// Read cache block.
const BLOCK: usize = 256 * 1024;

pub(crate) fn malformed(what: impl std::fmt::Display) -> PdfError {
    PdfError::Malformed(what.to_string())
}

/// Where the bytes are: a file read at offsets, or a buffer.
#[derive(Clone, Debug)]
pub(crate) enum Backing {
    File(Arc<File>),
    Memory(Arc<[u8]>),
}

impl Backing {
    pub(crate) fn len(&self) -> Result<u64, PdfError> {
        Ok(match self {
            Backing::File(f) => f.metadata()?.len(),
            Backing::Memory(b) => b.len() as u64,
        })
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<(), PdfError> {
        match self {
            Backing::File(f) => Ok(f.read_exact_at(buf, offset)?),
            Backing::Memory(b) => {
                let s = usize::try_from(offset).map_err(|_| PdfError::TooLarge)?;
                let src = s
                    .checked_add(buf.len())
                    .and_then(|e| b.get(s..e))
                    .ok_or_else(|| {
                        PdfError::Io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))
                    })?;
                buf.copy_from_slice(src);
                Ok(())
            }
        }
    }
}

/// The file with a one-block read cache (objects are read in offset
/// order, so most reads hit it).
pub(crate) struct Source {
    backing: Backing,
    len: u64,
    block_start: u64,
    block: Vec<u8>,
}

impl Source {
    pub(crate) fn new(file: File) -> Result<Source, PdfError> {
        Source::with(Backing::File(Arc::new(file)))
    }

    pub(crate) fn with(backing: Backing) -> Result<Source, PdfError> {
        let len = backing.len()?;
        Ok(Source {
            backing,
            len,
            block_start: 0,
            block: Vec::new(),
        })
    }

    /// Another reader of the same bytes (its own cache).
    pub(crate) fn reopen(&self) -> Source {
        Source {
            backing: self.backing.clone(),
            len: self.len,
            block_start: 0,
            block: Vec::new(),
        }
    }

    pub(crate) fn backing(&self) -> &Backing {
        &self.backing
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Up to `n` bytes at `offset` (fewer at the end of the file).
    pub(crate) fn read(&mut self, offset: u64, n: usize) -> Result<Vec<u8>, PdfError> {
        self.with_bytes(offset, n, <[u8]>::to_vec)
    }

    /// `f` on up to `n` bytes at `offset`, borrowed from the cache block
    /// when they fit in it (no copy).
    pub(crate) fn with_bytes<T>(
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
            self.backing.read_exact_at(&mut self.block, offset)?;
            self.block_start = offset;
        }
        if cached || want <= BLOCK / 2 {
            let s = (offset - self.block_start) as usize;
            return Ok(f(&self.block[s..s + want]));
        }
        let mut out = vec![0u8; want];
        self.backing.read_exact_at(&mut out, offset)?;
        Ok(f(&out))
    }

    /// Feed the bytes `[offset, offset + len)` to `f` in chunks of at most
    /// 1 MiB (a digest over a range, without holding it).
    pub(crate) fn chunks(
        &mut self,
        offset: u64,
        len: u64,
        mut f: impl FnMut(&[u8]),
    ) -> Result<(), PdfError> {
        const CHUNK: u64 = 1024 * 1024;
        let end = offset
            .checked_add(len)
            .filter(|e| *e <= self.len)
            .ok_or_else(|| malformed("range outside the file"))?;
        let mut buf = vec![0u8; CHUNK.min(len) as usize];
        let mut at = offset;
        while at < end {
            let n = CHUNK.min(end - at) as usize;
            self.backing.read_exact_at(&mut buf[..n], at)?;
            f(&buf[..n]);
            at += n as u64;
        }
        Ok(())
    }

    /// Parse with `f` at `offset`, reading a larger window while the
    /// parser asks for more. Returns the value and the bytes consumed.
    pub(crate) fn parse_at<T>(
        &mut self,
        offset: u64,
        what: &str,
        f: impl Fn(&mut Parser) -> Result<T, SyntaxError>,
    ) -> Result<(T, usize), PdfError> {
        let mut window = 4096usize;
        let len = self.len;
        loop {
            let r = self.with_bytes(offset, window, |buf| {
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

    /// The offset of the last `needle` that ends at or before `end`,
    /// searched back at most `limit` bytes.
    pub(crate) fn rfind(
        &mut self,
        needle: &[u8],
        end: u64,
        limit: u64,
    ) -> Result<Option<u64>, PdfError> {
        const STEP: u64 = 64 * 1024;
        let floor = end.saturating_sub(limit);
        let mut hi = end.min(self.len);
        while hi > floor {
            let lo = hi.saturating_sub(STEP).max(floor);
            // Overlap the next window by the needle's length.
            let n = (hi - lo) as usize;
            let hit = self.with_bytes(lo, n, |b| {
                b.windows(needle.len()).rposition(|w| w == needle)
            })?;
            if let Some(p) = hit {
                return Ok(Some(lo + p as u64));
            }
            if lo == floor {
                break;
            }
            hi = lo + needle.len() as u64 - 1;
        }
        Ok(None)
    }

    /// The offset of the first `needle` at or after `from`, searched
    /// forward at most `limit` bytes.
    pub(crate) fn find(
        &mut self,
        needle: &[u8],
        from: u64,
        limit: u64,
    ) -> Result<Option<u64>, PdfError> {
        const STEP: u64 = 64 * 1024;
        let ceil = from.saturating_add(limit).min(self.len);
        let mut lo = from;
        while lo < ceil {
            let hi = lo.saturating_add(STEP).min(ceil);
            let hit = self.with_bytes(lo, (hi - lo) as usize, |b| {
                b.windows(needle.len()).position(|w| w == needle)
            })?;
            if let Some(p) = hit {
                return Ok(Some(lo + p as u64));
            }
            if hi == ceil {
                break;
            }
            lo = hi + 1 - needle.len() as u64;
        }
        Ok(None)
    }
}

/// An indirect object as found at an offset: its id, the object (a
/// stream's content still empty), for a stream where its payload starts,
/// and where the parse stopped.
pub(crate) struct RawObject {
    pub(crate) id: ObjectId,
    pub(crate) object: Object,
    pub(crate) payload: Option<u64>,
    pub(crate) end: u64,
}

pub(crate) fn read_raw(src: &mut Source, offset: u64) -> Result<RawObject, PdfError> {
    let ((id, object, start), used) = src.parse_at(offset, "object", |p| {
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
        end: offset + used as u64,
    })
}

/// How far from the declared end `endstream` is looked for when
/// `/Length` is wrong (peers such as qpdf and pyHanko accept such files).
const LENGTH_SLACK: u64 = 4096;

/// The payload's real length: `declared` when `endstream` follows it
/// (after optional white space), else the distance to the nearest
/// `endstream` within [`LENGTH_SLACK`] of the declared end, without the
/// end-of-line before it.
pub(crate) fn payload_length(src: &mut Source, start: u64, declared: u64) -> Option<u64> {
    let end = start.checked_add(declared)?;
    if end <= src.len() {
        let ends = src
            .with_bytes(end, 32, |after| {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(b: &[u8]) -> Source {
        Source::with(Backing::Memory(Arc::from(b))).unwrap()
    }

    #[test]
    fn searches_cross_window_boundaries() {
        let mut data = vec![b'x'; 200_000];
        data[65_530..65_535].copy_from_slice(b"%%EOF");
        data[150_000..150_005].copy_from_slice(b"%%EOF");
        let mut s = mem(&data);
        assert_eq!(s.rfind(b"%%EOF", 200_000, 1 << 30).unwrap(), Some(150_000));
        assert_eq!(s.rfind(b"%%EOF", 150_004, 1 << 30).unwrap(), Some(65_530));
        assert_eq!(s.rfind(b"%%EOF", 150_004, 10).unwrap(), None);
        assert_eq!(s.find(b"%%EOF", 0, 1 << 30).unwrap(), Some(65_530));
        assert_eq!(s.find(b"%%EOF", 65_531, 1 << 30).unwrap(), Some(150_000));
        assert_eq!(s.find(b"%%EOF", 65_531, 100).unwrap(), None);
        let mut seen = 0u64;
        s.chunks(10, 199_990, |c| seen += c.len() as u64).unwrap();
        assert_eq!(seen, 199_990);
        assert!(s.chunks(10, 199_991, |_| {}).is_err());
    }
}
