//! The one bounded decoder (DESIGN §12): every stream kyso decodes — object
//! and cross-reference streams, page content and form XObjects searched by
//! `--anchor`, ToUnicode CMaps, XMP metadata, DSS certificates, OCSP
//! responses and CRLs — goes through a [`Budget`], as every path of
//! rustls-webpki goes through its `Budget`. A budget bounds
//!
//! - the decoded size of one stream ([`Limits::max_stream`]),
//! - its expansion ratio (decoded bytes per encoded byte beyond a small
//!   floor, [`Limits::max_ratio`]): a deflate bomb of a few kilobytes stops
//!   long before its gigabyte,
//! - the decoded bytes of one whole operation ([`Limits::max_total`]), so
//!   that a thousand small bombs cost no more than one,
//! - and the nesting of what is built from decoded data (form XObjects in
//!   form XObjects, [`Limits::max_depth`]).
//!
//! The unbounded calls of lopdf and flate2 are banned in `clippy.toml`
//! (`disallowed-methods`); this file is the only place that calls the
//! decoder they wrap, always with a limit.
use lopdf::Stream;

use crate::PdfError;

/// The limits of one [`Budget`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest decoded stream.
    pub max_stream: usize,
    /// Most decoded bytes per encoded byte, once past `ratio_floor`.
    pub max_ratio: usize,
    /// Decoded size always allowed whatever the ratio.
    pub ratio_floor: usize,
    /// Most decoded bytes in all.
    pub max_total: usize,
    /// Deepest nesting of decoded structures (forms drawn by forms).
    pub max_depth: u32,
}

impl Limits {
    /// Verification of one document: cross-reference and object streams,
    /// the DSS, the metadata and the pages an annotation is checked on.
    pub const VERIFY: Limits = Limits {
        max_stream: 64 * 1024 * 1024,
        max_ratio: 256,
        ratio_floor: 4 * 1024 * 1024,
        max_total: 256 * 1024 * 1024,
        max_depth: 8,
    };

    /// Signing one document: what opening it, `--anchor` and the
    /// appearance layout read.
    pub const SIGN: Limits = Limits {
        max_stream: 64 * 1024 * 1024,
        max_ratio: 256,
        ratio_floor: 4 * 1024 * 1024,
        max_total: 256 * 1024 * 1024,
        max_depth: 8,
    };
}

/// What the decoding of one operation may still cost. Cheap to share by
/// `&mut`; every decode charges it.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    left: usize,
}

impl Budget {
    pub fn new(limits: Limits) -> Budget {
        Budget {
            left: limits.max_total,
            limits,
        }
    }

    /// The limits this budget was made with.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Decoded bytes still allowed in all.
    pub fn left(&self) -> usize {
        self.left
    }

    /// The most a stream of `encoded` bytes may decode to now.
    pub fn allowance(&self, encoded: usize) -> usize {
        let l = &self.limits;
        let by_ratio = encoded.saturating_mul(l.max_ratio).max(l.ratio_floor);
        l.max_stream.min(by_ratio).min(self.left)
    }

    /// Decode `stream` (its filters in order) within the budget, which is
    /// charged with the decoded size. A stream without filters is its
    /// payload (bounded the same way).
    pub fn decode(&mut self, stream: &Stream) -> Result<Vec<u8>, PdfError> {
        self.decode_at_most(stream, usize::MAX)
    }

    /// [`Budget::decode`] with a further cap of `cap` bytes (e.g. what a
    /// page's content may still add).
    pub fn decode_at_most(&mut self, stream: &Stream, cap: usize) -> Result<Vec<u8>, PdfError> {
        let limit = self.allowance(stream.content.len()).min(cap);
        #[allow(clippy::disallowed_methods)] // the bounded call, with its limit
        let out = stream
            .decompressed_content_with_limit(limit)
            .map_err(|e| match e {
                lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                }) => PdfError::DecodeLimit(limit),
                e => PdfError::Malformed(format!("stream: {e}")),
            })?;
        if out.len() > limit {
            return Err(PdfError::DecodeLimit(limit));
        }
        self.left -= out.len();
        Ok(out)
    }

    /// Enter one more level of nesting (`depth` is the current one).
    pub fn nest(&self, depth: u32) -> Result<u32, PdfError> {
        if depth >= self.limits.max_depth {
            return Err(PdfError::Malformed(format!(
                "nesting deeper than {}",
                self.limits.max_depth
            )));
        }
        Ok(depth + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    fn flate(data: &[u8]) -> Stream {
        let mut s = Stream::new(dictionary! {}, data.to_vec());
        s.compress().unwrap();
        assert!(s.dict.has(b"Filter"));
        s
    }

    #[test]
    fn a_deflate_bomb_stops_at_the_ratio_limit() {
        // 64 MiB of zeros deflate to ~64 KiB: 1,000:1.
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let mib = vec![0u8; 1 << 20];
        for _ in 0..64 {
            z.write_all(&mib).unwrap();
        }
        let bomb = Stream::new(dictionary! {"Filter" => "FlateDecode"}, z.finish().unwrap());
        let mut b = Budget::new(Limits::VERIFY);
        let allowed = b.allowance(bomb.content.len());
        assert!(allowed < 20 * 1024 * 1024, "{allowed}");
        assert!(matches!(b.decode(&bomb), Err(PdfError::DecodeLimit(_))));
        // Nothing was charged for the refused stream.
        assert_eq!(b.left(), Limits::VERIFY.max_total);
    }

    #[test]
    fn ordinary_streams_decode_and_charge_the_budget() {
        let text = b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET ".repeat(1000);
        let s = flate(&text);
        let mut b = Budget::new(Limits {
            max_total: 50_000,
            ..Limits::VERIFY
        });
        assert_eq!(b.decode(&s).unwrap(), text);
        assert_eq!(b.left(), 50_000 - text.len());
        // The total is spent: the second decode is refused.
        assert!(matches!(b.decode(&s), Err(PdfError::DecodeLimit(_))));
        let plain = Stream::new(dictionary! {}, b"abc".to_vec());
        assert_eq!(b.decode(&plain).unwrap(), b"abc");
        assert!(matches!(
            b.decode_at_most(&plain, 2),
            Err(PdfError::DecodeLimit(2))
        ));
    }

    #[test]
    fn nesting_is_bounded() {
        let b = Budget::new(Limits::VERIFY);
        assert_eq!(b.nest(0).unwrap(), 1);
        assert!(b.nest(Limits::VERIFY.max_depth).is_err());
    }

    #[test]
    fn a_broken_stream_is_malformed_not_a_limit() {
        let s = Stream::new(
            dictionary! {"Filter" => "JBIG2Decode"},
            b"\x00\x01".to_vec(),
        );
        let mut b = Budget::new(Limits::VERIFY);
        assert!(matches!(b.decode(&s), Err(PdfError::Malformed(_))));
    }
}
