//! Revisions of a PDF (ISO 32000-1 §7.5.6): the original file and each
//! incremental update end with `%%EOF`. A revision's byte length is the
//! offset just after its `%%EOF` and the end-of-line marker that follows.
//!
//! A linearized file (Annex F) has a first-page section whose `%%EOF` is
//! not a revision of its own: the linearization dictionary's `/L` gives
//! the length of the original file, and no revision ends before it.

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
    let head = &bytes[..bytes.len().min(1024)];
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
        let len: usize = std::str::from_utf8(&digits).ok()?.parse().ok()?;
        return is_revision_end(bytes, len).then_some(len);
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
