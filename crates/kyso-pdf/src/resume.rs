//! Taking up a prepared document again in another process: a server
//! replica stored the prepared file and its `/ByteRange`, and the one that
//! receives the signature finalizes it (DESIGN §4, two-phase signing).
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use tempfile::NamedTempFile;

use crate::{ByteRange, PdfError, PreparedPdf};

/// Bytes on each side of `/Contents` searched for the patched
/// `/ByteRange` array.
const WINDOW: u64 = 64 * 1024;

impl PreparedPdf {
    /// The prepared document in `file` (written by [`crate::prepare`] and
    /// stored elsewhere), to be finalized into `output`.
    ///
    /// Refused unless the file is exactly what a prepare step leaves:
    /// `byte_range` ends at the end of the file, the gap is `contents_size`
    /// zero bytes in hex between `<` and `>`, and the patched `/ByteRange`
    /// array with these values is written beside it. The caller
    /// still compares the digest of the ranges with the one it signed.
    pub fn resume(
        mut file: NamedTempFile,
        output: &Path,
        byte_range: ByteRange,
        contents_size: usize,
        field_name: String,
    ) -> Result<PreparedPdf, PdfError> {
        let bad = |why: &str| {
            PdfError::Malformed(format!(
                "tài liệu đã chuẩn bị không khớp / the prepared document does not match: {why}"
            ))
        };
        let len = file.as_file().metadata()?.len();
        let gap = (contents_size as u64)
            .checked_mul(2)
            .and_then(|g| g.checked_add(2))
            .ok_or_else(|| bad("/Contents size"))?;
        if byte_range
            .contents_end
            .checked_sub(byte_range.contents_start)
            != Some(gap)
        {
            return Err(bad("/Contents size"));
        }
        if byte_range.contents_end.checked_add(byte_range.second_len) != Some(len) {
            return Err(bad("/ByteRange does not end at the end of the file"));
        }
        let f = file.as_file_mut();
        let mut contents = vec![0u8; usize::try_from(gap).map_err(|_| bad("/Contents size"))?];
        f.seek(SeekFrom::Start(byte_range.contents_start))?;
        f.read_exact(&mut contents)?;
        let inner = &contents[1..contents.len() - 1];
        if contents[0] != b'<'
            || contents[contents.len() - 1] != b'>'
            || inner.iter().any(|&b| b != b'0')
        {
            return Err(bad("/Contents is not an empty placeholder"));
        }
        // The array is in the same dictionary, before or after /Contents.
        let array = byte_range.encode()?;
        let near = |f: &mut std::fs::File, from: u64, to: u64| -> Result<bool, PdfError> {
            let mut buf = vec![0u8; (to - from) as usize];
            f.seek(SeekFrom::Start(from))?;
            f.read_exact(&mut buf)?;
            Ok(buf.windows(array.len()).any(|w| w == array.as_slice()))
        };
        let start = byte_range.contents_start;
        let end = byte_range.contents_end;
        if !near(f, start.saturating_sub(WINDOW), start)? && !near(f, end, len.min(end + WINDOW))? {
            return Err(bad("no /ByteRange with these values beside /Contents"));
        }
        Ok(PreparedPdf {
            file,
            output: output.to_path_buf(),
            byte_range,
            contents_size,
            field_name,
        })
    }
}
