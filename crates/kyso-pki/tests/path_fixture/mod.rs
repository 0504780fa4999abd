//! Test PKIs made by the openssl CLI (`openssl req`, `openssl ca`,
//! `openssl ocsp`), so that openssl is the peer that checks kyso's path
//! validator. Everything lives in a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use der::{Decode, DecodePem};
use x509_cert::Certificate;

/// Whether the openssl CLI runs. With `KYSO_REQUIRE_PEERS=1` a missing
/// openssl fails the test instead of skipping it.
pub fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("openssl CLI not found but KYSO_REQUIRE_PEERS=1");
        }
        eprintln!(
            "SKIPPED: openssl CLI not found (set KYSO_REQUIRE_PEERS=1 to make this a failure)"
        );
    }
    ok
}

/// Runs openssl, panics with its stderr on failure, returns stdout.
pub fn openssl(args: &[&str], cwd: &Path) -> String {
    let out = openssl_output(args, cwd);
    assert!(
        out.0,
        "openssl {} failed:\n{}\n{}",
        args.join(" "),
        out.1,
        out.2
    );
    out.1
}

/// Runs openssl; returns (success, stdout, stderr).
pub fn openssl_output(args: &[&str], cwd: &Path) -> (bool, String, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run openssl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Key and signature flavour of a test PKI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// RSA keys, RSASSA-PSS signatures (salt length = hash length).
    RsaPss,
    /// RSA keys, PKCS#1 v1.5 signatures.
    RsaPkcs1,
    /// P-384 root, P-256 below, ECDSA signatures.
    Ecdsa,
}

impl Kind {
    fn newkey(self, rsa_bits: u32, top: bool) -> Vec<String> {
        match self {
            Kind::RsaPss | Kind::RsaPkcs1 => vec!["-newkey".into(), format!("rsa:{rsa_bits}")],
            Kind::Ecdsa => vec![
                "-newkey".into(),
                "ec".into(),
                "-pkeyopt".into(),
                format!("ec_paramgen_curve:{}", if top { "P-384" } else { "P-256" }),
            ],
        }
    }

    /// Signature options for certificates, CRLs (`openssl ca -sigopt`).
    fn sigopts(self, flag: &str) -> Vec<String> {
        match self {
            Kind::RsaPss => vec![
                flag.into(),
                "rsa_padding_mode:pss".into(),
                flag.into(),
                "rsa_pss_saltlen:digest".into(),
            ],
            _ => vec![],
        }
    }
}

const CNF_EXTENSIONS: &str = r#"
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
[ req_dn ]

[ v3_root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ v3_inter ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_inter_no_aki ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ v3_inter_pathlen0 ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_not_ca ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_ca_no_certsign ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_ee ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection,1.3.6.1.5.5.7.3.36
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess = OCSP;URI:http://ocsp.kyso.test/,caIssuers;URI:http://ca.kyso.test/issuing.crt
crlDistributionPoints = URI:http://ca.kyso.test/issuing.crl

[ v3_ee_unknown_critical ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.4.1.59999.99.1 = critical,ASN1:NULL

[ v3_ocsp ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.5.5.7.48.1.5 = ASN1:NULL

[ v3_ocsp_without_nocheck ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_ocsp_without_eku ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ crl_ext ]
authorityKeyIdentifier = keyid:always
"#;

/// Validity used for CAs and for most end entities.
pub const CA_START: &str = "20200101000000Z";
pub const CA_END: &str = "20450101000000Z";
pub const EE_START: &str = "20240101000000Z";
pub const EE_END: &str = "20350101000000Z";

/// A CA run by `openssl ca` in its own directory.
pub struct Ca {
    pub dir: PathBuf,
    pub cnf: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub kind: Kind,
}

/// An issued certificate: PEM files and the parsed certificate.
pub struct Issued {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub cert: Certificate,
}

/// A temporary directory holding the test PKI.
pub struct Pki {
    pub tmp: tempfile::TempDir,
    pub kind: Kind,
}

impl Pki {
    /// `None` (test skipped) when openssl is missing.
    pub fn new(kind: Kind) -> Option<Self> {
        if !openssl_available() {
            return None;
        }
        Some(Self {
            tmp: tempfile::tempdir().expect("tempdir"),
            kind,
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn ca_dir(&self, name: &str) -> Ca {
        let dir = self.path(name);
        std::fs::create_dir_all(dir.join("newcerts")).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
        let cnf = dir.join("openssl.cnf");
        let text = format!(
            r#"[ ca ]
default_ca = CA_default

[ CA_default ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
{CNF_EXTENSIONS}"#,
            dir = dir.display()
        );
        std::fs::write(&cnf, text).unwrap();
        Ca {
            cert: dir.join("ca.crt"),
            key: dir.join("ca.key"),
            dir,
            cnf,
            kind: self.kind,
        }
    }

    /// A self-signed root CA.
    pub fn root(&self, name: &str, subject: &str) -> Ca {
        let ca = self.ca_dir(name);
        let csr = ca.dir.join("ca.csr");
        let mut args: Vec<String> = vec!["req".into(), "-new".into()];
        args.extend(self.kind.newkey(3072, true));
        args.extend(
            [
                "-utf8",
                "-nodes",
                "-keyout",
                s(&ca.key),
                "-subj",
                subject,
                "-out",
                s(&csr),
                "-config",
                s(&ca.cnf),
            ]
            .map(String::from),
        );
        run(&args, self.tmp.path());
        let mut args: Vec<String> = [
            "ca",
            "-batch",
            "-notext",
            "-selfsign",
            "-config",
            s(&ca.cnf),
            "-keyfile",
            s(&ca.key),
            "-in",
            s(&csr),
            "-out",
            s(&ca.cert),
            "-extensions",
            "v3_root",
            "-startdate",
            CA_START,
            "-enddate",
            CA_END,
        ]
        .map(String::from)
        .to_vec();
        args.extend(self.kind.sigopts("-sigopt"));
        run(&args, self.tmp.path());
        ca
    }

    /// A version 1 self-signed root (no extensions), made by
    /// `openssl x509 -req -signkey`, valid from now for ten years.
    pub fn v1_root(&self, name: &str, subject: &str) -> Ca {
        let ca = self.ca_dir(name);
        let csr = ca.dir.join("ca.csr");
        let mut args: Vec<String> = vec!["req".into(), "-new".into()];
        args.extend(self.kind.newkey(3072, true));
        args.extend(
            [
                "-utf8",
                "-nodes",
                "-keyout",
                s(&ca.key),
                "-subj",
                subject,
                "-out",
                s(&csr),
                "-config",
                s(&ca.cnf),
            ]
            .map(String::from),
        );
        run(&args, self.tmp.path());
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                s(&csr),
                "-signkey",
                s(&ca.key),
                "-out",
                s(&ca.cert),
                "-days",
                "3650",
            ],
            self.tmp.path(),
        );
        ca
    }

    /// A CA certified by `parent` (profile `section`), with its own
    /// `openssl ca` directory.
    pub fn sub_ca(&self, parent: &Ca, name: &str, subject: &str, section: &str) -> Ca {
        let ca = self.ca_dir(name);
        let issued = self.issue_to(
            parent, &ca.cert, &ca.key, subject, section, CA_START, CA_END, 3072,
        );
        drop(issued);
        ca
    }

    /// An end-entity (or other) certificate issued by `ca`.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        ca: &Ca,
        name: &str,
        subject: &str,
        section: &str,
        start: &str,
        end: &str,
        rsa_bits: u32,
    ) -> Issued {
        let cert = self.path(&format!("{name}.crt"));
        let key = self.path(&format!("{name}.key"));
        self.issue_to(ca, &cert, &key, subject, section, start, end, rsa_bits)
    }

    /// An end entity with the default profile and validity.
    pub fn ee(&self, ca: &Ca, name: &str, cn: &str) -> Issued {
        self.issue(
            ca,
            name,
            &format!("/C=VN/O=Kyso Test/CN={cn}"),
            "v3_ee",
            EE_START,
            EE_END,
            2048,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn issue_to(
        &self,
        ca: &Ca,
        cert: &Path,
        key: &Path,
        subject: &str,
        section: &str,
        start: &str,
        end: &str,
        rsa_bits: u32,
    ) -> Issued {
        let csr = cert.with_extension("csr");
        let mut args: Vec<String> = vec!["req".into(), "-new".into()];
        args.extend(self.kind.newkey(rsa_bits, false));
        args.extend(
            [
                "-utf8",
                "-nodes",
                "-keyout",
                s(key),
                "-subj",
                subject,
                "-out",
                s(&csr),
                "-config",
                s(&ca.cnf),
            ]
            .map(String::from),
        );
        run(&args, self.tmp.path());
        self.sign_csr(ca, &csr, cert, section, start, end, &[]);
        Issued {
            cert_path: cert.to_path_buf(),
            key_path: key.to_path_buf(),
            cert: load_cert(cert),
        }
    }

    /// `openssl ca` signs a CSR.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_csr(
        &self,
        ca: &Ca,
        csr: &Path,
        out: &Path,
        section: &str,
        start: &str,
        end: &str,
        extra: &[&str],
    ) {
        let mut args: Vec<String> = [
            "ca",
            "-batch",
            "-notext",
            "-config",
            s(&ca.cnf),
            "-in",
            s(csr),
            "-out",
            s(out),
            "-extensions",
            section,
            "-startdate",
            start,
            "-enddate",
            end,
        ]
        .map(String::from)
        .to_vec();
        args.extend(ca.kind.sigopts("-sigopt"));
        args.extend(extra.iter().map(|a| a.to_string()));
        run(&args, self.tmp.path());
    }

    /// `openssl ca -revoke … -crl_reason …`.
    pub fn revoke(&self, ca: &Ca, cert: &Path, reason: &str) {
        openssl(
            &[
                "ca",
                "-batch",
                "-config",
                s(&ca.cnf),
                "-revoke",
                s(cert),
                "-crl_reason",
                reason,
            ],
            self.tmp.path(),
        );
    }

    /// `openssl ca -gencrl`; returns (PEM path, DER bytes).
    pub fn crl(&self, ca: &Ca) -> (PathBuf, Vec<u8>) {
        let pem = ca.dir.join("ca.crl.pem");
        let mut args: Vec<String> = [
            "ca",
            "-batch",
            "-gencrl",
            "-config",
            s(&ca.cnf),
            "-crlexts",
            "crl_ext",
            "-out",
            s(&pem),
        ]
        .map(String::from)
        .to_vec();
        args.extend(ca.kind.sigopts("-sigopt"));
        run(&args, self.tmp.path());
        let der_path = ca.dir.join("ca.crl.der");
        openssl(
            &[
                "crl",
                "-in",
                s(&pem),
                "-outform",
                "DER",
                "-out",
                s(&der_path),
            ],
            self.tmp.path(),
        );
        (pem, std::fs::read(der_path).unwrap())
    }

    /// An OCSP request for `cert` (CertID hashed with `digest`, e.g.
    /// "-sha1" or "-sha256") answered by `openssl ocsp -index` from `ca`'s
    /// database, signed by `responder` (cert, key). Returns the DER
    /// OCSPResponse.
    pub fn ocsp_response(
        &self,
        ca: &Ca,
        cert: &Path,
        digest: &str,
        responder: (&Path, &Path),
        name: &str,
    ) -> Vec<u8> {
        let req = self.path(&format!("{name}.req.der"));
        let resp = self.path(&format!("{name}.resp.der"));
        openssl(
            &[
                "ocsp",
                "-issuer",
                s(&ca.cert),
                digest,
                "-cert",
                s(cert),
                "-no_nonce",
                "-reqout",
                s(&req),
            ],
            self.tmp.path(),
        );
        let mut args: Vec<String> = [
            "ocsp",
            "-index",
            s(&ca.dir.join("index.txt")),
            "-rsigner",
            s(responder.0),
            "-rkey",
            s(responder.1),
            "-CA",
            s(&ca.cert),
            "-reqin",
            s(&req),
            "-respout",
            s(&resp),
            "-ndays",
            "1",
        ]
        .map(String::from)
        .to_vec();
        args.extend(ca.kind.sigopts("-rsigopt"));
        run(&args, self.tmp.path());
        std::fs::read(resp).unwrap()
    }

    /// A PEM file holding several certificates.
    pub fn bundle(&self, name: &str, certs: &[&Path]) -> PathBuf {
        let mut text = String::new();
        for c in certs {
            text.push_str(&std::fs::read_to_string(c).unwrap());
        }
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn run(args: &[String], cwd: &Path) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    openssl(&refs, cwd)
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Reads a PEM or DER certificate file.
pub fn load_cert(path: &Path) -> Certificate {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(b"-----") {
        Certificate::from_pem(&bytes).unwrap()
    } else {
        Certificate::from_der(&bytes).unwrap()
    }
}

/// DER of a PEM certificate file.
pub fn cert_der(path: &Path) -> Vec<u8> {
    use der::Encode;
    load_cert(path).to_der().unwrap()
}
