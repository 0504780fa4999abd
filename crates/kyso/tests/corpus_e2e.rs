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
    // incremental update; kyso signs into it.
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
            "--tsa",
            &tsa,
        ]);
        lab.peers.all_valid(&out, 1, true);
    }
}
