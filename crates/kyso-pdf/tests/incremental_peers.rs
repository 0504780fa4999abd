//! kyso-pdf's incremental updates checked by qpdf, on PDFs written by hand
//! and rewritten by qpdf (object streams, linearized).
mod common;

use std::path::{Path, PathBuf};

use common::*;
use kyso_pdf::{prepare, PdfError, Placement, Rect, SignatureRequest};

/// Sign-shaped update with a dummy CMS; returns the output path.
fn update(dir: &Path, input: &Path, name: &str, visible: bool) -> PathBuf {
    let out = dir.join(name);
    let mut req = SignatureRequest::new(now());
    req.reason = Some("Phê duyệt".into());
    req.location = Some("Ninh Bình".into());
    if visible {
        req.placement = Placement::Visible {
            page: 1,
            rect: Rect {
                x1: 300.0,
                y1: 100.0,
                x2: 500.0,
                y2: 160.0,
            },
            appearance: Box::new(kyso_pdf::Appearance {
                items: vec![kyso_pdf::Item::Text {
                    x: 2.0,
                    y: 40.0,
                    size: 10.0,
                    color: kyso_pdf::Rgb::BLUE,
                    text: "Ký số".into(),
                }],
                ..kyso_pdf::Appearance::new(kyso_pdf::Font::liberation_serif())
            }),
        };
    }
    req.contents_size = 64;
    let mut p = prepare(input, &out, &req).unwrap();
    let br = p.byte_range();
    let d = p.digest(kyso_crypto::DigestAlgorithm::Sha256).unwrap();
    assert_eq!(d.len(), 32);
    assert!(!out.exists(), "output appears only at finalize");
    p.finalize(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let orig = std::fs::read(input).unwrap();
    assert!(bytes.starts_with(&orig), "earlier revision rewritten");
    assert_eq!(br.contents_end + br.second_len, bytes.len() as u64);
    assert_eq!(bytes[br.contents_start as usize], b'<');
    assert_eq!(bytes[br.contents_end as usize - 1], b'>');
    let br_text = format!(
        "[0 {} {} {}",
        br.contents_start, br.contents_end, br.second_len
    );
    assert!(bytes
        .windows(br_text.len())
        .any(|w| w == br_text.as_bytes()));
    out
}

#[test]
fn classic_xref_stream_and_linearized_inputs_stay_valid_for_qpdf() {
    if !have_qpdf() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();
    let (ok, text) = qpdf(&["--check", plain.to_str().unwrap()]);
    assert!(ok, "hand-made PDF: {text}");
    let objstm = dir.path().join("objstm.pdf");
    let (ok, text) = qpdf(&[
        "--object-streams=generate",
        plain.to_str().unwrap(),
        objstm.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let lin = dir.path().join("lin.pdf");
    let (ok, text) = qpdf(&[
        "--linearize",
        plain.to_str().unwrap(),
        lin.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    for (input, xref_stream) in [(&plain, false), (&objstm, true), (&lin, false)] {
        for visible in [false, true] {
            let stem = input.file_stem().unwrap().to_str().unwrap();
            let out = update(
                dir.path(),
                input,
                &format!("{stem}-{visible}-1.pdf"),
                visible,
            );
            let (ok, text) = qpdf(&["--check", out.to_str().unwrap()]);
            assert!(
                ok && text.contains("No syntax or stream encoding errors"),
                "{stem}: {text}"
            );
            // The new section keeps the form of the last one.
            let bytes = std::fs::read(&out).unwrap();
            let tail = &bytes[bytes.len() - 2000.min(bytes.len())..];
            let has_table = tail
                .windows(7)
                .any(|w| w == b"\nxref\n0" || w == b"xref\n0 ");
            let has_stream = tail
                .windows(10)
                .any(|w| w == b"/Type/XRef" || w == b"/Type /XRe");
            assert_eq!(
                has_stream,
                xref_stream,
                "{stem}: {}",
                String::from_utf8_lossy(tail)
            );
            assert!(has_table || has_stream);
            // A second update on top of the first.
            let out2 = update(
                dir.path(),
                &out,
                &format!("{stem}-{visible}-2.pdf"),
                visible,
            );
            let (ok, text) = qpdf(&["--check", out2.to_str().unwrap()]);
            assert!(ok, "{stem} second: {text}");
            let (ok, text) = qpdf(&["--show-npages", out2.to_str().unwrap()]);
            assert!(ok && text.trim() == "1", "{text}");
        }
    }
}

#[test]
fn encrypted_truncated_and_garbage_inputs_are_refused_and_no_output_appears() {
    let dir = tempfile::tempdir().unwrap();
    let req = SignatureRequest::new(now());
    let out = dir.path().join("out.pdf");

    let plain = dir.path().join("plain.pdf");
    let bytes = hand_pdf();
    std::fs::write(&plain, &bytes).unwrap();

    let truncated = dir.path().join("truncated.pdf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        prepare(&truncated, &out, &req),
        Err(PdfError::Truncated)
    ));

    let garbage = dir.path().join("garbage.pdf");
    std::fs::write(&garbage, b"hello world").unwrap();
    assert!(matches!(
        prepare(&garbage, &out, &req),
        Err(PdfError::NotPdf)
    ));

    // Bad xref offsets: lopdf would rebuild; we refuse.
    let broken = dir.path().join("broken.pdf");
    let s = String::from_utf8_lossy(&bytes).replace("0000000009 00000 n", "0000000001 00000 n");
    std::fs::write(&broken, s.as_bytes()).unwrap();
    let r = prepare(&broken, &out, &req);
    assert!(r.is_err(), "broken xref accepted");

    let mut bad = req.clone();
    bad.placement = Placement::Visible {
        page: 7,
        rect: Rect {
            x1: 0.0,
            y1: 0.0,
            x2: 10.0,
            y2: 10.0,
        },
        appearance: Box::new(kyso_pdf::Appearance::new(kyso_pdf::Font::liberation_serif())),
    };
    assert!(matches!(
        prepare(&plain, &out, &bad),
        Err(PdfError::NoSuchPage { page: 7, count: 1 })
    ));

    if have_qpdf() {
        let enc = dir.path().join("enc.pdf");
        let (ok, text) = qpdf(&[
            "--encrypt",
            "u",
            "o",
            "256",
            "--",
            plain.to_str().unwrap(),
            enc.to_str().unwrap(),
        ]);
        assert!(ok, "{text}");
        let before = std::fs::read(&enc).unwrap();
        assert!(matches!(
            prepare(&enc, &out, &req),
            Err(PdfError::Encrypted)
        ));
        assert_eq!(std::fs::read(&enc).unwrap(), before);
        // Empty user password: still encrypted, still refused.
        let enc2 = dir.path().join("enc2.pdf");
        let (ok, text) = qpdf(&[
            "--encrypt",
            "",
            "o",
            "256",
            "--",
            plain.to_str().unwrap(),
            enc2.to_str().unwrap(),
        ]);
        assert!(ok, "{text}");
        assert!(matches!(
            prepare(&enc2, &out, &req),
            Err(PdfError::Encrypted)
        ));
    }
    assert!(!out.exists());
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".part"))
        .collect();
    assert!(left.is_empty());
}

#[test]
fn cms_too_large_is_an_error_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();
    let out = dir.path().join("out.pdf");
    let mut req = SignatureRequest::new(now());
    req.contents_size = 16;
    let p = prepare(&plain, &out, &req).unwrap();
    assert!(matches!(
        p.finalize(&[0u8; 17]),
        Err(PdfError::ContentsTooSmall {
            needed: 17,
            capacity: 16
        })
    ));
    assert!(!out.exists());
}
