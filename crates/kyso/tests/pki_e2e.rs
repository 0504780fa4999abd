//! The PKI acceptance tests of issue 2, against a running `kyso serve` on
//! loopback, checked by openssl and pyHanko — on SQLite and PostgreSQL.
mod common;

use std::path::Path;

use common::*;

const SUBJECT: &str = "/C=VN/ST=Ninh Bình/O=Ủy ban nhân dân tỉnh Ninh Bình/CN=Nguyễn Văn An";

fn make_csr(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-utf8",
            "-subj",
            SUBJECT,
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
        ],
    );
}

fn issue(d: &Deployment, name: &str) -> String {
    make_csr(d.dir.path(), name);
    let out = d.kyso(&[
        "ca",
        "issue",
        "--profile",
        "personal",
        "--csr",
        d.path(&format!("{name}.csr")).to_str().unwrap(),
        "--email",
        "an@ninhbinh.gov.vn",
        "-o",
        d.path(&format!("{name}.pem")).to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let serial = stderr
        .split("serial ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("serial printed");
    serial.to_string()
}

fn fetch_crl(d: &Deployment, srv: &Server) {
    let (status, der) = get(&srv.url("/pki/issuing.crl"));
    assert_eq!(status, 200);
    std::fs::write(d.path("issuing.crl.der"), der).unwrap();
    openssl(
        d.dir.path(),
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "issuing.crl.der",
            "-out",
            "issuing.crl.pem",
        ],
    );
}

fn ocsp_status(d: &Deployment, srv: &Server, cert_args: &[&str]) -> String {
    let mut args = vec!["ocsp", "-issuer", "issuing.pem", "-url"];
    let url = srv.url("/ocsp");
    args.push(&url);
    args.extend_from_slice(cert_args);
    args.extend_from_slice(&["-CAfile", "root.pem", "-resp_text"]);
    openssl(d.dir.path(), &args)
}

#[test]
fn pki_acceptance_on_every_backend() {
    if !have("openssl") {
        return;
    }
    for d in deployments() {
        eprintln!("== backend {}", d.backend);
        acceptance(&d);
    }
}

fn acceptance(d: &Deployment) {
    let dir = d.dir.path();
    d.kyso(&[
        "ca",
        "init",
        "--root-key",
        "p-384",
        "--issuing-key",
        "rsa-3072",
        "--organization",
        "Sở Khoa học và Công nghệ tỉnh Ninh Bình",
        "--base-url",
        &d.base_url(),
        "--policy",
        "1.3.6.1.4.1.59999.1.1.7",
    ]);
    d.kyso(&[
        "ca",
        "cert",
        "root",
        "-o",
        d.path("root.pem").to_str().unwrap(),
    ]);
    d.kyso(&[
        "ca",
        "cert",
        "issuing",
        "-o",
        d.path("issuing.pem").to_str().unwrap(),
    ]);
    let srv = d.serve();

    // Issue from an openssl-made CSR with a Vietnamese subject.
    let serial = issue(d, "an");
    let text = openssl(
        dir,
        &[
            "x509", "-in", "an.pem", "-noout", "-text", "-nameopt", "utf8",
        ],
    );
    assert!(text.contains("Nguyễn Văn An"), "{text}");
    assert!(
        text.contains("1.3.6.1.4.1.59999.1.1.7"),
        "policy OID missing:\n{text}"
    );
    assert!(
        text.contains(&format!("{}/ocsp", d.base_url())),
        "AIA OCSP missing:\n{text}"
    );
    assert!(
        text.contains(&format!("{}/pki/issuing.crl", d.base_url())),
        "CDP missing:\n{text}"
    );

    // openssl verify with the served CRL: accepted.
    fetch_crl(d, &srv);
    let ok = openssl(
        dir,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-CRLfile",
            "issuing.crl.pem",
            "an.pem",
        ],
    );
    assert!(ok.contains("an.pem: OK"), "{ok}");

    // OCSP: good, verified against the responder certificate.
    let good = ocsp_status(d, &srv, &["-cert", "an.pem"]);
    assert!(good.contains("an.pem: good"), "{good}");
    assert!(good.contains("Response verify OK"), "{good}");
    assert!(
        !good.contains("WARNING: no nonce"),
        "nonce not echoed:\n{good}"
    );
    // SHA-256 CertID, and no nonce (cached answer path).
    let good256 = ocsp_status(d, &srv, &["-sha256", "-cert", "an.pem", "-no_nonce"]);
    assert!(
        good256.contains("an.pem: good") && good256.contains("Response verify OK"),
        "{good256}"
    );
    // GET form (RFC 6960 A.1) of the same request gives the same status.
    openssl(
        dir,
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-cert",
            "an.pem",
            "-no_nonce",
            "-reqout",
            "get.req",
        ],
    );
    let b64 = base64_std(&std::fs::read(d.path("get.req")).unwrap());
    let (status, body) = get(&srv.url(&format!(
        "/ocsp/{}",
        b64.replace('/', "%2F").replace('+', "%2B")
    )));
    assert_eq!(status, 200);
    std::fs::write(d.path("get.resp"), body).unwrap();
    let text = openssl(
        dir,
        &[
            "ocsp",
            "-respin",
            "get.resp",
            "-issuer",
            "issuing.pem",
            "-cert",
            "an.pem",
            "-CAfile",
            "root.pem",
        ],
    );
    assert!(
        text.contains("an.pem: good") && text.contains("Response verify OK"),
        "{text}"
    );
    // A serial never issued: unknown.
    let unknown = ocsp_status(d, &srv, &["-serial", "0x0123456789abcdef"]);
    assert!(unknown.contains(": unknown"), "{unknown}");

    // pyHanko's certvalidator validates a second certificate up to the
    // root, fetching revocation through kyso's OCSP (and the root's CRL).
    let serial2 = issue(d, "binh");
    if let Some(py) = python() {
        let (ok, out) = run_in(
            dir,
            &py,
            &["-c", CERTVALIDATOR, "root.pem", "issuing.pem", "binh.pem"],
        );
        assert!(ok && out.contains("VALID"), "pyHanko certvalidator:\n{out}");
    }

    // Revoke: the cached "good" answer is replaced at once, in the server
    // process, by a revocation made from another process (the CLI).
    let before = d.kyso(&["ca", "list", "--json"]).stdout;
    d.kyso(&["ca", "revoke", &serial, "--reason", "keyCompromise"]);
    // Another process's revocation reaches the server through the store's
    // revocation watch (PostgreSQL NOTIFY; SQLite polling every 200 ms).
    let mut revoked = String::new();
    for _ in 0..40 {
        revoked = ocsp_status(d, &srv, &["-sha256", "-cert", "an.pem", "-no_nonce"]);
        if revoked.contains("an.pem: revoked") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(revoked.contains("an.pem: revoked"), "{revoked}");
    assert!(revoked.contains("Reason: keyCompromise"), "{revoked}");
    assert!(revoked.contains("Response verify OK"), "{revoked}");
    fetch_crl(d, &srv);
    let (ok, text) = run_in(
        dir,
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-CRLfile",
            "issuing.crl.pem",
            "an.pem",
        ],
    );
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    let crl_text = openssl(dir, &["crl", "-in", "issuing.crl.pem", "-noout", "-text"]);
    assert!(crl_text.contains("Key Compromise"), "{crl_text}");
    let after = d.kyso(&["ca", "list", "--json"]).stdout;
    assert_ne!(before, after);
    // Revoking twice is refused and changes nothing.
    let again = d.kyso_raw(&["ca", "revoke", &serial]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already revoked"));
    assert_eq!(after, d.kyso(&["ca", "list", "--json"]).stdout);

    if let Some(py) = python() {
        let (ok, out) = run_in(
            dir,
            &py,
            &["-c", CERTVALIDATOR, "root.pem", "issuing.pem", "an.pem"],
        );
        assert!(
            !ok && out.to_lowercase().contains("revoked"),
            "pyHanko must see the revocation:\n{out}"
        );
    }

    // RFC 3161: openssl query → kyso TSA → openssl verify.
    std::fs::write(d.path("doc.txt"), "Công văn số 12/2026/UBND").unwrap();
    openssl(
        dir,
        &[
            "ts", "-query", "-data", "doc.txt", "-sha256", "-cert", "-out", "q.tsq",
        ],
    );
    let (status, reply) = post(
        &srv.url("/tsa"),
        "application/timestamp-query",
        std::fs::read(d.path("q.tsq")).unwrap(),
    );
    assert_eq!(status, 200);
    std::fs::write(d.path("r.tsr"), reply).unwrap();
    let v = openssl(
        dir,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-queryfile",
            "q.tsq",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
        ],
    );
    assert!(v.contains("Verification: OK"), "{v}");
    let t = openssl(dir, &["ts", "-reply", "-in", "r.tsr", "-text"]);
    assert!(t.contains("Policy OID: 1.3.6.1.4.1.59999.1.2"), "{t}");
    assert!(t.contains("Nonce: 0x"), "{t}");
    assert!(t.contains("Accuracy: 0x01 seconds"), "{t}");
    // Two time-stamps never share a serial.
    let (_, reply2) = post(
        &srv.url("/tsa"),
        "application/timestamp-query",
        std::fs::read(d.path("q.tsq")).unwrap(),
    );
    std::fs::write(d.path("r2.tsr"), reply2).unwrap();
    let t2 = openssl(dir, &["ts", "-reply", "-in", "r2.tsr", "-text"]);
    assert_ne!(
        line_with(&t, "Serial number:"),
        line_with(&t2, "Serial number:")
    );

    // A key kyso generates comes as an encrypted PKCS#12 that openssl opens
    // with the password and not without it; too long a validity is refused.
    let p12 = d.path("seal.p12");
    let out = std::process::Command::new(KYSO)
        .args(["--data", d.data().to_str().unwrap(), "--db", &d.db, "ca", "issue", "--profile", "organization"])
        .args(["--key-type", "p-256", "--p12", p12.to_str().unwrap(), "--days", "1826"])
        .args(["--subject", "CN=UBND tỉnh Ninh Bình, O=UBND tỉnh Ninh Bình, ST=Ninh Bình, C=VN, E=vanthu@ninhbinh.gov.vn"])
        .env("KYSO_P12_PASSWORD", "mật-khẩu-thử")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = openssl(
        dir,
        &[
            "pkcs12",
            "-in",
            "seal.p12",
            "-passin",
            "pass:mật-khẩu-thử",
            "-nodes",
            "-info",
        ],
    );
    assert!(
        text.contains("BEGIN PRIVATE KEY") && text.contains("UBND"),
        "{text}"
    );
    let (ok, _) = run_in(
        dir,
        "openssl",
        &[
            "pkcs12",
            "-in",
            "seal.p12",
            "-passin",
            "pass:wrong",
            "-nodes",
        ],
    );
    assert!(!ok, "the PKCS#12 opened with a wrong password");
    let long = d.kyso_raw(&[
        "ca",
        "issue",
        "--csr",
        d.path("an.csr").to_str().unwrap(),
        "--days",
        "1827",
    ]);
    assert!(!long.status.success());
    assert!(
        String::from_utf8_lossy(&long.stderr).contains("5 years"),
        "{}",
        String::from_utf8_lossy(&long.stderr)
    );

    // Renewal adds days to the end date of a valid certificate.
    let out = d.kyso(&[
        "ca",
        "renew",
        &serial2,
        "--days",
        "365",
        "-o",
        d.path("binh2.pem").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("renewed"));
    let end_old = openssl(dir, &["x509", "-in", "binh.pem", "-noout", "-enddate"]);
    let end_new = openssl(dir, &["x509", "-in", "binh2.pem", "-noout", "-enddate"]);
    assert_ne!(end_old, end_new);
    let too_long = d.kyso_raw(&["ca", "renew", &serial2, "--days", "2000"]);
    assert!(!too_long.status.success());

    bad_input(d, &srv);
}

/// Hostile and malformed requests get the protocol's error answer or a
/// 4xx, and change nothing in the registry.
fn bad_input(d: &Deployment, srv: &Server) {
    let dir = d.dir.path();
    let before = d.kyso(&["ca", "list", "--json"]).stdout;

    let (status, body) = post(
        &srv.url("/ocsp"),
        "application/ocsp-request",
        b"\x30\x03\x02\x01".to_vec(),
    );
    assert_eq!(status, 200);
    std::fs::write(d.path("bad.ocsp"), body).unwrap();
    let (_, text) = run_in(
        dir,
        "openssl",
        &["ocsp", "-respin", "bad.ocsp", "-resp_text", "-noverify"],
    );
    assert!(text.to_lowercase().contains("malformedrequest"), "{text}");

    let (status, _) = post(&srv.url("/ocsp"), "text/plain", b"hello".to_vec());
    assert_eq!(status, 415);
    let (status, _) = post(
        &srv.url("/ocsp"),
        "application/ocsp-request",
        vec![0x30; 200 * 1024],
    );
    assert_eq!(status, 413);

    let (status, body) = post(
        &srv.url("/tsa"),
        "application/timestamp-query",
        b"garbage".to_vec(),
    );
    assert_eq!(status, 200);
    std::fs::write(d.path("bad.tsr"), body).unwrap();
    let (_, text) = run_in(dir, "openssl", &["ts", "-reply", "-in", "bad.tsr", "-text"]);
    assert!(text.contains("Status: Rejected"), "{text}");
    // SHA-1 imprints are refused with badAlg.
    openssl(
        dir,
        &[
            "ts", "-query", "-data", "doc.txt", "-sha1", "-out", "q1.tsq",
        ],
    );
    let (_, body) = post(
        &srv.url("/tsa"),
        "application/timestamp-query",
        std::fs::read(d.path("q1.tsq")).unwrap(),
    );
    std::fs::write(d.path("bad1.tsr"), body).unwrap();
    let (_, text) = run_in(
        dir,
        "openssl",
        &["ts", "-reply", "-in", "bad1.tsr", "-text"],
    );
    assert!(
        text.contains("unrecognized or unsupported algorithm"),
        "{text}"
    );

    // A CSR with a broken signature is refused and nothing is stored.
    make_csr(dir, "evil");
    let mut der = {
        openssl(
            dir,
            &[
                "req", "-in", "evil.csr", "-outform", "DER", "-out", "evil.der",
            ],
        );
        std::fs::read(d.path("evil.der")).unwrap()
    };
    let n = der.len();
    der[n - 10] ^= 0x55;
    std::fs::write(d.path("evil.der"), der).unwrap();
    let out = d.kyso_raw(&["ca", "issue", "--csr", d.path("evil.der").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("signature"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        before,
        d.kyso(&["ca", "list", "--json"]).stdout,
        "registry changed by bad input"
    );
}

fn base64_std(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn line_with(text: &str, key: &str) -> String {
    text.lines()
        .find(|l| l.contains(key))
        .unwrap_or_default()
        .to_string()
}

/// Validate a certificate with pyHanko's certvalidator, revocation
/// checking mandatory and fetched over HTTP.
const CERTVALIDATOR: &str = r#"
import sys, asyncio
from asn1crypto import pem, x509
from pyhanko_certvalidator import ValidationContext, CertificateValidator
def load(p):
    data = open(p, 'rb').read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)
root, inter, ee = (load(p) for p in sys.argv[1:4])
vc = ValidationContext(trust_roots=[root], other_certs=[inter], allow_fetching=True, revocation_mode='hard-fail')
v = CertificateValidator(ee, validation_context=vc)
try:
    asyncio.run(v.async_validate_usage({'non_repudiation'}))
except Exception as e:
    print(type(e).__name__, e)
    sys.exit(1)
print("VALID")
"#;

/// Real roots are imported as anchors beside the built-in one; non-CA
/// certificates and duplicates are refused; anchors can be removed.
#[test]
fn trust_anchors_from_the_cli() {
    if !have("openssl") {
        return;
    }
    let d = deployments().into_iter().next().unwrap();
    let dir = d.dir.path();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-utf8",
            "-days",
            "30",
            "-subj",
            "/C=VN/O=Bộ Khoa học và Công nghệ/CN=Root CA Việt Nam (test)",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            "nr.key",
            "-out",
            "national-root.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=leaf",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.pem",
        ],
    );
    let fp = openssl(
        dir,
        &[
            "x509",
            "-in",
            "national-root.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    let fp: String = fp
        .split('=')
        .nth(1)
        .unwrap()
        .trim()
        .replace(':', "")
        .to_lowercase();

    let out = d.kyso(&[
        "trust",
        "import",
        d.path("national-root.pem").to_str().unwrap(),
        "--label",
        "Root CA Việt Nam",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&fp));
    let list = String::from_utf8_lossy(&d.kyso(&["trust", "list", "--json"]).stdout).to_string();
    assert!(
        list.contains(&fp) && list.contains("Root CA Việt Nam"),
        "{list}"
    );

    let dup = d.kyso_raw(&[
        "trust",
        "import",
        d.path("national-root.pem").to_str().unwrap(),
    ]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already a trust anchor"));
    let leaf = d.kyso_raw(&["trust", "import", d.path("leaf.pem").to_str().unwrap()]);
    assert!(
        !leaf.status.success(),
        "a non-CA certificate must not become an anchor"
    );

    d.kyso(&["trust", "remove", &fp]);
    let list = String::from_utf8_lossy(&d.kyso(&["trust", "list", "--json"]).stdout).to_string();
    assert!(!list.contains(&fp), "{list}");
    assert!(!d.kyso_raw(&["trust", "remove", &fp]).status.success());
}
