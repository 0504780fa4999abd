//! Revisions of a PDF (ISO 32000-1 §7.5.6): the original file and each
//! incremental update end with `%%EOF`. A revision's byte length is the
//! offset just after its `%%EOF` and the end-of-line marker that follows.
//!
//! A linearized file has a first-page section whose `%%EOF` is not a
//! revision of its own; it is still listed here (a signature's ByteRange
//! never ends there, so it does no harm).

/// At most this many revisions are read.
pub const MAX_REVISIONS: usize = 10_000;

/// The end offsets (byte lengths) of every revision, ascending. The last
/// one is the file length when the file ends with `%%EOF` (and an EOL).
pub fn revision_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut i = 0;
    while let Some(p) = find_from(bytes, b"%%EOF", i) {
        let mut end = p + 5;
        if bytes.get(end) == Some(&b'\r') {
            end += 1;
        }
        if bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        ends.push(end);
        if ends.len() >= MAX_REVISIONS {
            break;
        }
        i = p + 5;
    }
    ends
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
