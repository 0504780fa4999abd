//! Signing PDFs that other software wrote: pdfTeX manuals shipped in
//! Debian packages (hyperref links and outlines, object streams, PDF 1.5),
//! cairo (`pdftocairo`), qpdf merging pages of both, Ghostscript's PDF/A-2
//! output, and a form whose empty signature field pyHanko added in an
//! incremental update. Each is signed by kyso, invisibly or on a page, at
//! B-B or B-T, and checked by pyHanko, pdfsig and qpdf; earlier bytes stay
//! untouched.
mod common;

use std::path::{Path, PathBuf};

use common::lab::*;
use common::*;

/// PDFs shipped in Debian packages that scripts/test.sh installs.
const DEBIAN_PDFS: &[&str] = &[
    "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
    "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
];

fn require(path: &Path) -> bool {
    if path.exists() {
        return true;
    }
    if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!(
            "{} is required (scripts/test.sh installs it)",
            path.display()
        );
    }
    eprintln!("SKIP: {} not installed", path.display());
    false
}

#[test]
fn pdfs_from_other_producers_are_signed_and_accepted_by_the_peers() {
    let Some(lab) = Lab::start() else { return };
    let dir = lab.d.dir.path().to_path_buf();
    let plain = lab.path("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();

    let mut inputs: Vec<PathBuf> = Vec::new();
    for (i, pdf) in DEBIAN_PDFS.iter().enumerate() {
        if require(Path::new(pdf)) {
            let copy = lab.path(&format!("debian-{i}.pdf"));
            std::fs::copy(pdf, &copy).unwrap();
            inputs.push(copy);
        }
    }
    let made = |prog: &str, args: &[&str], out: &str| {
        if !have(prog) {
            return None;
        }
        let (ok, t) = run_in(&dir, prog, args);
        assert!(ok, "{prog} {args:?}: {t}");
        Some(lab.path(out))
    };
    let first_manual = inputs.first().cloned();
    inputs.extend(made(
        "pdftocairo",
        &["-pdf", "plain.pdf", "cairo.pdf"],
        "cairo.pdf",
    ));
    if let Some(manual) = &first_manual {
        inputs.extend(made(
            "qpdf",
            &[
                "--empty",
                "--pages",
                "plain.pdf",
                s(manual),
                "--",
                "merged.pdf",
            ],
            "merged.pdf",
        ));
    }
    inputs.extend(made(
        "gs",
        &[
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-dPDFA=2",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            "-sDEVICE=pdfwrite",
            "-o",
            "pdfa.pdf",
            "plain.pdf",
        ],
        "pdfa.pdf",
    ));

    let tsa = lab.tsa.clone();
    for (n, input) in inputs.iter().enumerate() {
        let out = lab.path(&format!("corpus-signed-{n}.pdf"));
        let (key, timestamped) = if n % 2 == 0 {
            (&lab.rsa, false)
        } else {
            (&lab.ec, true)
        };
        let mut args = vec!["sign", s(input), "-o", s(&out), "--p12", s(key)];
        if timestamped {
            args.extend_from_slice(&["--tsa", &tsa]);
        }
        if n % 3 != 2 {
            args.extend_from_slice(&["--as", "person", "--page", "1", "--rect", "320,60,560,140"]);
        }
        lab.kyso_ok(&args);
        let orig = std::fs::read(input).unwrap();
        assert!(
            std::fs::read(&out).unwrap().starts_with(&orig),
            "{}: earlier bytes rewritten",
            input.display()
        );
        lab.peers.all_valid(&out, 1, timestamped);
    }
    assert!(inputs.len() >= 2, "corpus too small: {inputs:?}");

    // A form made by pyHanko: an empty signature field added in an
    // incremental update; kyso signs into it with the person appearance
    // laid out in the field's box.
    if let Some(pyhanko) = common::ltv::pyhanko_exe(&lab.peers) {
        let (ok, t) = run_in(
            &dir,
            s(&pyhanko),
            &[
                "sign",
                "addfields",
                "--field",
                "1/320,60,560,140/KyDuyet",
                "plain.pdf",
                "py-form.pdf",
            ],
        );
        assert!(ok, "pyhanko addfields: {t}");
        let out = lab.path("py-form-signed.pdf");
        lab.kyso_ok(&[
            "sign",
            s(&lab.path("py-form.pdf")),
            "-o",
            s(&out),
            "--p12",
            s(&lab.rsa),
            "--field",
            "KyDuyet",
            "--as",
            "person",
            "--tsa",
            &tsa,
        ]);
        lab.peers.all_valid(&out, 1, true);
        // The person appearance fills the field pyHanko placed.
        let (ok, t) = run_in(&dir, "pdftotext", &["py-form-signed.pdf", "-"]);
        assert!(ok && t.contains("Nguyễn Văn An"), "pdftotext: {t}");
    }
}

/// A hybrid-reference file (ISO 32000-1 §7.5.8.4): a classic xref table
/// whose trailer's `/XRefStm` points to a cross-reference stream listing
/// an object kept in an object stream (the page's font).
fn hybrid_pdf() -> Vec<u8> {
    let mut out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |out: &mut Vec<u8>, body: &[u8]| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut out, b"<</Type/Catalog/Pages 2 0 R>>");
    obj(&mut out, b"<</Type/Pages/Kids[3 0 R]/Count 1>>");
    obj(
        &mut out,
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 6 0 R>>>>>>",
    );
    let content = b"BT /F1 24 Tf 72 720 Td (Hybrid reference file) Tj ET";
    let mut stream = format!("<</Length {}>>stream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    obj(&mut out, &stream);
    // Object 6 (the font) inside object stream 5.
    let header = b"6 0 ";
    let font = b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>";
    let mut objstm = format!(
        "<</Type/ObjStm/N 1/First {}/Length {}>>stream\n",
        header.len(),
        header.len() + font.len()
    )
    .into_bytes();
    objstm.extend_from_slice(header);
    objstm.extend_from_slice(font);
    objstm.extend_from_slice(b"\nendstream");
    obj(&mut out, &objstm);
    // Object 7: the cross-reference stream for objects 6 and 7.
    let xref_stm_at = out.len();
    let mut rows = vec![2u8, 0, 0, 0, 5, 0, 0];
    rows.push(1);
    rows.extend_from_slice(&(xref_stm_at as u32).to_be_bytes());
    rows.extend_from_slice(&[0, 0]);
    out.extend_from_slice(
        format!(
            "7 0 obj\n<</Type/XRef/Size 8/W[1 4 2]/Index[6 2]/Length {}>>stream\n",
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    // The classic table lists objects 0 to 5 only.
    let table_at = out.len();
    out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size 8/Root 1 0 R/XRefStm {xref_stm_at}>>\nstartxref\n{table_at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

#[test]
fn a_hybrid_reference_file_is_signed_and_accepted_by_the_peers() {
    let Some(lab) = Lab::start() else { return };
    let input = lab.path("hybrid.pdf");
    std::fs::write(&input, hybrid_pdf()).unwrap();
    // The input itself is sound for qpdf, and its font resolves through
    // the cross-reference stream.
    lab.peers.qpdf_check(&input);
    let (ok, t) = run_in(lab.d.dir.path(), "pdftotext", &["hybrid.pdf", "-"]);
    assert!(ok && t.contains("Hybrid reference file"), "{t}");

    let out = lab.path("hybrid-signed.pdf");
    lab.kyso_ok(&[
        "sign",
        s(&input),
        "-o",
        s(&out),
        "--p12",
        s(&lab.rsa),
        "--as",
        "person",
        "--page",
        "1",
        "--rect",
        "320,60,560,140",
    ]);
    assert!(std::fs::read(&out)
        .unwrap()
        .starts_with(&std::fs::read(&input).unwrap()));
    lab.peers.qpdf_check(&out);
    let t = lab.peers.pdfsig(&out);
    assert!(
        t.contains("Signature is Valid.") && t.contains("Certificate is Trusted."),
        "pdfsig: {t}"
    );
    // pyHanko reads hybrid files only outside its strict mode.
    if let Some((ok, t)) = lab.peers.pyhanko_with(&out, &["--no-strict-syntax"]) {
        assert!(
            ok && t.contains("The signature is judged VALID."),
            "pyhanko: {t}"
        );
    }
}
