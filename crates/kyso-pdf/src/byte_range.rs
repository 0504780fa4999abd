//! `/ByteRange` (ISO 32000-1 §12.8.1) and the streaming digest over it.
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use kyso_crypto::{DigestAlgorithm, Hasher};

use crate::PdfError;

/// Width of the `/ByteRange` array as first written; the real values are
/// patched in place with the same width.
pub(crate) const PLACEHOLDER: &[u8] = b"[0 9999999999 9999999999 9999999999]";
pub(crate) const PLACEHOLDER_VALUE: i64 = 9_999_999_999;

/// The two signed ranges: `[0, contents_start)` and
/// `[contents_end, contents_end + second_len)`; the gap is the hex
/// `/Contents` string including its angle brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// Offset of the `<` opening `/Contents` (= length of the first range).
    pub contents_start: u64,
    /// Offset just after the `>` closing `/Contents`.
    pub contents_end: u64,
    /// Length of the second range (to the end of the file).
    pub second_len: u64,
}

impl ByteRange {
    /// The four numbers of the PDF array.
    pub fn values(&self) -> [u64; 4] {
        [0, self.contents_start, self.contents_end, self.second_len]
    }

    /// The array as written in the file, padded with spaces before `]` to
    /// the placeholder's width.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, PdfError> {
        let [a, b, c, d] = self.values();
        let mut s = format!("[{a} {b} {c} {d}").into_bytes();
        if s.len() + 1 > PLACEHOLDER.len() {
            return Err(PdfError::TooLarge);
        }
        s.resize(PLACEHOLDER.len() - 1, b' ');
        s.push(b']');
        Ok(s)
    }

    /// Digest of both ranges, reading `file` in 64 KiB chunks.
    pub fn digest_file(&self, file: &mut File, alg: DigestAlgorithm) -> Result<Vec<u8>, PdfError> {
        let mut hasher = Hasher::new(alg);
        let mut buf = vec![0u8; 64 * 1024];
        for (start, len) in [
            (0, self.contents_start),
            (self.contents_end, self.second_len),
        ] {
            file.seek(SeekFrom::Start(start))?;
            let mut left = len;
            while left > 0 {
                let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                file.read_exact(&mut buf[..n])?;
                hasher.update(&buf[..n]);
                left -= n as u64;
            }
        }
        Ok(hasher.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn encode_keeps_the_width() {
        let br = ByteRange {
            contents_start: 1234,
            contents_end: 5678,
            second_len: 90,
        };
        let e = br.encode().unwrap();
        assert_eq!(e.len(), PLACEHOLDER.len());
        assert!(e.starts_with(b"[0 1234 5678 90 "));
        let big = ByteRange {
            contents_start: 99_999_999_999,
            contents_end: 99_999_999_999,
            second_len: 99_999_999_999,
        };
        assert!(matches!(big.encode(), Err(PdfError::TooLarge)));
    }

    #[test]
    fn digest_skips_the_gap() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"abc<0000>def").unwrap();
        let br = ByteRange {
            contents_start: 3,
            contents_end: 9,
            second_len: 3,
        };
        let d = br.digest_file(&mut f, DigestAlgorithm::Sha256).unwrap();
        assert_eq!(d, kyso_crypto::digest(DigestAlgorithm::Sha256, b"abcdef"));
    }
}
