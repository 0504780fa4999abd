//! A SoftHSM2 token directory of its own (SOFTHSM2_CONF) with keys made by
//! `kyso token keygen` and certificates issued by a [`Lab`]'s CA and
//! stored on the token: for `kyso sign --pkcs11` and `kyso agent` tests.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::lab::{s, text, Lab};
use super::*;

pub const SO_PIN: &str = "87654321";
pub const PIN: &str = "123456";

pub struct Hsm {
    pub dir: tempfile::TempDir,
    pub module: PathBuf,
}

fn softhsm_module() -> Option<PathBuf> {
    let mut c = vec![PathBuf::from("/usr/lib/softhsm/libsofthsm2.so")];
    if let Ok(rd) = std::fs::read_dir("/usr/lib") {
        for e in rd.flatten() {
            c.push(e.path().join("softhsm/libsofthsm2.so"));
        }
    }
    c.push(PathBuf::from("/usr/local/lib/softhsm/libsofthsm2.so"));
    c.into_iter().find(|p| p.exists())
}

impl Hsm {
    /// None (skip) when SoftHSM2 is missing, unless KYSO_REQUIRE_PEERS=1.
    pub fn new() -> Option<Hsm> {
        let util = Command::new("softhsm2-util").arg("--version").output();
        let (Some(module), Ok(_)) = (softhsm_module(), util) else {
            if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
                panic!("softhsm2 is required (KYSO_REQUIRE_PEERS=1) but not installed");
            }
            eprintln!("SKIP: softhsm2 not installed (apt-get install softhsm2 opensc)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\n",
                dir.path().join("tokens").display()
            ),
        )
        .unwrap();
        Some(Hsm { dir, module })
    }

    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    pub fn module(&self) -> &str {
        self.module.to_str().unwrap()
    }

    pub fn init_token(&self, label: &str) {
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", self.conf())
            .args(["--init-token", "--free", "--label", label])
            .args(["--so-pin", SO_PIN, "--pin", PIN])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }

    /// A `kyso` command on `d` with this token directory and TOKEN_PIN set.
    pub fn command(&self, d: &Deployment) -> Command {
        let mut c = Command::new(KYSO);
        c.args(["--data", d.data().to_str().unwrap(), "--db", &d.db])
            .env("SOFTHSM2_CONF", self.conf())
            .env("TOKEN_PIN", PIN)
            .env("KYSO_LOG", "warn")
            .env_remove("KYSO_KEY_PASSWORD");
        c
    }

    pub fn kyso_raw(&self, d: &Deployment, args: &[&str]) -> Output {
        self.command(d).args(args).output().expect("run kyso")
    }

    pub fn kyso(&self, d: &Deployment, args: &[&str]) -> Output {
        let o = self.kyso_raw(d, args);
        assert!(o.status.success(), "kyso {args:?}: {}", text(&o));
        o
    }

    /// `kyso ARGS…` with this token directory, KYSO_PKCS11_MODULE and
    /// `envs` only (no PIN variable unless `envs` names one).
    pub fn kyso_envs(&self, d: &Deployment, envs: &[(&str, &str)], args: &[&str]) -> Output {
        let mut c = Command::new(KYSO);
        c.args(["--data", d.data().to_str().unwrap(), "--db", &d.db])
            .args(args)
            .env("SOFTHSM2_CONF", self.conf())
            .env("KYSO_PKCS11_MODULE", &self.module)
            .env("KYSO_LOG", "warn")
            .env_remove("KYSO_KEY_PASSWORD");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().expect("run kyso")
    }

    /// [`Self::kyso_envs`] that must succeed; its stdout.
    pub fn kyso_envs_ok(&self, d: &Deployment, envs: &[(&str, &str)], args: &[&str]) -> String {
        let out = self.kyso_envs(d, envs, args);
        assert!(out.status.success(), "kyso {args:?} failed: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// OpenSC's pkcs11-tool on this token directory; must succeed.
    pub fn pkcs11_tool(&self, args: &[&str]) -> String {
        let out = Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", self.conf())
            .arg("--module")
            .arg(&self.module)
            .args(args)
            .output()
            .expect("pkcs11-tool");
        let t = text(&out);
        assert!(out.status.success(), "pkcs11-tool {args:?}: {t}");
        t
    }

    /// On token `token`: a key `label` of `key_type` generated on the
    /// token, a CSR, the certificate issued by the lab's CA, stored on the
    /// token with the issuing and root certificates. Returns the
    /// certificate's PEM path.
    pub fn enrol(&self, lab: &Lab, token: &str, label: &str, key_type: &str, cn: &str) -> PathBuf {
        let d = &lab.d;
        let m = self.module();
        self.kyso(
            d,
            &[
                "token",
                "keygen",
                "--module",
                m,
                "--token",
                token,
                "--pin-env",
                "TOKEN_PIN",
                "--label",
                label,
                "--type",
                key_type,
            ],
        );
        let csr = d.path(&format!("{label}.csr"));
        let pem = d.path(&format!("{label}.pem"));
        self.kyso(
            d,
            &[
                "token",
                "csr",
                "--module",
                m,
                "--token",
                token,
                "--pin-env",
                "TOKEN_PIN",
                "--key",
                label,
                "--subject",
                &format!("CN={cn}, O=UBND tỉnh Ninh Bình, C=VN"),
                "-o",
                s(&csr),
            ],
        );
        d.kyso(&["ca", "issue", "--csr", s(&csr), "-o", s(&pem)]);
        self.kyso(
            d,
            &[
                "token",
                "import-cert",
                "--module",
                m,
                "--token",
                token,
                "--pin-env",
                "TOKEN_PIN",
                "--key",
                label,
                s(&pem),
                "--chain",
                s(&d.path("issuing.pem")),
                "--chain",
                s(&d.path("root.pem")),
            ],
        );
        pem
    }
}

pub fn write_pdf(path: &Path) {
    std::fs::write(path, super::lab::hand_pdf()).unwrap();
}
