//! `/Encrypt null` is not encryption.
//!
//! A dictionary entry whose value is `null` is the same as no entry (ISO
//! 32000-1 §7.3.7, §7.3.9), and some producers write `/Encrypt null` in
//! an unencrypted file's trailer. lopdf takes any `/Encrypt` for an
//! encrypted file and then loads no object. [`without_null_encrypt`]
//! blanks such entries with spaces of the same length, so a copy used for
//! parsing keeps every byte offset; the signed bytes themselves are hashed
//! from the original.
use std::borrow::Cow;

/// `bytes` with each `/Encrypt null` replaced by as many spaces (borrowed
/// when there is none).
pub fn without_null_encrypt(bytes: &[u8]) -> Cow<'_, [u8]> {
    const KEY: &[u8] = b"/Encrypt";
    let mut out: Option<Vec<u8>> = None;
    let mut from = 0;
    while let Some(p) = bytes[from..].windows(KEY.len()).position(|w| w == KEY) {
        let start = from + p;
        let mut i = start + KEY.len();
        while bytes.get(i).is_some_and(|b| b" \t\r\n\x0c\x00".contains(b)) {
            i += 1;
        }
        let is_null = bytes.get(i..i + 4) == Some(b"null")
            && bytes
                .get(i + 4)
                .is_none_or(|b| b" \t\r\n\x0c\x00/>]".contains(b));
        if is_null {
            let o = out.get_or_insert_with(|| bytes.to_vec());
            o[start..i + 4].fill(b' ');
            from = i + 4;
        } else {
            from = start + KEY.len();
        }
    }
    match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_encrypt_entries_are_blanked_in_place() {
        let t = b"trailer\n<</Size 5/Root 1 0 R/Encrypt null/ID[<01><01>]>>\n";
        let out = without_null_encrypt(t);
        assert_eq!(out.len(), t.len());
        let blank = " ".repeat("/Encrypt null".len());
        let expected = format!("trailer\n<</Size 5/Root 1 0 R{blank}/ID[<01><01>]>>\n");
        assert_eq!(out.as_ref(), expected.as_bytes());
        let t = b"<</Encrypt\nnull>>";
        assert_eq!(without_null_encrypt(t).as_ref(), b"<<             >>");
        for kept in [
            &b"<</Encrypt 7 0 R>>"[..],
            b"<</Encrypt nullity>>",
            b"/Encrypt",
            b"",
        ] {
            assert!(matches!(without_null_encrypt(kept), Cow::Borrowed(_)));
        }
    }

    /// A one-page PDF whose trailer says `/Encrypt null`.
    fn pdf_with_null_encrypt() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 4 /Root 1 0 R /Encrypt null >>\nstartxref\n{xref}\n%%EOF\n")
                .as_bytes(),
        );
        out
    }

    #[test]
    fn lopdf_reads_a_file_whose_trailer_says_encrypt_null() {
        let pdf = pdf_with_null_encrypt();
        assert!(pdf.windows(13).any(|w| w == b"/Encrypt null"));
        // As it is, lopdf takes the file for encrypted and loads nothing.
        let raw = lopdf::Document::load_mem(&pdf);
        assert!(raw.is_err() || raw.unwrap().catalog().is_err());
        let doc = lopdf::Document::load_mem(&without_null_encrypt(&pdf)).unwrap();
        assert!(doc.catalog().is_ok());
        assert_eq!(doc.get_pages().len(), 1);
    }
}
