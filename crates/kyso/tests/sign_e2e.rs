//! `kyso sign` end to end: a CA and TSA from `kyso ca init` + `kyso serve`,
//! PKCS#12 keys from `kyso ca issue`, PDFs made by hand and rewritten by
//! qpdf and Ghostscript, and every signature checked by pyHanko, pdfsig
//! (with the root in an NSS database) and qpdf.
mod common;

use std::path::Path;
use std::process::Command;

use common::lab::*;
use common::*;

#[test]
fn kyso_sign_is_accepted_by_pyhanko_pdfsig_and_qpdf() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let d = &lab.d;
    let dir = d.dir.path().to_path_buf();
    let peers = &lab.peers;
    // Inputs made by other tools.
    let plain = d.path("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();
    let objstm = d.path("objstm.pdf");
    let (ok, t) = run_in(
        &dir,
        "qpdf",
        &["--object-streams=generate", "plain.pdf", "objstm.pdf"],
    );
    assert!(ok, "{t}");
    let lin = d.path("linearized.pdf");
    let (ok, t) = run_in(
        &dir,
        "qpdf",
        &["--linearize", "plain.pdf", "linearized.pdf"],
    );
    assert!(ok, "{t}");
    let mut inputs = vec![plain.clone(), objstm.clone(), lin.clone()];
    if Command::new("gs")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let (ok, t) = run_in(
            &dir,
            "gs",
            &[
                "-q",
                "-dBATCH",
                "-dNOPAUSE",
                "-sDEVICE=pdfwrite",
                "-o",
                "gs.pdf",
                "plain.pdf",
            ],
        );
        assert!(ok, "{t}");
        inputs.push(d.path("gs.pdf"));
    } else {
        eprintln!("NOTE: ghostscript not found, gs-made input skipped");
    }

    let tsa = lab.tsa.clone();
    let sign = |input: &Path, out: &Path, key: &str, extra: &[&str]| {
        let mut args = vec![
            "sign",
            s(input),
            "-o",
            s(out),
            "--p12",
            key,
            "--reason",
            "Phê duyệt văn bản",
            "--location",
            "Ninh Bình",
        ];
        args.extend_from_slice(extra);
        let o = kyso_env(d, &args);
        assert!(o.status.success(), "kyso {args:?}: {}", text(&o));
        assert!(text(&o).contains("Đã ký / signed"), "{}", text(&o));
    };
    let (rsa, ec) = (lab.rsa.clone(), lab.ec.clone());
    let visible: &[&str] = &["--page", "1", "--rect", "300,80,560,140"];
    let mut n = 0;
    for input in &inputs {
        for (key, level) in [(&rsa, "B-B"), (&ec, "B-T")] {
            n += 1;
            let out = d.path(&format!("signed-{n}.pdf"));
            let mut extra: Vec<&str> = vec!["--level", level];
            if level == "B-T" {
                extra.extend_from_slice(&["--tsa", &tsa]);
            }
            if n % 2 == 0 {
                extra.extend_from_slice(visible);
            }
            sign(input, &out, s(key), &extra);
            let orig = std::fs::read(input).unwrap();
            assert!(std::fs::read(&out).unwrap().starts_with(&orig));
            peers.all_valid(&out, 1, level == "B-T");
        }
    }

    // RSA with PKCS#1 v1.5 at B-T, then a second signature (EC, visible)
    // on top: both stay valid.
    let first = d.path("first.pdf");
    sign(&objstm, &first, s(&rsa), &["--pkcs1v15", "--tsa", &tsa]);
    peers.all_valid(&first, 1, true);
    let second = d.path("second.pdf");
    let mut extra = vec!["--tsa", tsa.as_str()];
    extra.extend_from_slice(visible);
    sign(&first, &second, s(&ec), &extra);
    peers.all_valid(&second, 2, true);

    // A tampered byte inside the signed range is caught by both.
    let mut bytes = std::fs::read(d.path("signed-1.pdf")).unwrap();
    let pos = bytes
        .windows(5)
        .position(|w| w == b"Hello")
        .expect("page text");
    bytes[pos] = b'J';
    let tampered = d.path("tampered.pdf");
    std::fs::write(&tampered, &bytes).unwrap();
    let t = peers.pdfsig(&tampered);
    assert!(!t.contains("Signature is Valid."), "pdfsig tampered: {t}");
    assert!(
        t.contains("Signature is Invalid") || t.contains("Digest Mismatch"),
        "{t}"
    );
    if let Some((ok, t)) = peers.pyhanko(&tampered) {
        assert!(
            !t.contains("The signature is judged VALID."),
            "pyhanko tampered: {t}"
        );
        assert!(
            !ok && t.contains("The signature is cryptographically unsound."),
            "pyhanko tampered: {t}"
        );
        eprintln!("pyHanko on the tampered file:\n{t}");
    }

    // Encrypted and truncated inputs are refused; no output appears.
    let enc = d.path("enc.pdf");
    let (ok, t) = run_in(
        &dir,
        "qpdf",
        &["--encrypt", "u", "o", "256", "--", "plain.pdf", "enc.pdf"],
    );
    assert!(ok, "{t}");
    let truncated = d.path("truncated.pdf");
    let b = hand_pdf();
    std::fs::write(&truncated, &b[..b.len() * 2 / 3]).unwrap();
    for (bad, word) in [(&enc, "mã hóa"), (&truncated, "cắt cụt")] {
        let before = std::fs::read(bad).unwrap();
        let out = d.path("refused.pdf");
        let o = kyso_env(d, &["sign", s(bad), "-o", s(&out), "--p12", s(&rsa)]);
        assert!(!o.status.success());
        assert!(text(&o).contains(word), "{}", text(&o));
        assert!(!out.exists());
        assert_eq!(std::fs::read(bad).unwrap(), before);
    }

    // Wrong password: a clear message.
    let o = Command::new(KYSO)
        .args([
            "sign",
            s(&plain),
            "-o",
            s(&d.path("x.pdf")),
            "--p12",
            s(&rsa),
        ])
        .env("KYSO_P12_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("PKCS#12"), "{}", text(&o));
}

/// `kyso sign --field NAME` on a document without that field creates an
/// invisible signature field of that name, as pyHanko's `--field` does;
/// the peers accept it and name the field. A later `--field` naming a
/// field that is not a signature field is refused.
#[test]
fn a_new_field_name_makes_an_invisible_field_of_that_name() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let d = &lab.d;
    let plain = d.path("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();
    let once = d.path("named.pdf");
    lab.kyso_ok(&[
        "sign",
        s(&plain),
        "-o",
        s(&once),
        "--p12",
        s(&lab.rsa),
        "--field",
        "KyDuyet",
        "--text-field",
        "GhiChu@1:72,600,300,630",
    ]);
    // A second signature in another new field of its own name.
    let twice = d.path("named-twice.pdf");
    lab.kyso_ok(&[
        "sign",
        s(&once),
        "-o",
        s(&twice),
        "--p12",
        s(&lab.ec),
        "--field",
        "VanThu",
        "--tsa",
        &lab.tsa,
    ]);
    lab.peers.qpdf_check(&twice);
    let t = lab.peers.pdfsig(&twice);
    assert_eq!(t.matches("Signature is Valid.").count(), 2, "{t}");
    if let Some((ok, t)) = lab.peers.pyhanko(&twice) {
        assert!(ok, "{t}");
        assert!(t.contains("KyDuyet") && t.contains("VanThu"), "{t}");
    }
    let (code, v) = common::verify::verify_json(&lab, &twice, &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["signatures"][0]["field"], "KyDuyet");
    assert_eq!(v["signatures"][1]["field"], "VanThu");
    // Invisible: the (merged) field widgets have an empty rectangle.
    #[allow(clippy::disallowed_methods)] // the test's own output, read whole
    let doc = lopdf::Document::load(&twice).unwrap();
    let mut seen = 0;
    for o in doc.objects.values() {
        let Ok(dict) = o.as_dict() else { continue };
        let Ok(lopdf::Object::String(t, _)) = dict.get(b"T") else {
            continue;
        };
        if t.as_slice() == b"KyDuyet" || t.as_slice() == b"VanThu" {
            let r: Vec<f32> = dict
                .get(b"Rect")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_float().unwrap())
                .collect();
            assert!(r[0] == r[2] && r[1] == r[3], "{r:?}");
            seen += 1;
        }
    }
    assert_eq!(seen, 2);
    // A name taken by a text field is not a signature field.
    let o = lab.kyso(&[
        "sign",
        s(&once),
        "-o",
        s(&d.path("bad.pdf")),
        "--p12",
        s(&lab.rsa),
        "--field",
        "GhiChu",
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("GhiChu"), "{}", text(&o));
}
