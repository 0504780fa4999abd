//! CMS, OCSP and RFC 3161 checked by the openssl CLI as the peer.
//!
//! The CA, responder, TSA and signer certificates are made by openssl
//! itself (no kyso issuance code involved). If openssl is missing the
//! tests skip with a message, unless KYSO_REQUIRE_PEERS=1.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use der::DecodePem;
use kyso_crypto::{DigestAlgorithm, SignatureAlgorithm, Signer, SoftwareKey};
use kyso_pki::cms;
use kyso_pki::ocsp::{self, CertStatusInfo, OcspResponseStatus, SingleResponseInput};
use kyso_pki::tsp::{self, Accuracy, PkiFailureInfo, TsaPolicy, TsaUnit};
use kyso_pki::{oids, RevocationReason};
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::Certificate;

// ---------------------------------------------------------------- helpers

struct Out {
    ok: bool,
    text: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    Out {
        ok: out.status.success(),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn must(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(o.ok, "openssl {args:?} failed:\n{}", o.text);
    o.text
}

fn openssl_present() -> bool {
    let present = Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !present {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("openssl is required (KYSO_REQUIRE_PEERS=1) but was not found");
        }
        eprintln!("SKIPPED: openssl not found (set KYSO_REQUIRE_PEERS=1 to fail instead)");
    }
    present
}

const CNF: &str = r#"
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ee]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[responder]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"#;

/// Certificates and keys made by openssl, shared by every test.
struct Pki {
    dir: tempfile::TempDir,
    ca: Certificate,
    ee: Certificate,
    responder: Certificate,
    responder_key: Vec<u8>,
    tsa: Certificate,
    tsa_key: Vec<u8>,
    rsa_signer: Certificate,
    rsa_key: Vec<u8>,
    ec_signer: Certificate,
    ec_key: Vec<u8>,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn read_cert(dir: &Path, name: &str) -> Certificate {
    Certificate::from_pem(std::fs::read(dir.join(name)).unwrap()).unwrap()
}

fn read_key(dir: &Path, name: &str) -> Vec<u8> {
    let pem = std::fs::read(dir.join(name)).unwrap();
    let (label, der) = der::pem::decode_vec(&pem).unwrap();
    assert_eq!(label, "PRIVATE KEY");
    der
}

fn issue(dir: &Path, name: &str, key_alg: &[&str], subject: &str, section: &str, serial: &str) {
    let key = format!("{name}.key");
    let mut genpkey = vec!["genpkey", "-out", &key];
    genpkey.extend_from_slice(key_alg);
    must(dir, &genpkey);
    let csr = format!("{name}.csr");
    must(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            subject,
            "-config",
            "openssl.cnf",
            "-out",
            &csr,
        ],
    );
    let pem = format!("{name}.pem");
    must(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            serial,
            "-days",
            "365",
            "-extfile",
            "openssl.cnf",
            "-extensions",
            section,
            "-out",
            &pem,
        ],
    );
}

const RSA: &[&str] = &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
const EC: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];

fn pki() -> Option<&'static Pki> {
    static PKI: OnceLock<Option<Pki>> = OnceLock::new();
    PKI.get_or_init(|| {
        if !openssl_present() {
            return None;
        }
        // A static is never dropped: keep the fixture under target/tmp
        // (removed by `cargo clean`) rather than littering /tmp.
        let dir = tempfile::Builder::new()
            .prefix("kyso-protocols-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        let d = dir.path();
        std::fs::write(d.join("openssl.cnf"), CNF).unwrap();
        let mut genpkey = vec!["genpkey", "-out", "ca.key"];
        genpkey.extend_from_slice(RSA);
        must(d, &genpkey);
        must(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/C=VN/O=Kyso Test/CN=Kyso Test Root",
                "-config",
                "openssl.cnf",
                "-extensions",
                "v3_ca",
                "-days",
                "3650",
                "-out",
                "ca.pem",
            ],
        );
        issue(
            d,
            "ee",
            EC,
            "/C=VN/O=Kyso Test/CN=Nguyen Van A",
            "ee",
            "0x0123456789abcdef",
        );
        issue(
            d,
            "responder",
            RSA,
            "/C=VN/O=Kyso Test/CN=Kyso OCSP",
            "responder",
            "1001",
        );
        issue(
            d,
            "tsa",
            RSA,
            "/C=VN/O=Kyso Test/CN=Kyso TSA",
            "tsa",
            "1002",
        );
        issue(
            d,
            "rsa_signer",
            RSA,
            "/C=VN/O=Kyso Test/CN=Signer RSA",
            "ee",
            "1003",
        );
        issue(
            d,
            "ec_signer",
            EC,
            "/C=VN/O=Kyso Test/CN=Signer EC",
            "ee",
            "1004",
        );
        Some(Pki {
            ca: read_cert(d, "ca.pem"),
            ee: read_cert(d, "ee.pem"),
            responder: read_cert(d, "responder.pem"),
            responder_key: read_key(d, "responder.key"),
            tsa: read_cert(d, "tsa.pem"),
            tsa_key: read_key(d, "tsa.key"),
            rsa_signer: read_cert(d, "rsa_signer.pem"),
            rsa_key: read_key(d, "rsa_signer.key"),
            ec_signer: read_cert(d, "ec_signer.pem"),
            ec_key: read_key(d, "ec_signer.key"),
            dir,
        })
    })
    .as_ref()
}

fn key(pkcs8: &[u8], alg: SignatureAlgorithm) -> SoftwareKey {
    SoftwareKey::from_pkcs8_der(pkcs8, Some(alg)).unwrap()
}

// ---------------------------------------------------------------- CMS

#[test]
fn openssl_cms_verifies_attached_and_detached_signatures() {
    let Some(p) = pki() else { return };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let ca = p.path("ca.pem");
    let ca = ca.to_str().unwrap();
    let data = b"Cong hoa xa hoi chu nghia Viet Nam\nDoc lap - Tu do - Hanh phuc\n".repeat(20);
    std::fs::write(w.join("data.bin"), &data).unwrap();
    let mut flipped = data.clone();
    flipped[100] ^= 0x01;
    std::fs::write(w.join("flipped.bin"), &flipped).unwrap();
    let cases = [
        (&p.rsa_key, &p.rsa_signer, SignatureAlgorithm::RsaPssSha256),
        (
            &p.rsa_key,
            &p.rsa_signer,
            SignatureAlgorithm::RsaPkcs1Sha256,
        ),
        (&p.rsa_key, &p.rsa_signer, SignatureAlgorithm::RsaPssSha512),
        (&p.ec_key, &p.ec_signer, SignatureAlgorithm::EcdsaSha256),
    ];
    for (pkcs8, cert, alg) in cases {
        let signer = key(pkcs8, alg);
        for encapsulate in [true, false] {
            let sig = cms::sign_content(
                oids::CT_DATA,
                &data,
                encapsulate,
                &signer,
                cert,
                vec![],
                Some(datetime!(2026-03-01 08:00 UTC)),
            )
            .unwrap();
            std::fs::write(w.join("sig.p7s"), &sig).unwrap();
            let verify = |sig: &str, content: Option<&str>| {
                let mut args = vec![
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", ca,
                    "-purpose", "any", "-out", "out.bin",
                ];
                if let Some(c) = content {
                    args.extend(["-content", c]);
                }
                run(w, &args)
            };
            let ctx = format!("{alg} encapsulate={encapsulate}");
            if encapsulate {
                let o = verify("sig.p7s", None);
                assert!(
                    o.ok && o.text.contains("Verification successful"),
                    "{ctx}: {}",
                    o.text
                );
                assert_eq!(std::fs::read(w.join("out.bin")).unwrap(), data, "{ctx}");
                // Flip one byte of the encapsulated content.
                let pos = sig
                    .windows(data.len())
                    .position(|x| x == &data[..])
                    .unwrap();
                let mut bad = sig.clone();
                bad[pos + 100] ^= 0x01;
                std::fs::write(w.join("bad.p7s"), &bad).unwrap();
                let o = verify("bad.p7s", None);
                assert!(!o.ok, "{ctx}: altered content accepted:\n{}", o.text);
            } else {
                let o = verify("sig.p7s", Some("data.bin"));
                assert!(
                    o.ok && o.text.contains("Verification successful"),
                    "{ctx}: {}",
                    o.text
                );
                let o = verify("sig.p7s", Some("flipped.bin"));
                assert!(!o.ok, "{ctx}: altered content accepted:\n{}", o.text);
            }
            // Our own reader sees what we wrote.
            let sd = cms::parse_signed_data(&sig).unwrap();
            assert_eq!(sd.encap_content_info.econtent.is_some(), encapsulate);
            assert_eq!(sd.signer_infos.0.len(), 1);
        }
    }
}

#[test]
fn two_phase_signing_with_an_extra_attribute_verifies() {
    let Some(p) = pki() else { return };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let data = b"two-phase".to_vec();
    std::fs::write(w.join("data.bin"), &data).unwrap();
    let signer = key(&p.ec_key, SignatureAlgorithm::EcdsaSha256);
    let digest = kyso_crypto::digest(DigestAlgorithm::Sha256, &data);
    // An extra signed attribute: a second contentHint-like OID attribute.
    let extra = x509_cert::attr::Attribute {
        oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.4"),
        values: der::asn1::SetOfVec::try_from(vec![der::Any::encode_from(
            &der::asn1::Utf8StringRef::new("hop dong").unwrap(),
        )
        .unwrap()])
        .unwrap(),
    };
    let attrs = cms::signed_attributes(&cms::SignedAttributesInput {
        content_type: oids::CT_DATA,
        message_digest: &digest,
        signer_certificate: &p.ec_signer,
        signing_time: None,
        extra: vec![extra],
    })
    .unwrap();
    let tbs = cms::signed_attributes_der(&attrs).unwrap();
    assert_eq!(tbs[0], 0x31);
    // "Elsewhere": sign the digest of the DER SET, as a token would.
    let signature = signer
        .sign_digest(&kyso_crypto::digest(DigestAlgorithm::Sha256, &tbs))
        .unwrap();
    let sig = cms::assemble_signed_data(cms::SignedDataParts {
        encapsulated_content_type: oids::CT_DATA,
        encapsulated_content: None,
        digest_algorithm: DigestAlgorithm::Sha256,
        signature_algorithm: SignatureAlgorithm::EcdsaSha256,
        signed_attributes: attrs,
        signature,
        signer_certificate: &p.ec_signer,
        certificates: vec![p.ec_signer.clone(), p.ca.clone()],
        unsigned_attributes: vec![],
    })
    .unwrap();
    std::fs::write(w.join("sig.p7s"), &sig).unwrap();
    let ca = p.path("ca.pem");
    let out = must(
        w,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "sig.p7s",
            "-content",
            "data.bin",
            "-CAfile",
            ca.to_str().unwrap(),
            "-purpose",
            "any",
            "-out",
            "out.bin",
        ],
    );
    assert!(out.contains("Verification successful"), "{out}");
    // openssl sees the ESS signing-certificate-v2 attribute.
    let printed = must(
        w,
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "sig.p7s",
        ],
    );
    assert!(
        printed.contains("id-smime-aa-signingCertificateV2"),
        "{printed}"
    );
    // Mismatched digest and signature algorithms are refused.
    let mismatch = cms::assemble_signed_data(cms::SignedDataParts {
        encapsulated_content_type: oids::CT_DATA,
        encapsulated_content: None,
        digest_algorithm: DigestAlgorithm::Sha384,
        signature_algorithm: SignatureAlgorithm::EcdsaSha256,
        signed_attributes: vec![],
        signature: vec![1],
        signer_certificate: &p.ec_signer,
        certificates: vec![],
        unsigned_attributes: vec![],
    });
    assert!(mismatch.is_err());
}

// ---------------------------------------------------------------- OCSP

/// A one-connection-at-a-time HTTP/1.0 OCSP responder on loopback that
/// answers with kyso, giving every CertID `status`.
fn serve_ocsp(p: &'static Pki, status: CertStatusInfo, connections: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let signer = key(&p.responder_key, SignatureAlgorithm::RsaPssSha256);
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = stream.read(&mut chunk).unwrap();
                if n == 0 {
                    break Vec::new();
                }
                buf.extend_from_slice(&chunk[..n]);
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    break buf[end + 4..end + 4 + len].to_vec();
                }
            };
            let answer = match ocsp::parse_ocsp_request(&body) {
                Err(e) => ocsp::ocsp_error_response(e.response_status()),
                Ok(info) => {
                    let now = OffsetDateTime::now_utc();
                    let responses: Vec<_> = info
                        .cert_ids
                        .iter()
                        .map(|id| SingleResponseInput {
                            cert_id: id.raw.clone(),
                            status,
                            this_update: now - time::Duration::minutes(5),
                            next_update: Some(now + time::Duration::hours(4)),
                        })
                        .collect();
                    ocsp::build_ocsp_response(
                        &p.responder,
                        &signer,
                        now,
                        &responses,
                        info.nonce.as_deref(),
                        &[],
                    )
                    .unwrap()
                }
            };
            let head = format!(
                "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\n\r\n",
                answer.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&answer).unwrap();
        }
    });
    port
}

#[test]
fn openssl_ocsp_client_accepts_good_revoked_and_unknown() {
    let Some(p) = pki() else { return };
    let revoked_at = datetime!(2026-02-03 04:05:06 UTC);
    let cases = [
        (CertStatusInfo::Good, "ee.pem: good"),
        (
            CertStatusInfo::Revoked {
                revocation_time: revoked_at,
                reason: Some(RevocationReason::KeyCompromise),
            },
            "ee.pem: revoked",
        ),
        (CertStatusInfo::Unknown, "ee.pem: unknown"),
    ];
    for (status, expect) in cases {
        for digest_opt in [None, Some("-sha256")] {
            let port = serve_ocsp(p, status, 1);
            let url = format!("http://127.0.0.1:{port}/");
            let work = tempfile::tempdir().unwrap();
            let mut args = vec!["ocsp", "-issuer", "ca.pem"];
            args.extend(digest_opt);
            args.extend([
                "-cert",
                "ee.pem",
                "-url",
                &url,
                "-VAfile",
                "responder.pem",
                "-text",
                "-respout",
            ]);
            let resp_path = work.path().join("resp.der");
            args.push(resp_path.to_str().unwrap());
            let o = run(p.dir.path(), &args);
            let ctx = format!("{status:?} {digest_opt:?}");
            assert!(o.ok, "{ctx}: {}", o.text);
            assert!(o.text.contains(expect), "{ctx}: {}", o.text);
            assert!(o.text.contains("Response verify OK"), "{ctx}: {}", o.text);
            assert!(!o.text.contains("WARNING: no nonce"), "{ctx}: {}", o.text);
            assert!(o.text.contains("OCSP Nonce"), "{ctx}: {}", o.text);
            if let CertStatusInfo::Revoked { .. } = status {
                assert!(
                    o.text.contains("Reason: keyCompromise"),
                    "{ctx}: {}",
                    o.text
                );
                assert!(
                    o.text.contains("Revocation Time: Feb  3 04:05:06 2026 GMT"),
                    "{ctx}: {}",
                    o.text
                );
            }
            if digest_opt.is_some() {
                assert!(
                    o.text.contains("Hash Algorithm: sha256"),
                    "{ctx}: {}",
                    o.text
                );
            }
            // Our client reads the same response and its signature.
            let parsed = ocsp::parse_ocsp_response(&std::fs::read(&resp_path).unwrap()).unwrap();
            assert_eq!(parsed.status, OcspResponseStatus::Successful);
            assert_eq!(parsed.responses[0].status, status);
            assert!(parsed.responses[0].cert_id.matches_issuer(&p.ca));
            assert!(parsed.nonce.is_some());
            parsed.verify_signature(&p.responder).unwrap();
            assert!(parsed.verify_signature(&p.tsa).is_err());
        }
    }
}

#[test]
fn openssl_ocsp_verifies_with_the_ca_as_trust_anchor() {
    let Some(p) = pki() else { return };
    let port = serve_ocsp(p, CertStatusInfo::Good, 1);
    let url = format!("http://127.0.0.1:{port}/");
    let o = run(
        p.dir.path(),
        &[
            "ocsp", "-issuer", "ca.pem", "-cert", "ee.pem", "-url", &url, "-CAfile", "ca.pem",
        ],
    );
    assert!(o.ok, "{}", o.text);
    assert!(o.text.contains("Response verify OK"), "{}", o.text);
    assert!(o.text.contains("ee.pem: good"), "{}", o.text);
}

#[test]
fn openssl_ocsp_requests_are_parsed() {
    let Some(p) = pki() else { return };
    let work = tempfile::tempdir().unwrap();
    let req = work.path().join("req.der");
    let req_s = req.to_str().unwrap();
    let ee_serial = p.ee.tbs_certificate.serial_number.as_bytes().to_vec();

    must(
        p.dir.path(),
        &[
            "ocsp", "-issuer", "ca.pem", "-cert", "ee.pem", "-reqout", req_s,
        ],
    );
    let der = std::fs::read(&req).unwrap();
    let info = ocsp::parse_ocsp_request(&der).unwrap();
    assert_eq!(info.cert_ids.len(), 1);
    let id = &info.cert_ids[0];
    assert_eq!(id.hash_algorithm, DigestAlgorithm::Sha1);
    assert!(id.matches_issuer(&p.ca));
    assert!(!id.matches_issuer(&p.ee));
    assert_eq!(id.serial, ee_serial);
    // openssl wraps its 16-byte nonce in an OCTET STRING.
    let nonce = info.nonce.expect("openssl sends a nonce");
    assert_eq!(nonce.len(), 18);
    assert_eq!(&nonce[..2], &[0x04, 0x10]);
    assert!(der.windows(nonce.len()).any(|w| w == &nonce[..]));
    // Every truncation is malformed, never a panic.
    for n in 0..der.len() {
        let e = ocsp::parse_ocsp_request(&der[..n]).unwrap_err();
        assert_eq!(
            e.response_status(),
            OcspResponseStatus::MalformedRequest,
            "at {n}"
        );
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(ocsp::parse_ocsp_request(&trailing).is_err());

    must(
        p.dir.path(),
        &[
            "ocsp",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee.pem",
            "-no_nonce",
            "-reqout",
            req_s,
        ],
    );
    let info = ocsp::parse_ocsp_request(&std::fs::read(&req).unwrap()).unwrap();
    assert!(info.nonce.is_none());

    must(
        p.dir.path(),
        &[
            "ocsp", "-issuer", "ca.pem", "-sha256", "-cert", "ee.pem", "-reqout", req_s,
        ],
    );
    let info = ocsp::parse_ocsp_request(&std::fs::read(&req).unwrap()).unwrap();
    assert_eq!(info.cert_ids[0].hash_algorithm, DigestAlgorithm::Sha256);
    assert!(info.cert_ids[0].matches_issuer(&p.ca));

    // Two certificates in one request (-cert_id style multi-request).
    must(
        p.dir.path(),
        &[
            "ocsp", "-issuer", "ca.pem", "-cert", "ee.pem", "-cert", "tsa.pem", "-reqout", req_s,
        ],
    );
    let info = ocsp::parse_ocsp_request(&std::fs::read(&req).unwrap()).unwrap();
    assert_eq!(info.cert_ids.len(), 2);
}

#[test]
fn kyso_requests_are_read_by_openssl() {
    let Some(p) = pki() else { return };
    let work = tempfile::tempdir().unwrap();
    let der =
        ocsp::build_ocsp_request(&p.ee, &p.ca, DigestAlgorithm::Sha256, Some(&[7u8; 16])).unwrap();
    std::fs::write(work.path().join("req.der"), &der).unwrap();
    let text = must(work.path(), &["ocsp", "-reqin", "req.der", "-req_text"]);
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    assert!(text.contains("Serial Number: 0123456789ABCDEF"), "{text}");
    assert!(text.contains("OCSP Nonce"), "{text}");
    let info = ocsp::parse_ocsp_request(&der).unwrap();
    assert!(info.cert_ids[0].matches_issuer(&p.ca));
}

#[test]
fn malformed_requests_get_malformed_request_answers_openssl_understands() {
    let Some(p) = pki() else { return };
    let work = tempfile::tempdir().unwrap();
    let mut valid = None;
    must(
        p.dir.path(),
        &[
            "ocsp",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee.pem",
            "-reqout",
            work.path().join("req.der").to_str().unwrap(),
        ],
    );
    if let Ok(d) = std::fs::read(work.path().join("req.der")) {
        valid = Some(d);
    }
    let valid = valid.unwrap();
    let mut oversized = valid.clone();
    oversized.resize(kyso_pki::MAX_REQUEST_DER + 1, 0);
    for bad in [
        b"GET / HTTP/1.1\r\n".to_vec(),
        valid[..valid.len() / 2].to_vec(),
        oversized,
        vec![],
    ] {
        let e = ocsp::parse_ocsp_request(&bad).unwrap_err();
        assert_eq!(e.response_status(), OcspResponseStatus::MalformedRequest);
        let resp = ocsp::ocsp_error_response(e.response_status());
        std::fs::write(work.path().join("resp.der"), &resp).unwrap();
        let o = run(
            work.path(),
            &["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"],
        );
        assert!(
            o.text.contains("malformedrequest") || o.text.contains("Malformed"),
            "{}",
            o.text
        );
    }
}

// ---------------------------------------------------------------- TSP

fn tsa_policy() -> TsaPolicy {
    TsaPolicy {
        policy: oids::KYSO_DEFAULT_TSA_POLICY,
        accepted_policies: vec![der::asn1::ObjectIdentifier::new_unwrap("1.2.3.4.5")],
        accuracy: Accuracy {
            seconds: 1,
            millis: 500,
            micros: 0,
        },
        digest_algorithm: DigestAlgorithm::Sha256,
    }
}

/// openssl makes a query with `query_args`; kyso answers it.
fn time_stamp(
    p: &Pki,
    w: &Path,
    query_args: &[&str],
    alg: SignatureAlgorithm,
) -> Result<Vec<u8>, tsp::TspFailure> {
    let mut args = vec!["ts", "-query", "-data", "data.bin", "-out", "q.tsq"];
    args.extend_from_slice(query_args);
    must(w, &args);
    let q = std::fs::read(w.join("q.tsq")).unwrap();
    let req = tsp::parse_time_stamp_req(&q)?;
    let signer = key(&p.tsa_key, alg);
    let chain = [p.ca.clone()];
    let unit = TsaUnit {
        certificate: &p.tsa,
        chain: &chain,
        signer: &signer,
    };
    let mut policy = tsa_policy();
    policy.digest_algorithm = alg.digest();
    let resp = tsp::build_time_stamp_resp(
        &req,
        &unit,
        &policy,
        &[0x01, 0x9a, 0x77, 0x10, 0x42],
        OffsetDateTime::now_utc(),
    )?;
    std::fs::write(w.join("r.tsr"), &resp).unwrap();
    Ok(resp)
}

fn ts_workdir() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("data.bin"), b"Quyet dinh so 123/QD-UBND\n").unwrap();
    work
}

#[test]
fn openssl_ts_verifies_time_stamps_with_certificate() {
    let Some(p) = pki() else { return };
    let ca = p.path("ca.pem");
    let ca = ca.to_str().unwrap();
    let tsa = p.path("tsa.pem");
    let tsa = tsa.to_str().unwrap();
    for alg in [
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::RsaPssSha256,
    ] {
        let work = ts_workdir();
        let w = work.path();
        time_stamp(p, w, &["-sha256", "-cert"], alg).unwrap();
        if alg.is_pss() {
            // OpenSSL 3.0's `ts -verify` (PKCS7 code) checks RSASSA-PSS
            // tokens as PKCS#1 v1.5 and fails; its CMS code verifies them.
            must(
                w,
                &[
                    "ts",
                    "-reply",
                    "-in",
                    "r.tsr",
                    "-token_out",
                    "-out",
                    "token.der",
                ],
            );
            let o = run(
                w,
                &[
                    "cms",
                    "-verify",
                    "-inform",
                    "DER",
                    "-in",
                    "token.der",
                    "-CAfile",
                    ca,
                    "-purpose",
                    "timestampsign",
                    "-out",
                    "tst.der",
                ],
            );
            assert!(
                o.ok && o.text.contains("Verification successful"),
                "{alg}: {}",
                o.text
            );
        } else {
            // TSA certificate embedded: no -untrusted needed.
            let o = run(
                w,
                &[
                    "ts",
                    "-verify",
                    "-in",
                    "r.tsr",
                    "-queryfile",
                    "q.tsq",
                    "-CAfile",
                    ca,
                ],
            );
            assert!(o.text.contains("Verification: OK"), "{alg}: {}", o.text);
            let o = run(
                w,
                &[
                    "ts",
                    "-verify",
                    "-in",
                    "r.tsr",
                    "-queryfile",
                    "q.tsq",
                    "-CAfile",
                    ca,
                    "-untrusted",
                    tsa,
                ],
            );
            assert!(o.text.contains("Verification: OK"), "{alg}: {}", o.text);
            // Against the data itself as well.
            let o = run(
                w,
                &[
                    "ts", "-verify", "-in", "r.tsr", "-data", "data.bin", "-CAfile", ca,
                ],
            );
            assert!(o.text.contains("Verification: OK"), "{alg}: {}", o.text);
            // And not against other data.
            std::fs::write(w.join("other.bin"), b"Quyet dinh so 124/QD-UBND\n").unwrap();
            let o = run(
                w,
                &[
                    "ts",
                    "-verify",
                    "-in",
                    "r.tsr",
                    "-data",
                    "other.bin",
                    "-CAfile",
                    ca,
                ],
            );
            assert!(!o.text.contains("Verification: OK"), "{alg}: {}", o.text);
        }
        let text = must(w, &["ts", "-reply", "-in", "r.tsr", "-text"]);
        assert!(text.contains("Status: Granted."), "{text}");
        assert!(text.contains("Policy OID: 1.3.6.1.4.1.59999.1.2"), "{text}");
        assert!(
            text.contains("Accuracy: 0x01 seconds, 0x01F4 millis, unspecified micros"),
            "{text}"
        );
        assert!(text.contains("Serial number: 0x019A771042"), "{text}");
        assert!(text.contains("Ordering: no"), "{text}");
        let query_text = must(w, &["ts", "-query", "-in", "q.tsq", "-text"]);
        let nonce_line = query_text
            .lines()
            .find(|l| l.starts_with("Nonce:"))
            .unwrap()
            .to_string();
        assert!(text.contains(&nonce_line), "{nonce_line} not in {text}");
        // Our client reads the reply.
        let parsed = tsp::parse_time_stamp_resp(&std::fs::read(w.join("r.tsr")).unwrap()).unwrap();
        assert_eq!(parsed.status, tsp::PkiStatus::Granted);
        let tst = parsed.tst_info.unwrap();
        assert_eq!(tst.policy, oids::KYSO_DEFAULT_TSA_POLICY);
        assert_eq!(tst.serial, vec![0x01, 0x9a, 0x77, 0x10, 0x42]);
        assert_eq!(
            tst.hashed_message,
            kyso_crypto::digest(DigestAlgorithm::Sha256, b"Quyet dinh so 123/QD-UBND\n")
        );
        let sd = cms::parse_signed_data(&parsed.token_der.unwrap()).unwrap();
        assert_eq!(sd.certificates.unwrap().0.len(), 2);
    }
}

#[test]
fn without_cert_req_no_certificate_is_embedded() {
    let Some(p) = pki() else { return };
    let ca = p.path("ca.pem");
    let ca = ca.to_str().unwrap();
    let tsa = p.path("tsa.pem");
    let tsa = tsa.to_str().unwrap();
    let work = ts_workdir();
    let w = work.path();
    let resp = time_stamp(p, w, &["-sha512"], SignatureAlgorithm::RsaPkcs1Sha256).unwrap();
    let parsed = tsp::parse_time_stamp_resp(&resp).unwrap();
    let sd = cms::parse_signed_data(&parsed.token_der.unwrap()).unwrap();
    assert!(sd.certificates.is_none());
    let o = run(
        w,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-queryfile",
            "q.tsq",
            "-CAfile",
            ca,
        ],
    );
    assert!(!o.text.contains("Verification: OK"), "{}", o.text);
    let o = run(
        w,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-queryfile",
            "q.tsq",
            "-CAfile",
            ca,
            "-untrusted",
            tsa,
        ],
    );
    assert!(o.text.contains("Verification: OK"), "{}", o.text);
}

#[test]
fn requested_policies_and_missing_nonces() {
    let Some(p) = pki() else { return };
    let ca = p.path("ca.pem");
    let ca = ca.to_str().unwrap();
    let work = ts_workdir();
    let w = work.path();
    time_stamp(
        p,
        w,
        &["-sha256", "-cert", "-no_nonce", "-tspolicy", "1.2.3.4.5"],
        SignatureAlgorithm::RsaPkcs1Sha256,
    )
    .unwrap();
    let o = run(
        w,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-queryfile",
            "q.tsq",
            "-CAfile",
            ca,
        ],
    );
    assert!(o.text.contains("Verification: OK"), "{}", o.text);
    let text = must(w, &["ts", "-reply", "-in", "r.tsr", "-text"]);
    assert!(text.contains("Policy OID: 1.2.3.4.5"), "{text}");
    assert!(text.contains("Nonce: unspecified"), "{text}");

    let e = time_stamp(
        p,
        w,
        &["-sha256", "-tspolicy", "1.2.3.4.6"],
        SignatureAlgorithm::RsaPkcs1Sha256,
    )
    .unwrap_err();
    assert_eq!(e.fail_info, PkiFailureInfo::UnacceptedPolicy);
    std::fs::write(w.join("r.tsr"), tsp::rejection_response(&e)).unwrap();
    let text = must(w, &["ts", "-reply", "-in", "r.tsr", "-text"]);
    assert!(text.contains("Status: Rejected."), "{text}");
    assert!(
        text.contains("Failure info: the requested TSA policy is not supported"),
        "{text}"
    );
}

#[test]
fn sha1_queries_are_rejected_with_bad_alg() {
    let Some(p) = pki() else { return };
    let work = ts_workdir();
    let w = work.path();
    let e = time_stamp(
        p,
        w,
        &["-sha1", "-cert"],
        SignatureAlgorithm::RsaPkcs1Sha256,
    )
    .unwrap_err();
    assert_eq!(e.fail_info, PkiFailureInfo::BadAlg);
    std::fs::write(w.join("r.tsr"), tsp::rejection_response(&e)).unwrap();
    let text = must(w, &["ts", "-reply", "-in", "r.tsr", "-text"]);
    assert!(text.contains("Status: Rejected."), "{text}");
    assert!(
        text.contains("Failure info: unrecognized or unsupported algorithm identifier"),
        "{text}"
    );
    // openssl's own verifier refuses a rejection as a time stamp.
    let ca = p.path("ca.pem");
    let o = run(
        w,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-data",
            "data.bin",
            "-CAfile",
            ca.to_str().unwrap(),
        ],
    );
    assert!(!o.text.contains("Verification: OK"), "{}", o.text);
}

#[test]
fn malformed_queries_are_rejected_with_bad_data_format() {
    let Some(p) = pki() else { return };
    let work = ts_workdir();
    let w = work.path();
    must(
        w,
        &[
            "ts", "-query", "-data", "data.bin", "-sha256", "-cert", "-out", "q.tsq",
        ],
    );
    let q = std::fs::read(w.join("q.tsq")).unwrap();
    assert!(tsp::parse_time_stamp_req(&q).is_ok());
    for n in 0..q.len() {
        let e = tsp::parse_time_stamp_req(&q[..n]).unwrap_err();
        assert_eq!(
            e.fail_info,
            PkiFailureInfo::BadDataFormat,
            "truncated at {n}"
        );
    }
    let mut trailing = q.clone();
    trailing.extend_from_slice(&[0, 0]);
    let mut oversized = q.clone();
    oversized.resize(kyso_pki::MAX_REQUEST_DER + 1, 0);
    for bad in [trailing, oversized, b"not a query".to_vec()] {
        let e = tsp::parse_time_stamp_req(&bad).unwrap_err();
        assert_eq!(e.fail_info, PkiFailureInfo::BadDataFormat);
        std::fs::write(w.join("r.tsr"), tsp::rejection_response(&e)).unwrap();
        let text = must(w, &["ts", "-reply", "-in", "r.tsr", "-text"]);
        assert!(
            text.contains("Failure info: the data submitted has the wrong format"),
            "{text}"
        );
    }
    // Every single-byte corruption is an error or a request, never a panic.
    for i in 0..q.len() {
        let mut c = q.clone();
        c[i] ^= 0xff;
        let _ = tsp::parse_time_stamp_req(&c);
    }
    let _ = p;
}

#[test]
fn kyso_queries_are_read_by_openssl() {
    let Some(_p) = pki() else { return };
    let work = ts_workdir();
    let w = work.path();
    let h = kyso_crypto::digest(DigestAlgorithm::Sha384, b"Quyet dinh so 123/QD-UBND\n");
    let q = tsp::build_time_stamp_req(
        DigestAlgorithm::Sha384,
        &h,
        Some(&[0x12, 0x34, 0x56, 0x78]),
        true,
        None,
    )
    .unwrap();
    std::fs::write(w.join("q.tsq"), &q).unwrap();
    let text = must(w, &["ts", "-query", "-in", "q.tsq", "-text"]);
    assert!(text.contains("Hash Algorithm: sha384"), "{text}");
    assert!(text.contains("Nonce: 0x12345678"), "{text}");
    assert!(text.contains("Certificate required: yes"), "{text}");
}
