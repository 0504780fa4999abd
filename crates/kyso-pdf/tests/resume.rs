//! A prepared document stored as bytes and taken up again by another
//! process (browser signing across server replicas): the copy finalizes to
//! the same file qpdf accepts, and any change to the stored copy or its
//! `/ByteRange` is refused.
mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use kyso_crypto::DigestAlgorithm;
use kyso_pdf::{prepare, ByteRange, PdfError, PreparedPdf, SignatureRequest};
use tempfile::NamedTempFile;

fn stored_copy(dir: &Path, bytes: &[u8]) -> NamedTempFile {
    let mut f = NamedTempFile::new_in(dir).unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

#[test]
fn a_stored_prepared_document_finalizes_elsewhere_and_changes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, hand_pdf()).unwrap();
    let mut req = SignatureRequest::new(now());
    req.contents_size = 64;
    let mut p = prepare(&input, &dir.path().join("unused.pdf"), &req).unwrap();
    let digest = p.digest(DigestAlgorithm::Sha256).unwrap();
    let (br, size, name) = (p.byte_range(), p.contents_size(), p.field_name().to_owned());
    let bytes = std::fs::read(p.temp_path()).unwrap();
    drop(p);

    let resume = |bytes: &[u8], br: ByteRange, size: usize| {
        PreparedPdf::resume(
            stored_copy(dir.path(), bytes),
            &dir.path().join("out.pdf"),
            br,
            size,
            name.clone(),
        )
    };
    let malformed = |r: Result<PreparedPdf, PdfError>| {
        assert!(
            matches!(r, Err(PdfError::Malformed(ref m)) if m.contains("prepared document")),
            "{r:?}"
        )
    };
    // Wrong sizes, a truncated copy, a filled /Contents, moved ranges.
    malformed(resume(&bytes, br, size + 1));
    malformed(resume(&bytes, br, usize::MAX));
    malformed(resume(&bytes[..bytes.len() - 1], br, size));
    let mut filled = bytes.clone();
    filled[br.contents_start as usize + 5] = b'A';
    malformed(resume(&filled, br, size));
    let shifted = ByteRange {
        contents_start: br.contents_start - 1,
        contents_end: br.contents_end - 1,
        second_len: br.second_len + 1,
    };
    malformed(resume(&bytes, shifted, size));
    // A change inside the signed ranges passes these checks but not the
    // digest, which the caller compares with the one it handed out.
    let mut changed = bytes.clone();
    changed[20] ^= 0x20;
    let mut r = resume(&changed, br, size).unwrap();
    assert_ne!(r.digest(DigestAlgorithm::Sha256).unwrap(), digest);

    // The faithful copy: same digest, and it finalizes into a file qpdf accepts.
    let mut r = resume(&bytes, br, size).unwrap();
    assert_eq!(r.digest(DigestAlgorithm::Sha256).unwrap(), digest);
    assert_eq!(r.field_name(), name);
    let out = r.finalize(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
    let signed = std::fs::read(&out).unwrap();
    assert_eq!(signed.len(), bytes.len());
    assert!(signed.starts_with(&bytes[..br.contents_start as usize + 1]));
    if have_qpdf() {
        let (ok, msg) = qpdf(&["--check", out.to_str().unwrap()]);
        assert!(ok, "{msg}");
    }
}
