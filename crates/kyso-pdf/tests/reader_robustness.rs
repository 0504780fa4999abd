//! The from-disk reader (`kyso_pdf::open`) on damaged files: every byte
//! of a small PDF — classic, and rewritten by qpdf with object streams and
//! a cross-reference stream — replaced by a few values, and the file cut
//! at many lengths. Each must open or be refused with an error; none may
//! panic, and a refusal leaves no file behind.
mod common;

use common::*;

fn variants() -> Vec<(&'static str, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();
    let mut out = vec![("classic", hand_pdf())];
    if have_qpdf() {
        let objstm = dir.path().join("objstm.pdf");
        let (ok, text) = qpdf(&[
            "--object-streams=generate",
            "--compress-streams=n",
            plain.to_str().unwrap(),
            objstm.to_str().unwrap(),
        ]);
        assert!(ok, "{text}");
        out.push(("object streams", std::fs::read(&objstm).unwrap()));
    }
    out
}

fn open_bytes(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<kyso_pdf::OpenedPdf, kyso_pdf::PdfError> {
    std::fs::write(path, bytes).unwrap();
    kyso_pdf::open(path)
}

#[test]
fn damaged_files_open_or_are_refused_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.pdf");
    let out = dir.path().join("out.pdf");
    for (name, good) in variants() {
        assert!(open_bytes(&path, &good).is_ok(), "{name}");
        let mut refused = 0;
        let mut step = |bytes: &[u8]| {
            if open_bytes(&path, bytes).is_err() {
                refused += 1;
                // A refused input is not signed either, and nothing appears.
                let req = kyso_pdf::SignatureRequest::new(now());
                assert!(kyso_pdf::prepare(&path, &out, &req).is_err());
                assert!(!out.exists());
            }
        };
        for i in 0..good.len() {
            for v in [b'0', 0xff] {
                if good[i] == v {
                    continue;
                }
                let mut bad = good.clone();
                bad[i] = v;
                step(&bad);
            }
        }
        for cut in (0..good.len()).step_by(3) {
            step(&good[..cut]);
        }
        assert!(refused > 0, "{name}: no damage was noticed");
    }
}

#[test]
fn a_wrong_stream_length_is_tolerated_as_peers_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("len.pdf");
    let good = hand_pdf();
    let text = String::from_utf8_lossy(&good).into_owned();
    let at = text.find("/Length ").expect("a stream") + 8;
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n: u64 = digits.parse().unwrap();
    for wrong in [n + 1, n + 3, n - 1] {
        // Same width keeps the cross-reference offsets right.
        let w = format!("{wrong:0width$}", width = digits.len());
        if w.len() != digits.len() {
            continue;
        }
        let mut bad = good.clone();
        bad[at..at + digits.len()].copy_from_slice(w.as_bytes());
        let opened = open_bytes(&path, &bad).unwrap_or_else(|e| panic!("/Length {wrong}: {e}"));
        assert_eq!(opened.page_count(), 1);
    }
}

/// A PDF from numbered object bodies, with a correct classic xref.
fn pdf_of(objects: &[&str]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn streams_whose_lengths_name_each_other_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.pdf");
    let bytes = pdf_of(&[
        "<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "<< /Type /Metadata /Length 5 0 R >>\nstream\nabc\nendstream",
        "<< /Length 4 0 R >>\nstream\nabc\nendstream",
    ]);
    let e = open_bytes(&path, &bytes).expect_err("refused");
    assert!(e.to_string().contains("loop"), "{e}");
}
