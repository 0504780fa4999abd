//! `kyso sign` end to end: a CA and TSA from `kyso ca init` + `kyso serve`,
//! PKCS#12 keys from `kyso ca issue`, PDFs made by hand and rewritten by
//! qpdf and Ghostscript, and every signature checked by pyHanko, pdfsig
//! (with the root in an NSS database) and qpdf.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

const P12_PASSWORD: &str = "mật khẩu thử 123";

/// A one-page PDF with a line of text, classic xref table, written by hand.
fn hand_pdf() -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 720 Td (Hello from a hand-written PDF) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content.to_vec(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
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

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn kyso_env(d: &Deployment, args: &[&str]) -> Output {
    Command::new(KYSO)
        .args(["--data", d.data().to_str().unwrap(), "--db", &d.db])
        .args(args)
        .env_remove("KYSO_KEY_PASSWORD")
        .env("KYSO_P12_PASSWORD", P12_PASSWORD)
        .env("KYSO_LOG", "warn")
        .output()
        .expect("run kyso")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Peers {
    dir: PathBuf,
    nss: String,
    python: Option<String>,
}

impl Peers {
    /// pyHanko's judgement: (intact and valid and trusted, output).
    fn pyhanko(&self, pdf: &Path) -> Option<(bool, String)> {
        self.python.as_ref()?;
        let pyhanko = Path::new(self.python.as_ref().unwrap())
            .parent()
            .unwrap()
            .join("pyhanko");
        let o = Command::new(pyhanko)
            .current_dir(&self.dir)
            .args([
                "sign",
                "validate",
                "--pretty-print",
                "--trust",
                "root.pem",
                "--trust-replace",
                "--other-certs",
                "issuing.pem",
                s(pdf),
            ])
            .output()
            .expect("pyhanko");
        let t = text(&o);
        Some((o.status.success(), t))
    }

    fn pdfsig(&self, pdf: &Path) -> String {
        let o = Command::new("pdfsig")
            .args(["-nssdir", &self.nss, s(pdf)])
            .output()
            .expect("pdfsig");
        text(&o)
    }

    fn qpdf_check(&self, pdf: &Path) {
        let o = Command::new("qpdf")
            .args(["--check", s(pdf)])
            .output()
            .expect("qpdf");
        assert!(
            o.status.code() == Some(0),
            "qpdf --check {}: {}",
            pdf.display(),
            text(&o)
        );
    }

    /// Every peer accepts every signature in `pdf` (`n` of them).
    fn all_valid(&self, pdf: &Path, n: usize, timestamped: bool) {
        self.qpdf_check(pdf);
        let t = self.pdfsig(pdf);
        assert_eq!(
            t.matches("Signature is Valid.").count(),
            n,
            "pdfsig {}: {t}",
            pdf.display()
        );
        assert_eq!(
            t.matches("Certificate is Trusted.").count(),
            n,
            "pdfsig trust {}: {t}",
            pdf.display()
        );
        if let Some((ok, t)) = self.pyhanko(pdf) {
            assert!(ok, "pyhanko {}: {t}", pdf.display());
            for phrase in [
                "The signature is cryptographically sound.",
                "The signer's certificate is trusted.",
                "The signature is judged VALID.",
            ] {
                assert_eq!(
                    t.matches(phrase).count(),
                    n,
                    "pyhanko {} lacks {phrase:?}: {t}",
                    pdf.display()
                );
            }
            if timestamped {
                for phrase in [
                    "The timestamp token is cryptographically sound.",
                    "The TSA certificate is trusted.",
                ] {
                    assert_eq!(
                        t.matches(phrase).count(),
                        n,
                        "pyhanko timestamp {} lacks {phrase:?}: {t}",
                        pdf.display()
                    );
                }
            }
        }
    }
}

#[test]
fn kyso_sign_is_accepted_by_pyhanko_pdfsig_and_qpdf() {
    if !(have("qpdf") && have("pdfsig") && have("certutil")) {
        return;
    }
    let python = python();
    let d = deployments().remove(0);
    let dir = d.dir.path().to_path_buf();
    d.kyso(&[
        "ca",
        "init",
        "--issuing-key",
        "rsa-3072",
        "--organization",
        "Sở Khoa học và Công nghệ tỉnh Ninh Bình",
        "--base-url",
        &d.base_url(),
    ]);
    d.kyso(&["ca", "cert", "root", "-o", s(&d.path("root.pem"))]);
    d.kyso(&["ca", "cert", "issuing", "-o", s(&d.path("issuing.pem"))]);
    let _srv = d.serve();
    for (name, key_type, cn) in [
        ("rsa", "rsa-2048", "Nguyễn Văn An"),
        ("ec", "p-256", "Trần Thị Bình"),
    ] {
        let p12 = d.path(&format!("{name}.p12"));
        let o = kyso_env(
            &d,
            &[
                "ca",
                "issue",
                "--key-type",
                key_type,
                "--subject",
                &format!("CN={cn}, O=UBND tỉnh Ninh Bình, C=VN"),
                "--p12",
                s(&p12),
                "-o",
                s(&d.path(&format!("{name}.pem"))),
            ],
        );
        assert!(o.status.success(), "issue {name}: {}", text(&o));
    }

    // NSS database trusting the root, for pdfsig.
    let nss = dir.join("nss");
    std::fs::create_dir(&nss).unwrap();
    let nss_arg = format!("sql:{}", nss.display());
    let (ok, t) = run_in(
        &dir,
        "certutil",
        &["-N", "--empty-password", "-d", &nss_arg],
    );
    assert!(ok, "{t}");
    let (ok, t) = run_in(
        &dir,
        "certutil",
        &[
            "-A", "-d", &nss_arg, "-n", "root", "-t", "CT,C,C", "-i", "root.pem",
        ],
    );
    assert!(ok, "{t}");
    let peers = Peers {
        dir: dir.clone(),
        nss: nss_arg,
        python,
    };

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

    let tsa = d.base_url() + "/tsa";
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
        let o = kyso_env(&d, &args);
        assert!(o.status.success(), "kyso {args:?}: {}", text(&o));
        assert!(text(&o).contains("Đã ký / signed"), "{}", text(&o));
    };
    let rsa = d.path("rsa.p12");
    let ec = d.path("ec.p12");
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
        let o = kyso_env(&d, &["sign", s(bad), "-o", s(&out), "--p12", s(&rsa)]);
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
