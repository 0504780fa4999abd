//! Cross-peer tests: the openssl CLI checks what kyso issues (certificates,
//! CRLs), and kyso reads what openssl makes (PKCS#10 requests).
use std::path::{Path, PathBuf};
use std::process::Command;

use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_pki::certificate::{
    issue, parse_certificate, random_serial, to_pem, verify_issued_by, CertificateTemplate,
};
use kyso_pki::crl::{build_crl, RevokedCertificate};
use kyso_pki::csr::{parse_csr, CsrError};
use kyso_pki::name::{display_name, SubjectName};
use kyso_pki::oids;
use kyso_pki::profile::Profile;
use kyso_pki::RevocationReason;
use time::{Duration, OffsetDateTime};
use x509_cert::Certificate;

const OCSP_URL: &str = "http://127.0.0.1:8080/ocsp";
const CA_ISSUERS_URL: &str = "http://127.0.0.1:8080/ca/issuing.cer";
const CRL_URL: &str = "http://127.0.0.1:8080/crl/issuing.crl";
const CN_AN: &str = "Nguyễn Văn An";
const ORG: &str = "Ủy ban nhân dân tỉnh Ninh Bình";

/// Is openssl available? Without it the test is skipped, unless
/// KYSO_REQUIRE_PEERS=1 demands the peers.
fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("openssl is required (KYSO_REQUIRE_PEERS=1) but was not found");
        }
        eprintln!("SKIPPED: openssl not found; set KYSO_REQUIRE_PEERS=1 to make this a failure");
    }
    ok
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn openssl(dir: &Path, args: &[&str]) -> Out {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    Out {
        ok: o.status.success(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

fn template(profile: Profile, subject: &SubjectName, key: &[u8], days: i64) -> CertificateTemplate {
    let subscriber = !profile.is_ca();
    CertificateTemplate {
        profile,
        subject: subject.to_name().unwrap(),
        subject_public_key_info: key.to_vec(),
        serial: random_serial(),
        not_before: now() - Duration::hours(1),
        not_after: now() + Duration::days(days),
        policy_oids: vec![oids::KYSO_DEFAULT_CERT_POLICY],
        ocsp_url: subscriber.then(|| OCSP_URL.to_string()),
        ca_issuers_url: subscriber.then(|| CA_ISSUERS_URL.to_string()),
        crl_url: subscriber.then(|| CRL_URL.to_string()),
        path_len: None,
        email_san: None,
    }
}

struct Pki {
    root_key: SoftwareKey,
    root: Certificate,
    issuing_key: SoftwareKey,
    issuing: Certificate,
}

/// Root (P-384, ECDSA) → issuing CA (RSA-3072, RSASSA-PSS).
fn pki() -> Pki {
    let root_key = SoftwareKey::generate(KeySpec::EcP384).unwrap();
    let root_name = SubjectName {
        organization: Some("Ban Cơ yếu Chính phủ (thử nghiệm)".into()),
        common_name: "Kyso Root CA thử nghiệm".into(),
        ..Default::default()
    };
    let mut t = template(Profile::RootCa, &root_name, root_key.public_key_der(), 3650);
    t.policy_oids.clear(); // anyPolicy by default
    let root = issue(&t, None, &root_key).unwrap();

    let issuing_key = SoftwareKey::generate(KeySpec::Rsa3072).unwrap();
    let issuing_name = SubjectName {
        organization: Some(ORG.into()),
        common_name: "Kyso Issuing CA Ninh Bình".into(),
        ..Default::default()
    };
    let mut t = template(
        Profile::IssuingCa,
        &issuing_name,
        issuing_key.public_key_der(),
        3000,
    );
    t.path_len = Some(0);
    t.crl_url = Some("http://127.0.0.1:8080/crl/root.crl".into());
    let issuing = issue(&t, Some(&root), &root_key).unwrap();
    Pki {
        root_key,
        root,
        issuing_key,
        issuing,
    }
}

fn person() -> SubjectName {
    SubjectName {
        state: Some("Ninh Bình".into()),
        organization: Some(ORG.into()),
        organizational_units: vec!["Văn phòng".into()],
        title: Some("Chánh Văn phòng".into()),
        common_name: CN_AN.into(),
        email: Some("an@ninhbinh.gov.vn".into()),
        uid: Some("CCCD:037090001234".into()),
        ..Default::default()
    }
}

fn issue_ee(
    p: &Pki,
    profile: Profile,
    subject: &SubjectName,
    key: &SoftwareKey,
    days: i64,
) -> Certificate {
    let mut t = template(profile, subject, key.public_key_der(), days);
    if profile.is_subscriber() {
        t.email_san = subject.email.clone();
    }
    issue(&t, Some(&p.issuing), &p.issuing_key).unwrap()
}

fn assert_has(text: &str, needle: &str, what: &str) {
    assert!(
        text.contains(needle),
        "{what}: expected {needle:?} in:\n{text}"
    );
}

/// The extension block of `openssl x509 -text` for `title`, joined to one line.
fn ext_block(text: &str, title: &str) -> String {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(title));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no {title} in:\n{text}"));
    let body: Vec<&str> = lines
        .take_while(|l| {
            !l.trim_start().starts_with("X509v3")
                && !l.trim_start().starts_with("Authority Information")
                && !l.trim_start().starts_with("Signature")
        })
        .map(str::trim)
        .collect();
    format!("{} | {}", head.trim(), body.join(" "))
}

#[test]
fn openssl_verifies_chain_and_shows_profiles() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = pki();
    write(d, "root.pem", to_pem(&p.root).as_bytes());
    write(d, "issuing.pem", to_pem(&p.issuing).as_bytes());

    let personal_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let seal_key = SoftwareKey::generate(KeySpec::Rsa2048).unwrap();
    let tsa_key = SoftwareKey::generate(KeySpec::Rsa2048).unwrap();
    let ocsp_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let org = SubjectName {
        organization: Some(ORG.into()),
        common_name: ORG.into(),
        email: Some("vanthu@ninhbinh.gov.vn".into()),
        ..Default::default()
    };
    let tsa_name = SubjectName {
        organization: Some(ORG.into()),
        common_name: "Kyso TSA Ninh Bình".into(),
        ..Default::default()
    };
    let ocsp_name = SubjectName {
        organization: Some(ORG.into()),
        common_name: "Kyso OCSP Ninh Bình".into(),
        ..Default::default()
    };
    let certs = [
        (
            "personal.pem",
            issue_ee(
                &p,
                Profile::PersonalSigning,
                &person(),
                &personal_key,
                1826 - 1,
            ),
        ),
        (
            "organization.pem",
            issue_ee(&p, Profile::OrganizationSeal, &org, &seal_key, 1000),
        ),
        (
            "tsa.pem",
            issue_ee(&p, Profile::Tsa, &tsa_name, &tsa_key, 1500),
        ),
        (
            "ocsp.pem",
            issue_ee(&p, Profile::OcspResponder, &ocsp_name, &ocsp_key, 365),
        ),
    ];
    for (file, cert) in &certs {
        write(d, file, to_pem(cert).as_bytes());
        verify_issued_by(cert, &p.issuing).unwrap();
        let v = openssl(
            d,
            &[
                "verify",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "issuing.pem",
                file,
            ],
        );
        assert!(
            v.ok && v.stdout.contains(&format!("{file}: OK")),
            "{file}: {} {}",
            v.stdout,
            v.stderr
        );
    }
    verify_issued_by(&p.issuing, &p.root).unwrap();

    // Purpose checks that look at keyUsage and extKeyUsage.
    let v = openssl(
        d,
        &[
            "verify",
            "-purpose",
            "timestampsign",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "tsa.pem",
        ],
    );
    assert!(v.ok, "TSA purpose: {} {}", v.stdout, v.stderr);
    let v = openssl(
        d,
        &[
            "verify",
            "-purpose",
            "smimesign",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "personal.pem",
        ],
    );
    assert!(v.ok, "S/MIME signing purpose: {} {}", v.stdout, v.stderr);
    // ...and a negative control: the OCSP responder is not a TSA.
    let v = openssl(
        d,
        &[
            "verify",
            "-purpose",
            "timestampsign",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "ocsp.pem",
        ],
    );
    assert!(
        !v.ok,
        "the OCSP responder must not pass as a TSA: {}",
        v.stdout
    );

    // Root and issuing CA.
    let root = openssl(
        d,
        &[
            "x509",
            "-noout",
            "-text",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-in",
            "root.pem",
        ],
    );
    assert_has(
        &root.stdout,
        "Subject: CN=Kyso Root CA thử nghiệm,O=Ban Cơ yếu Chính phủ (thử nghiệm),C=VN",
        "root subject",
    );
    assert_has(
        &ext_block(&root.stdout, "X509v3 Basic Constraints"),
        "critical | CA:TRUE",
        "root BC",
    );
    assert_has(
        &ext_block(&root.stdout, "X509v3 Key Usage"),
        "critical | Certificate Sign, CRL Sign",
        "root KU",
    );
    assert_has(&root.stdout, "X509v3 Certificate Policies", "root policies");
    assert_has(&root.stdout, "Policy: X509v3 Any Policy", "root anyPolicy");
    let issuing = openssl(d, &["x509", "-noout", "-text", "-in", "issuing.pem"]);
    assert_has(
        &ext_block(&issuing.stdout, "X509v3 Basic Constraints"),
        "critical | CA:TRUE, pathlen:0",
        "issuing BC",
    );
    assert_has(
        &issuing.stdout,
        "Signature Algorithm: ecdsa-with-SHA384",
        "root signs with ECDSA P-384",
    );

    // Personal signing certificate.
    let t = openssl(
        d,
        &[
            "x509",
            "-noout",
            "-text",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-in",
            "personal.pem",
        ],
    );
    let s = &t.stdout;
    assert_has(
        s,
        &format!("Subject: UID=CCCD:037090001234,emailAddress=an@ninhbinh.gov.vn,CN={CN_AN},title=Chánh Văn phòng,OU=Văn phòng,O={ORG},ST=Ninh Bình,C=VN"),
        "personal subject",
    );
    assert_has(
        s,
        "Signature Algorithm: rsassaPss",
        "issuing CA signs with PSS",
    );
    assert_has(
        &ext_block(s, "X509v3 Key Usage"),
        "critical | Digital Signature, Non Repudiation",
        "personal KU",
    );
    let eku = ext_block(s, "X509v3 Extended Key Usage");
    assert!(
        !eku.contains("critical"),
        "personal EKU must not be critical: {eku}"
    );
    assert_has(&eku, "E-mail Protection", "personal EKU");
    assert_has(&eku, "1.3.6.1.5.5.7.3.36", "document signing EKU");
    assert_has(s, "OCSP - URI:http://127.0.0.1:8080/ocsp", "AIA OCSP");
    assert_has(
        s,
        "CA Issuers - URI:http://127.0.0.1:8080/ca/issuing.cer",
        "AIA caIssuers",
    );
    assert_has(
        &ext_block(s, "X509v3 CRL Distribution Points"),
        "URI:http://127.0.0.1:8080/crl/issuing.crl",
        "CDP",
    );
    assert_has(s, "Policy: 1.3.6.1.4.1.59999.1.1", "policy OID");
    assert_has(
        &ext_block(s, "X509v3 Subject Alternative Name"),
        "email:an@ninhbinh.gov.vn",
        "SAN",
    );
    assert!(
        !s.contains("X509v3 Basic Constraints"),
        "no basicConstraints on end entities"
    );
    assert_has(s, "X509v3 Subject Key Identifier", "SKI");
    assert_has(s, "X509v3 Authority Key Identifier", "AKI");

    let u = openssl(
        d,
        &[
            "x509",
            "-noout",
            "-subject",
            "-nameopt",
            "utf8",
            "-in",
            "personal.pem",
        ],
    );
    assert_has(
        &u.stdout,
        &format!("CN={CN_AN}, emailAddress=an@ninhbinh.gov.vn"),
        "-nameopt utf8",
    );

    // The CN is a UTF8String, the country a PrintableString, the e-mail an IA5String.
    let a = openssl(d, &["asn1parse", "-in", "personal.pem"]);
    let lines: Vec<&str> = a.stdout.lines().collect();
    let after = |attr: &str| -> Vec<&str> {
        lines
            .windows(2)
            .filter(|w| w[0].ends_with(&format!(":{attr}")))
            .map(|w| w[1])
            .collect()
    };
    let cn = after("commonName");
    assert!(
        cn.iter()
            .any(|l| l.contains(&format!("UTF8STRING        :{CN_AN}"))),
        "{cn:?}"
    );
    assert!(after("countryName")
        .iter()
        .all(|l| l.contains("PRINTABLESTRING   :VN")));
    assert!(after("emailAddress")
        .iter()
        .all(|l| l.contains("IA5STRING")));

    // Organization seal.
    let t = openssl(
        d,
        &[
            "x509",
            "-noout",
            "-text",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-in",
            "organization.pem",
        ],
    );
    assert_has(&t.stdout, &format!("CN={ORG}"), "organization CN");
    assert_has(
        &ext_block(&t.stdout, "X509v3 Key Usage"),
        "critical | Digital Signature, Non Repudiation",
        "seal KU",
    );

    // TSA: critical EKU with timeStamping only.
    let t = openssl(d, &["x509", "-noout", "-text", "-in", "tsa.pem"]);
    let eku = ext_block(&t.stdout, "X509v3 Extended Key Usage");
    assert_eq!(
        eku, "X509v3 Extended Key Usage: critical | Time Stamping",
        "TSA EKU"
    );
    assert_has(
        &ext_block(&t.stdout, "X509v3 Key Usage"),
        "critical | Digital Signature",
        "TSA KU",
    );

    // OCSP responder: OCSPSigning and id-pkix-ocsp-nocheck.
    let t = openssl(d, &["x509", "-noout", "-text", "-in", "ocsp.pem"]);
    assert_has(
        &ext_block(&t.stdout, "X509v3 Extended Key Usage"),
        "OCSP Signing",
        "OCSP EKU",
    );
    assert_has(&t.stdout, "OCSP No Check", "ocsp-nocheck");

    // openssl's own fingerprint and serial agree with kyso's.
    let personal = &certs[0].1;
    let f = openssl(
        d,
        &[
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-serial",
            "-in",
            "personal.pem",
        ],
    );
    let fp = kyso_pki::certificate::fingerprint_sha256(&kyso_pki::certificate::to_der(personal));
    let theirs = f.stdout.to_lowercase().replace(':', "");
    assert_has(&theirs, &fp, "fingerprint");
    assert_has(
        &theirs,
        &format!("serial={}", kyso_pki::certificate::serial_hex(personal)),
        "serial",
    );

    // kyso reads back what openssl converts to DER.
    let der = openssl(
        d,
        &[
            "x509",
            "-in",
            "personal.pem",
            "-outform",
            "DER",
            "-out",
            "personal.der",
        ],
    );
    assert!(der.ok);
    let back = parse_certificate(&std::fs::read(d.join("personal.der")).unwrap()).unwrap();
    assert_eq!(&back, personal);
    assert!(display_name(&back.tbs_certificate.subject)
        .contains(&format!("CN={CN_AN}, title=Chánh Văn phòng")));
}

#[test]
fn openssl_accepts_crl_then_reports_revocation() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = pki();
    write(d, "root.pem", to_pem(&p.root).as_bytes());
    write(d, "issuing.pem", to_pem(&p.issuing).as_bytes());
    let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let ee = issue_ee(&p, Profile::PersonalSigning, &person(), &key, 365);
    write(d, "ee.pem", to_pem(&ee).as_bytes());
    let other = issue_ee(&p, Profile::PersonalSigning, &person(), &key, 365);

    let this_update = now() - Duration::minutes(5);
    let next_update = now() + Duration::days(7);
    let crl_pem =
        |der: &[u8]| der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der).unwrap();
    let root_crl = build_crl(&p.root, &p.root_key, 1, this_update, next_update, &[]).unwrap();
    let mut crls = crl_pem(&root_crl);

    // Before revocation: an issuing-CA CRL that lists another certificate.
    let unrelated = RevokedCertificate {
        serial: other.tbs_certificate.serial_number.as_bytes().to_vec(),
        revocation_date: now() - Duration::minutes(10),
        reason: None,
    };
    let crl1 = build_crl(
        &p.issuing,
        &p.issuing_key,
        1,
        this_update,
        next_update,
        std::slice::from_ref(&unrelated),
    )
    .unwrap();
    write(
        d,
        "crl1.pem",
        format!("{crls}{}", crl_pem(&crl1)).as_bytes(),
    );
    let v = openssl(
        d,
        &[
            "verify",
            "-crl_check_all",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-CRLfile",
            "crl1.pem",
            "ee.pem",
        ],
    );
    assert!(
        v.ok && v.stdout.contains("ee.pem: OK"),
        "before revocation: {} {}",
        v.stdout,
        v.stderr
    );

    // After revocation for key compromise.
    let revoked = RevokedCertificate {
        serial: ee.tbs_certificate.serial_number.as_bytes().to_vec(),
        revocation_date: now() - Duration::minutes(1),
        reason: Some(RevocationReason::KeyCompromise),
    };
    let crl2 = build_crl(
        &p.issuing,
        &p.issuing_key,
        2,
        this_update,
        next_update,
        &[unrelated, revoked],
    )
    .unwrap();
    crls.push_str(&crl_pem(&crl2));
    write(d, "crl2.pem", crls.as_bytes());
    write(d, "issuing-crl2.pem", crl_pem(&crl2).as_bytes());
    let v = openssl(
        d,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-CRLfile",
            "crl2.pem",
            "ee.pem",
        ],
    );
    assert!(!v.ok, "a revoked certificate must not verify: {}", v.stdout);
    assert_has(
        &format!("{}{}", v.stdout, v.stderr),
        "certificate revoked",
        "revocation",
    );

    // The CRL itself: signature, number, reason, and no reasonCode for an unspecified reason.
    let t = openssl(
        d,
        &[
            "crl",
            "-in",
            "issuing-crl2.pem",
            "-CAfile",
            "issuing.pem",
            "-noout",
            "-text",
        ],
    );
    assert!(t.ok, "{}", t.stderr);
    assert_has(
        &format!("{}{}", t.stdout, t.stderr),
        "verify OK",
        "CRL signature",
    );
    assert_has(&t.stdout, "Version 2 (0x1)", "CRL version");
    assert_has(
        &t.stdout,
        "X509v3 CRL Number: \n                2",
        "CRL number",
    );
    assert_has(&t.stdout, "X509v3 Authority Key Identifier", "CRL AKI");
    assert_has(&t.stdout, "Key Compromise", "reason");
    assert_eq!(
        t.stdout.matches("X509v3 CRL Reason Code").count(),
        1,
        "only the key-compromise entry has a reason code"
    );
    assert_has(
        &t.stdout,
        &format!(
            "Serial Number: {}",
            kyso_pki::certificate::serial_hex(&ee).to_uppercase()
        ),
        "revoked serial",
    );

    // kyso parses openssl's DER conversion of the CRL.
    let c = openssl(
        d,
        &[
            "crl",
            "-in",
            "issuing-crl2.pem",
            "-outform",
            "DER",
            "-out",
            "crl2.der",
        ],
    );
    assert!(c.ok);
    let parsed = kyso_pki::crl::parse_crl(&std::fs::read(d.join("crl2.der")).unwrap()).unwrap();
    assert_eq!(kyso_pki::crl::crl_number(&parsed), Some(2));
    let entries = parsed.tbs_cert_list.revoked_certificates.unwrap();
    assert_eq!(
        kyso_pki::crl::entry_reason(&entries[1]),
        Some(RevocationReason::KeyCompromise)
    );
}

/// Make a CSR with openssl; returns the PEM.
fn openssl_csr(d: &Path, name: &str, newkey: &[&str], extra: &[&str]) -> Vec<u8> {
    let out = format!("{name}.csr");
    let key = format!("{name}.key");
    let mut args = vec![
        "req", "-new", "-nodes", "-utf8", "-keyout", &key, "-out", &out,
    ];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&[
        "-subj",
        "/C=VN/O=Ủy ban nhân dân tỉnh Ninh Bình/CN=Nguyễn Văn An/emailAddress=an@ninhbinh.gov.vn",
    ]);
    args.extend_from_slice(extra);
    let o = openssl(d, &args);
    assert!(o.ok, "openssl req {name}: {}", o.stderr);
    std::fs::read(d.join(out)).unwrap()
}

fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    der::pem::decode_vec(pem).unwrap().1
}

#[test]
fn openssl_requests_are_read_and_bad_ones_refused() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // RSA-2048 PKCS#1 v1.5 with a requested e-mail subjectAltName.
    let rsa = openssl_csr(
        d,
        "rsa",
        &["-newkey", "rsa:2048"],
        &["-addext", "subjectAltName=email:an.nv@ninhbinh.gov.vn"],
    );
    let req = parse_csr(&rsa).unwrap();
    assert_eq!(req.key_description, "RSA-2048");
    assert_eq!(
        req.requested_email.as_deref(),
        Some("an.nv@ninhbinh.gov.vn")
    );
    let subject = SubjectName::from_name(&req.subject).unwrap();
    assert_eq!(subject.common_name, CN_AN);
    assert_eq!(subject.organization.as_deref(), Some(ORG));
    // DER works as well as PEM.
    assert_eq!(parse_csr(&pem_to_der(&rsa)).unwrap(), req);

    // RSASSA-PSS (salt = hash length) and ECDSA P-256.
    let pss = openssl_csr(
        d,
        "pss",
        &["-newkey", "rsa:2048"],
        &[
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
    );
    assert_eq!(parse_csr(&pss).unwrap().key_description, "RSA-2048");
    let ec = openssl_csr(
        d,
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
    );
    let ec_req = parse_csr(&ec).unwrap();
    assert_eq!(ec_req.key_description, "EC P-256");
    assert_eq!(
        ec_req.requested_email.as_deref(),
        Some("an@ninhbinh.gov.vn")
    );

    // OpenSSL 3.0's default PSS salt is the maximum; kyso-crypto verifies
    // only salt = hash length, and says how to make an acceptable request.
    let pss_max = openssl_csr(
        d,
        "pssmax",
        &["-newkey", "rsa:2048"],
        &["-sigopt", "rsa_padding_mode:pss"],
    );
    match parse_csr(&pss_max) {
        Err(CsrError::UnsupportedAlgorithm(m)) => {
            assert!(m.contains("rsa_pss_saltlen:digest"), "{m}")
        }
        other => panic!("PSS with maximal salt: {other:?}"),
    }

    // Weak and unsupported requests.
    let weak = openssl_csr(d, "weak", &["-newkey", "rsa:1024"], &[]);
    assert!(matches!(
        parse_csr(&weak),
        Err(CsrError::WeakKey { bits: 1024 })
    ));
    let sha1 = openssl_csr(d, "sha1", &["-newkey", "rsa:2048"], &["-sha1"]);
    assert!(
        matches!(parse_csr(&sha1), Err(CsrError::WeakDigest("SHA-1"))),
        "{:?}",
        parse_csr(&sha1)
    );
    let k1 = openssl_csr(
        d,
        "k1",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        &[],
    );
    assert!(
        matches!(parse_csr(&k1), Err(CsrError::UnsupportedAlgorithm(m)) if m.contains("P-256 or P-384"))
    );

    // A flipped signature byte.
    let der = pem_to_der(&rsa);
    let mut flipped = der.clone();
    let n = flipped.len();
    flipped[n - 10] ^= 0x01;
    assert!(matches!(parse_csr(&flipped), Err(CsrError::BadSignature)));
    // A flipped byte in the subject.
    let pat = "Văn".as_bytes();
    let pos = der.windows(pat.len()).position(|w| w == pat).unwrap();
    let mut renamed = der.clone();
    renamed[pos] = b'W';
    assert!(matches!(parse_csr(&renamed), Err(CsrError::BadSignature)));

    // Garbage of every kind gives a typed error, never a panic.
    assert!(matches!(parse_csr(b""), Err(CsrError::Empty)));
    assert!(matches!(
        parse_csr(&der[..der.len() / 2]),
        Err(CsrError::Malformed(_))
    ));
    let mut trailing = der.clone();
    trailing.extend_from_slice(b"\x00\x00");
    assert!(matches!(parse_csr(&trailing), Err(CsrError::Malformed(_))));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..600)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    assert!(matches!(parse_csr(&random), Err(CsrError::Malformed(_))));
    let mut pem_garbage =
        b"-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n-----END CERTIFICATE REQUEST-----\n".to_vec();
    assert!(matches!(
        parse_csr(&pem_garbage),
        Err(CsrError::Malformed(_))
    ));
    pem_garbage = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n".to_vec();
    assert!(
        matches!(parse_csr(&pem_garbage), Err(CsrError::Malformed(m)) if m.contains("expected"))
    );

    // Truncation at every length, of the DER and of the PEM.
    for len in 0..der.len() {
        assert!(
            parse_csr(&der[..len]).is_err(),
            "DER truncated to {len} parsed"
        );
    }
    for len in 0..rsa.len() {
        let _ = parse_csr(&rsa[..len]);
    }
    // Every single-byte corruption of the DER is refused too.
    for i in 0..der.len() {
        let mut c = der.clone();
        c[i] ^= 0x80;
        assert!(parse_csr(&c).is_err(), "corruption at byte {i} accepted");
    }
}

#[test]
fn certificate_issued_from_an_openssl_request_matches_its_key() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = pki();
    write(d, "root.pem", to_pem(&p.root).as_bytes());
    write(d, "issuing.pem", to_pem(&p.issuing).as_bytes());
    let csr = openssl_csr(
        d,
        "an",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        &[],
    );
    let req = parse_csr(&csr).unwrap();
    assert_eq!(req.key_description, "EC P-384");
    let subject = SubjectName::from_name(&req.subject).unwrap();
    let mut t = template(
        Profile::PersonalSigning,
        &subject,
        &req.subject_public_key_info,
        1826 - 1,
    );
    t.email_san = req.requested_email.clone();
    let cert = issue(&t, Some(&p.issuing), &p.issuing_key).unwrap();
    write(d, "an.pem", to_pem(&cert).as_bytes());
    let v = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "an.pem",
        ],
    );
    assert!(v.ok, "{} {}", v.stdout, v.stderr);
    // The certificate's key is the key openssl generated.
    let from_cert = openssl(d, &["x509", "-in", "an.pem", "-noout", "-pubkey"]);
    let from_key = openssl(d, &["pkey", "-in", "an.key", "-pubout"]);
    assert!(from_cert.ok && from_key.ok);
    assert_eq!(from_cert.stdout, from_key.stdout);
    // A validity beyond five years is refused for a subscriber.
    t.not_after = t.not_before + Duration::days(1827);
    assert!(issue(&t, Some(&p.issuing), &p.issuing_key).is_err());
}
