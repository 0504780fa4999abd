//! The signing lab shared by the PDF tests: a CA and TSA from `kyso ca
//! init` + `kyso serve`, PKCS#12 keys (RSA and EC) from `kyso ca issue`,
//! an NSS database trusting the root for pdfsig, and the peers' verdicts
//! (pyHanko, pdfsig, qpdf) on a signed file.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::*;

pub const P12_PASSWORD: &str = "mật khẩu thử 123";

#[path = "../../../kyso-pdf/tests/common/hand_pdf.rs"]
mod hand_pdf;
pub use hand_pdf::hand_pdf;

/// stdout followed by stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run kyso on `d` with the PKCS#12 password in KYSO_P12_PASSWORD.
pub fn kyso_env(d: &Deployment, args: &[&str]) -> Output {
    Command::new(KYSO)
        .args(["--data", d.data().to_str().unwrap(), "--db", &d.db])
        .args(args)
        .env_remove("KYSO_KEY_PASSWORD")
        .env("KYSO_P12_PASSWORD", P12_PASSWORD)
        .env("KYSO_LOG", "warn")
        .output()
        .expect("run kyso")
}

/// A running CA/TSA with two subscriber keys and the peers set up.
pub struct Lab {
    pub d: Deployment,
    pub server: Server,
    pub peers: Peers,
    /// PKCS#12 of "Nguyễn Văn An", RSA-2048.
    pub rsa: PathBuf,
    /// PKCS#12 of "Trần Thị Bình", P-256.
    pub ec: PathBuf,
    /// http://127.0.0.1:PORT/tsa
    pub tsa: String,
}

impl Lab {
    /// None when qpdf, pdfsig or certutil is missing (and peers are not
    /// required).
    pub fn start() -> Option<Lab> {
        if !(have("qpdf") && have("pdfsig") && have("certutil")) {
            return None;
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
        let server = d.serve();
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
                    "--email",
                    &format!("{name}@ninhbinh.gov.vn"),
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
        let tsa = d.base_url() + "/tsa";
        Some(Lab {
            rsa: d.path("rsa.p12"),
            ec: d.path("ec.p12"),
            tsa,
            server,
            peers: Peers {
                dir,
                nss: nss_arg,
                python,
            },
            d,
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.d.path(name)
    }

    /// `kyso ARGS…` with the PKCS#12 password set; panics on failure.
    pub fn kyso_ok(&self, args: &[&str]) -> Output {
        let o = kyso_env(&self.d, args);
        assert!(o.status.success(), "kyso {args:?}: {}", text(&o));
        o
    }

    /// `kyso ARGS…` with the PKCS#12 password set.
    pub fn kyso(&self, args: &[&str]) -> Output {
        kyso_env(&self.d, args)
    }

    /// The key and certificate of `NAME.p12` (`rsa` or `ec`) as the PEM
    /// files `NAME.key` (unencrypted) and `NAME.crt` in the Lab directory,
    /// for openssl and pkcs11-tool.
    pub fn openssl_key_files(&self, name: &str) {
        let pass = format!("pass:{P12_PASSWORD}");
        let p12 = format!("{name}.p12");
        for (what, out) in [("-nocerts", "key"), ("-clcerts", "crt")] {
            let file = format!("{name}.{out}");
            let mut args = vec!["pkcs12", "-in", &p12, what, "-passin", &pass, "-out", &file];
            args.push(if out == "key" { "-nodes" } else { "-nokeys" });
            super::openssl(&self.peers.dir, &args);
        }
    }
}

pub struct Peers {
    pub dir: PathBuf,
    pub nss: String,
    pub python: Option<String>,
}

impl Peers {
    /// pyHanko's judgement: (intact and valid and trusted, output).
    pub fn pyhanko(&self, pdf: &Path) -> Option<(bool, String)> {
        self.pyhanko_with(pdf, &[])
    }

    /// [`Peers::pyhanko`] with `extra` options of `pyhanko sign validate`.
    pub fn pyhanko_with(&self, pdf: &Path, extra: &[&str]) -> Option<(bool, String)> {
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
            ])
            .args(extra)
            .arg(pdf)
            .output()
            .expect("pyhanko");
        let t = text(&o);
        Some((o.status.success(), t))
    }

    pub fn pdfsig(&self, pdf: &Path) -> String {
        let o = Command::new("pdfsig")
            .args(["-nssdir", &self.nss, s(pdf)])
            .output()
            .expect("pdfsig");
        text(&o)
    }

    pub fn qpdf_check(&self, pdf: &Path) {
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
    pub fn all_valid(&self, pdf: &Path, n: usize, timestamped: bool) {
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
