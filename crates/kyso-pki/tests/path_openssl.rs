//! RFC 5280 path validation checked against openssl: every chain, CRL and
//! OCSP response here is made by the openssl CLI, and `openssl verify` /
//! `openssl ocsp` give their verdict on the same files.
mod path_fixture;

use kyso_pki::oids;
use kyso_pki::path::{
    ca_issuers_urls, revocation_urls, validate_path, PathError, RevocationEvidence,
    RevocationPolicy, RevocationSource, RevocationStatus, ValidationOptions,
};
use kyso_pki::trust::TrustStore;
use kyso_pki::RevocationReason;
use path_fixture::*;
use std::path::Path;
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::Certificate;

/// root → issuing CA, with the CRL of the root (evidence for the issuing
/// CA).
struct Chain {
    pki: Pki,
    root: Ca,
    inter: Ca,
    root_crl: Vec<u8>,
}

fn chain(kind: Kind) -> Option<Chain> {
    let pki = Pki::new(kind)?;
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=Kyso Test Issuing CA",
        "v3_inter",
    );
    let (_, root_crl) = pki.crl(&root);
    Some(Chain {
        pki,
        root,
        inter,
        root_crl,
    })
}

impl Chain {
    fn trust(&self) -> TrustStore {
        let mut t = TrustStore::new();
        t.add_der(&cert_der(&self.root.cert), "test root").unwrap();
        t
    }

    fn inter_cert(&self) -> Certificate {
        load_cert(&self.inter.cert)
    }

    fn validate(
        &self,
        ee: &Certificate,
        evidence: &RevocationEvidence,
        options: &ValidationOptions,
    ) -> Result<kyso_pki::path::ValidatedPath, PathError> {
        validate_path(ee, &[self.inter_cert()], &self.trust(), evidence, options)
    }

    /// `openssl verify` with the root as the only trust anchor; extra
    /// arguments before the certificate (e.g. -attime, -crl_check).
    fn openssl_verify(&self, ee: &Path, extra: &[&str]) -> (bool, String) {
        let mut args = vec![
            "verify",
            "-x509_strict",
            "-CAfile",
            s(&self.root.cert),
            "-untrusted",
            s(&self.inter.cert),
        ];
        args.extend_from_slice(extra);
        args.push(s(ee));
        let (ok, out, err) = openssl_output(&args, self.pki.tmp.path());
        (ok && out.contains(": OK"), format!("{out}{err}"))
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn skip_revocation(time: OffsetDateTime) -> ValidationOptions {
    ValidationOptions {
        revocation: RevocationPolicy::Skip,
        ..ValidationOptions::at(time)
    }
}

fn good_chain(kind: Kind) {
    let Some(c) = chain(kind) else { return };
    let ee = c.pki.ee(&c.inter, "ee", "Nguyễn Văn An");
    let (inter_crl_pem, inter_crl) = c.pki.crl(&c.inter);
    let evidence = RevocationEvidence {
        crls: vec![c.root_crl.clone(), inter_crl],
        ocsp_responses: vec![],
    };
    let path = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
        .expect("valid path");
    assert_eq!(path.certificates.len(), 3);
    assert_eq!(path.certificates[0], ee.cert);
    assert_eq!(path.certificates[2], load_cert(&c.root.cert));
    assert_eq!(
        path.anchor_fingerprint,
        c.trust().anchors()[0].fingerprint_sha256
    );
    assert_eq!(path.revocation.len(), 2);
    for (_, status) in &path.revocation {
        assert!(
            matches!(
                status,
                RevocationStatus::Good {
                    source: RevocationSource::Crl,
                    this_update: Some(_)
                }
            ),
            "{status:?}"
        );
    }
    assert!(path.warnings.is_empty(), "{:?}", path.warnings);
    let pss = der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    for cert in &path.certificates {
        assert_eq!(cert.signature_algorithm.oid == pss, kind == Kind::RsaPss);
    }

    // openssl agrees, CRLs included.
    let root_crl_pem = c.root.dir.join("ca.crl.pem");
    let crl_bundle = c.pki.bundle("crls.pem", &[&root_crl_pem, &inter_crl_pem]);
    let (ok, out) = c.openssl_verify(
        &ee.cert_path,
        &["-crl_check_all", "-CRLfile", s(&crl_bundle)],
    );
    assert!(ok, "openssl verify disagrees: {out}");

    // Extra, duplicate and unrelated certificates do not disturb path building.
    let noise = vec![
        ee.cert.clone(),
        c.inter_cert(),
        load_cert(&c.root.cert),
        c.inter_cert(),
    ];
    validate_path(
        &ee.cert,
        &noise,
        &c.trust(),
        &evidence,
        &ValidationOptions::at(now()),
    )
    .expect("valid with noisy intermediates");

    // Without the intermediate there is no path.
    let err = validate_path(
        &ee.cert,
        &[],
        &c.trust(),
        &evidence,
        &ValidationOptions::at(now()),
    )
    .unwrap_err();
    assert!(
        matches!(err, PathError::NoPathToTrustAnchor { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("Kyso Test Issuing CA"), "{err}");
}

#[test]
fn good_chain_rsa_pss_validates_and_openssl_agrees() {
    good_chain(Kind::RsaPss);
}

#[test]
fn good_chain_ecdsa_validates_and_openssl_agrees() {
    good_chain(Kind::Ecdsa);
}

#[test]
fn good_chain_rsa_pkcs1_validates_and_openssl_agrees() {
    good_chain(Kind::RsaPkcs1);
}

#[test]
fn expired_end_entity_fails_now_but_validates_inside_its_validity() {
    let Some(c) = chain(Kind::RsaPss) else { return };
    let ee = c.pki.issue(
        &c.inter,
        "old",
        "/C=VN/O=Kyso Test/CN=Old Signer",
        "v3_ee",
        "20210101000000Z",
        "20220101000000Z",
        2048,
    );
    let err = c
        .validate(&ee.cert, &Default::default(), &skip_revocation(now()))
        .unwrap_err();
    match &err {
        PathError::Expired { subject, not_after } => {
            assert!(subject.contains("Old Signer"));
            assert_eq!(*not_after, datetime!(2022-01-01 0:00 UTC));
        }
        other => panic!("expected Expired, got {other}"),
    }
    assert!(
        err.to_string().contains("2022-01-01T07:00:00+07:00"),
        "{err}"
    );
    let (ok, out) = c.openssl_verify(&ee.cert_path, &[]);
    assert!(!ok && out.contains("expired"), "{out}");

    let at = datetime!(2021-06-01 12:00 UTC);
    c.validate(&ee.cert, &Default::default(), &skip_revocation(at))
        .expect("valid at a time inside the validity");
    let epoch = at.unix_timestamp().to_string();
    let (ok, out) = c.openssl_verify(&ee.cert_path, &["-attime", &epoch]);
    assert!(ok, "{out}");

    let err = c
        .validate(
            &ee.cert,
            &Default::default(),
            &skip_revocation(datetime!(2020-06-01 0:00 UTC)),
        )
        .unwrap_err();
    assert!(matches!(err, PathError::NotYetValid { .. }), "{err}");
}

#[test]
fn intermediate_without_ca_is_refused() {
    let Some(pki) = Pki::new(Kind::RsaPkcs1) else {
        return;
    };
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(&root, "inter", "/C=VN/O=Kyso Test/CN=Not A CA", "v3_not_ca");
    let ee = pki.ee(&inter, "ee", "Tran Thi Binh");
    let mut trust = TrustStore::new();
    trust.add_der(&cert_der(&root.cert), "root").unwrap();
    let err = validate_path(
        &ee.cert,
        &[load_cert(&inter.cert)],
        &trust,
        &Default::default(),
        &skip_revocation(now()),
    )
    .unwrap_err();
    match &err {
        PathError::NotCa { subject } => assert!(subject.contains("Not A CA")),
        other => panic!("expected NotCa, got {other}"),
    }
    let (ok, out, err) = openssl_output(
        &[
            "verify",
            "-CAfile",
            s(&root.cert),
            "-untrusted",
            s(&inter.cert),
            s(&ee.cert_path),
        ],
        pki.tmp.path(),
    );
    assert!(!ok, "openssl accepted a non-CA issuer: {out}{err}");
}

#[test]
fn ca_without_key_cert_sign_is_refused() {
    let Some(pki) = Pki::new(Kind::Ecdsa) else {
        return;
    };
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=No CertSign CA",
        "v3_ca_no_certsign",
    );
    let ee = pki.ee(&inter, "ee", "Le Van Cuong");
    let mut trust = TrustStore::new();
    trust.add_der(&cert_der(&root.cert), "root").unwrap();
    let err = validate_path(
        &ee.cert,
        &[load_cert(&inter.cert)],
        &trust,
        &Default::default(),
        &skip_revocation(now()),
    )
    .unwrap_err();
    assert!(
        matches!(err, PathError::MissingKeyCertSign { ref subject } if subject.contains("No CertSign")),
        "{err}"
    );
    let (ok, _, _) = openssl_output(
        &[
            "verify",
            "-CAfile",
            s(&root.cert),
            "-untrusted",
            s(&inter.cert),
            s(&ee.cert_path),
        ],
        pki.tmp.path(),
    );
    assert!(!ok, "openssl accepted an issuer without keyCertSign");
}

#[test]
fn path_len_zero_intermediate_with_a_further_ca_is_refused() {
    let Some(pki) = Pki::new(Kind::RsaPss) else {
        return;
    };
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=Pathlen Zero CA",
        "v3_inter_pathlen0",
    );
    let sub = pki.sub_ca(
        &inter,
        "sub",
        "/C=VN/O=Kyso Test/CN=Too Deep CA",
        "v3_inter",
    );
    let ee = pki.ee(&sub, "ee", "Pham Thi Dung");
    let mut trust = TrustStore::new();
    trust.add_der(&cert_der(&root.cert), "root").unwrap();
    let intermediates = [load_cert(&sub.cert), load_cert(&inter.cert)];
    let err = validate_path(
        &ee.cert,
        &intermediates,
        &trust,
        &Default::default(),
        &skip_revocation(now()),
    )
    .unwrap_err();
    match &err {
        PathError::PathLenExceeded { subject, path_len } => {
            assert!(subject.contains("Pathlen Zero CA"));
            assert_eq!(*path_len, 0);
        }
        other => panic!("expected PathLenExceeded, got {other}"),
    }
    let untrusted = pki.bundle("untrusted.pem", &[&sub.cert, &inter.cert]);
    let (ok, _, _) = openssl_output(
        &[
            "verify",
            "-CAfile",
            s(&root.cert),
            "-untrusted",
            s(&untrusted),
            s(&ee.cert_path),
        ],
        pki.tmp.path(),
    );
    assert!(!ok, "openssl accepted a path longer than pathlen:0");

    // A certificate issued directly under the pathlen:0 CA is fine.
    let direct = pki.ee(&inter, "direct", "Hoang Van Em");
    validate_path(
        &direct.cert,
        &intermediates,
        &trust,
        &Default::default(),
        &skip_revocation(now()),
    )
    .expect("EE directly under a pathlen:0 CA");

    // max_path_len bounds the search too.
    let short = ValidationOptions {
        max_path_len: 1,
        ..skip_revocation(now())
    };
    let err = validate_path(
        &ee.cert,
        &intermediates,
        &trust,
        &Default::default(),
        &short,
    )
    .unwrap_err();
    assert!(
        matches!(err, PathError::NoPathToTrustAnchor { .. }),
        "{err}"
    );
}

#[test]
fn tampered_signature_is_refused() {
    let Some(c) = chain(Kind::RsaPss) else { return };
    let ee = c.pki.ee(&c.inter, "ee", "Vo Thi Giang");
    let mut der = cert_der(&ee.cert_path);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered_path = c.pki.path("tampered.der");
    std::fs::write(&tampered_path, &der).unwrap();
    let tampered = load_cert(&tampered_path);
    let err = c
        .validate(&tampered, &Default::default(), &skip_revocation(now()))
        .unwrap_err();
    assert!(
        matches!(err, PathError::BadSignature { ref subject } if subject.contains("Vo Thi Giang")),
        "{err}"
    );
    let pem_path = c.pki.path("tampered.pem");
    openssl(
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            s(&tampered_path),
            "-out",
            s(&pem_path),
        ],
        c.pki.tmp.path(),
    );
    let (ok, out) = c.openssl_verify(&pem_path, &[]);
    assert!(!ok, "openssl accepted the tampered certificate: {out}");
}

#[test]
fn rsa_1024_end_entity_is_a_weak_key() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let ee = c.pki.issue(
        &c.inter,
        "weak",
        "/C=VN/O=Kyso Test/CN=Weak Key",
        "v3_ee",
        EE_START,
        EE_END,
        1024,
    );
    let err = c
        .validate(&ee.cert, &Default::default(), &skip_revocation(now()))
        .unwrap_err();
    match &err {
        PathError::WeakKey {
            subject,
            bits,
            min_bits,
        } => {
            assert!(subject.contains("Weak Key"));
            assert_eq!((*bits, *min_bits), (1024, 2048));
        }
        other => panic!("expected WeakKey, got {other}"),
    }
    // openssl at security level 2 (112 bits) refuses it too.
    let (ok, out) = c.openssl_verify(&ee.cert_path, &["-auth_level", "2"]);
    assert!(!ok, "{out}");
}

#[test]
fn sha1_signature_is_a_weak_algorithm() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let csr = c.pki.path("sha1.csr");
    let key = c.pki.path("sha1.key");
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&key),
            "-subj",
            "/C=VN/CN=SHA1 Signed",
            "-out",
            s(&csr),
            "-config",
            s(&c.inter.cnf),
        ],
        c.pki.tmp.path(),
    );
    let out = c.pki.path("sha1.crt");
    c.pki.sign_csr(
        &c.inter,
        &csr,
        &out,
        "v3_ee",
        EE_START,
        EE_END,
        &["-md", "sha1"],
    );
    let err = c
        .validate(
            &load_cert(&out),
            &Default::default(),
            &skip_revocation(now()),
        )
        .unwrap_err();
    assert!(
        matches!(err, PathError::WeakAlgorithm { ref subject, .. } if subject.contains("SHA1 Signed")),
        "{err}"
    );
}

#[test]
fn unknown_critical_extension_is_refused() {
    let Some(c) = chain(Kind::Ecdsa) else { return };
    let ee = c.pki.issue(
        &c.inter,
        "crit",
        "/C=VN/O=Kyso Test/CN=Critical Ext",
        "v3_ee_unknown_critical",
        EE_START,
        EE_END,
        2048,
    );
    let err = c
        .validate(&ee.cert, &Default::default(), &skip_revocation(now()))
        .unwrap_err();
    match &err {
        PathError::UnknownCriticalExtension { subject, oid } => {
            assert!(subject.contains("Critical Ext"));
            assert_eq!(oid.to_string(), "1.3.6.1.4.1.59999.99.1");
        }
        other => panic!("expected UnknownCriticalExtension, got {other}"),
    }
    let (ok, out) = c.openssl_verify(&ee.cert_path, &[]);
    assert!(!ok && out.contains("critical"), "{out}");
}

#[test]
fn required_eku_is_enforced_on_the_end_entity() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let ee = c.pki.ee(&c.inter, "ee", "Do Van Hai");
    let mut options = skip_revocation(now());
    options.required_eku = Some(oids::KP_DOCUMENT_SIGNING);
    c.validate(&ee.cert, &Default::default(), &options)
        .expect("document signing allowed");
    options.required_eku = Some(oids::KP_TIME_STAMPING);
    let err = c
        .validate(&ee.cert, &Default::default(), &options)
        .unwrap_err();
    assert!(matches!(err, PathError::EkuNotAllowed { .. }), "{err}");
    // openssl agrees that this is no time-stamping certificate.
    let (ok, _) = c.openssl_verify(&ee.cert_path, &["-purpose", "timestampsign"]);
    assert!(!ok);
}

#[test]
fn crl_revocation_is_found_with_its_reason() {
    let Some(c) = chain(Kind::RsaPss) else { return };
    let ee = c.pki.ee(&c.inter, "ee", "Bui Thi Lan");
    c.pki.revoke(&c.inter, &ee.cert_path, "keyCompromise");
    let (crl_pem, crl) = c.pki.crl(&c.inter);
    let evidence = RevocationEvidence {
        crls: vec![c.root_crl.clone(), crl],
        ocsp_responses: vec![],
    };
    let err = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
        .unwrap_err();
    match &err {
        PathError::Revoked {
            subject,
            reason,
            time,
        } => {
            assert!(subject.contains("Bui Thi Lan"));
            assert_eq!(*reason, Some(RevocationReason::KeyCompromise));
            assert!(*time <= now());
        }
        other => panic!("expected Revoked, got {other}"),
    }
    assert!(err.to_string().contains("keyCompromise"), "{err}");
    let root_crl_pem = c.root.dir.join("ca.crl.pem");
    let crls = c.pki.bundle("crls.pem", &[&root_crl_pem, &crl_pem]);
    let (ok, out) = c.openssl_verify(&ee.cert_path, &["-crl_check_all", "-CRLfile", s(&crls)]);
    assert!(!ok && out.contains("revoked"), "{out}");

    // At a time before the revocation (the signing-time rule), the
    // certificate was valid: Good with a warning naming the revocation.
    let at = datetime!(2025-03-01 0:00 UTC);
    let path = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(at))
        .expect("valid before the revocation");
    assert!(
        path.warnings
            .iter()
            .any(|w| w.contains("revoked at") && w.contains("keyCompromise")),
        "{:?}",
        path.warnings
    );
    assert!(matches!(
        path.revocation[0].1,
        RevocationStatus::Good {
            source: RevocationSource::Crl,
            ..
        }
    ));
    // Another certificate of the same CA is not on the CRL.
    let other = c.pki.ee(&c.inter, "other", "Not Revoked");
    let (_, crl2) = c.pki.crl(&c.inter);
    let evidence2 = RevocationEvidence {
        crls: vec![c.root_crl.clone(), crl2],
        ocsp_responses: vec![],
    };
    c.validate(&other.cert, &evidence2, &ValidationOptions::at(now()))
        .expect("other certificate good");

    // A CRL from another CA with the same name (other key) is not evidence.
    let Some(twin) = chain(Kind::RsaPss) else {
        return;
    };
    let (_, twin_crl) = twin.pki.crl(&twin.inter);
    let evidence3 = RevocationEvidence {
        crls: vec![c.root_crl.clone(), twin_crl],
        ocsp_responses: vec![],
    };
    let err = c
        .validate(&other.cert, &evidence3, &ValidationOptions::at(now()))
        .unwrap_err();
    assert!(
        matches!(err, PathError::RevocationUnknown { ref subject } if subject.contains("Not Revoked")),
        "{err}"
    );
}

/// The intermediate's delegated OCSP responder (OCSPSigning EKU,
/// id-pkix-ocsp-nocheck).
fn responder(c: &Chain, section: &str, name: &str) -> Issued {
    c.pki.issue(
        &c.inter,
        name,
        &format!("/C=VN/O=Kyso Test/CN=OCSP {name}"),
        section,
        CA_START,
        CA_END,
        2048,
    )
}

fn ocsp_good_and_revoked(kind: Kind) {
    let Some(c) = chain(kind) else { return };
    let good = c.pki.ee(&c.inter, "good", "Good Signer");
    let bad = c.pki.ee(&c.inter, "bad", "Revoked Signer");
    c.pki.revoke(&c.inter, &bad.cert_path, "keyCompromise");
    let ocsp = responder(&c, "v3_ocsp", "responder");
    let good_resp = c.pki.ocsp_response(
        &c.inter,
        &good.cert_path,
        "-sha1",
        (&ocsp.cert_path, &ocsp.key_path),
        "good",
    );
    let bad_resp = c.pki.ocsp_response(
        &c.inter,
        &bad.cert_path,
        "-sha256",
        (&ocsp.cert_path, &ocsp.key_path),
        "bad",
    );

    // openssl's own reading of the responses.
    for (name, digest, cert, expect) in [
        ("good", "-sha1", &good.cert_path, "good"),
        ("bad", "-sha256", &bad.cert_path, "revoked"),
    ] {
        let chain_pem = c.pki.bundle("chain.pem", &[&c.root.cert, &c.inter.cert]);
        let out = openssl(
            &[
                "ocsp",
                "-respin",
                s(&c.pki.path(&format!("{name}.resp.der"))),
                "-CAfile",
                s(&chain_pem),
                "-issuer",
                s(&c.inter.cert),
                digest,
                "-cert",
                s(cert),
            ],
            c.pki.tmp.path(),
        );
        assert!(out.contains(&format!(": {expect}")), "openssl ocsp: {out}");
    }

    let evidence = RevocationEvidence {
        crls: vec![c.root_crl.clone()],
        ocsp_responses: vec![bad_resp.clone(), good_resp.clone()],
    };
    let path = c
        .validate(&good.cert, &evidence, &ValidationOptions::at(now()))
        .expect("good by OCSP");
    assert!(
        matches!(
            path.revocation[0].1,
            RevocationStatus::Good {
                source: RevocationSource::Ocsp,
                this_update: Some(_)
            }
        ),
        "{:?}",
        path.revocation
    );
    assert!(matches!(
        path.revocation[1].1,
        RevocationStatus::Good {
            source: RevocationSource::Crl,
            ..
        }
    ));

    let err = c
        .validate(&bad.cert, &evidence, &ValidationOptions::at(now()))
        .unwrap_err();
    assert!(
        matches!(err, PathError::Revoked { reason: Some(RevocationReason::KeyCompromise), ref subject, .. } if subject.contains("Revoked Signer")),
        "{err}"
    );

    // The responder certificate needs no check (id-pkix-ocsp-nocheck).
    let path = c
        .validate(
            &ocsp.cert,
            &RevocationEvidence {
                crls: vec![c.root_crl.clone()],
                ocsp_responses: vec![],
            },
            &ValidationOptions::at(now()),
        )
        .expect("responder certificate");
    assert_eq!(
        path.revocation[0].1,
        RevocationStatus::Good {
            source: RevocationSource::NoCheck,
            this_update: None
        }
    );
}

#[test]
fn openssl_ocsp_responses_rsa_pss_good_and_revoked() {
    ocsp_good_and_revoked(Kind::RsaPss);
}

#[test]
fn openssl_ocsp_responses_ecdsa_good_and_revoked() {
    ocsp_good_and_revoked(Kind::Ecdsa);
}

#[test]
fn ocsp_response_signed_by_an_unauthorized_key_is_not_evidence() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let ee = c.pki.ee(&c.inter, "ee", "Ngo Thi Mai");
    c.pki.revoke(&c.inter, &ee.cert_path, "superseded");

    // A self-signed "responder" nobody authorized, claiming OCSPSigning.
    let rogue_key = c.pki.path("rogue.key");
    let rogue_cert = c.pki.path("rogue.crt");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&rogue_key),
            "-out",
            s(&rogue_cert),
            "-subj",
            "/C=VN/CN=Rogue Responder",
            "-days",
            "30",
            "-config",
            s(&c.inter.cnf),
            "-addext",
            "extendedKeyUsage=OCSPSigning",
            "-addext",
            "keyUsage=digitalSignature",
        ],
        c.pki.tmp.path(),
    );
    // A certificate of the right CA, but without the OCSPSigning EKU.
    let no_eku = responder(&c, "v3_ocsp_without_eku", "noeku");
    // Re-issue the database entry as good for the rogue answer: the rogue
    // says "good" about a revoked certificate.
    let index = c.inter.dir.join("index.txt");
    let revoked_index = std::fs::read_to_string(&index).unwrap();
    let lied: String = revoked_index
        .lines()
        .map(|l| {
            if l.starts_with('R') {
                let f: Vec<&str> = l.split('\t').collect();
                format!("V\t{}\t\t{}\t{}\t{}\n", f[1], f[3], f[4], f[5])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&index, lied).unwrap();
    let rogue_resp = c.pki.ocsp_response(
        &c.inter,
        &ee.cert_path,
        "-sha1",
        (&rogue_cert, &rogue_key),
        "rogue",
    );
    let no_eku_resp = c.pki.ocsp_response(
        &c.inter,
        &ee.cert_path,
        "-sha256",
        (&no_eku.cert_path, &no_eku.key_path),
        "noeku",
    );
    std::fs::write(&index, revoked_index).unwrap();

    // The rogue response does say "good" (read without verification)…
    let out = openssl(
        &[
            "ocsp",
            "-respin",
            s(&c.pki.path("rogue.resp.der")),
            "-noverify",
            "-issuer",
            s(&c.inter.cert),
            "-cert",
            s(&ee.cert_path),
        ],
        c.pki.tmp.path(),
    );
    assert!(out.contains(": good"), "{out}");
    // …and openssl refuses it as well.
    let chain_pem = c.pki.bundle("chain.pem", &[&c.root.cert, &c.inter.cert]);
    let (ok, out, err) = openssl_output(
        &[
            "ocsp",
            "-respin",
            s(&c.pki.path("rogue.resp.der")),
            "-CAfile",
            s(&chain_pem),
            "-issuer",
            s(&c.inter.cert),
            "-cert",
            s(&ee.cert_path),
        ],
        c.pki.tmp.path(),
    );
    assert!(
        !ok || !out.contains("Response verify OK"),
        "openssl accepted the rogue response: {out}{err}"
    );

    for resp in [rogue_resp.clone(), no_eku_resp.clone()] {
        let evidence = RevocationEvidence {
            crls: vec![c.root_crl.clone()],
            ocsp_responses: vec![resp],
        };
        let err = c
            .validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
            .unwrap_err();
        assert!(
            matches!(err, PathError::RevocationUnknown { ref subject } if subject.contains("Ngo Thi Mai")),
            "{err}"
        );
        let best = ValidationOptions {
            revocation: RevocationPolicy::BestEffort,
            ..ValidationOptions::at(now())
        };
        let path = c.validate(&ee.cert, &evidence, &best).expect("best effort");
        assert_eq!(path.revocation[0].1, RevocationStatus::Unknown);
        assert!(
            path.warnings
                .iter()
                .any(|w| w.contains("OCSP response") && w.contains("ignored")),
            "{:?}",
            path.warnings
        );
    }

    // With the CA's real CRL beside the lie, the revocation wins.
    let (_, crl) = c.pki.crl(&c.inter);
    let evidence = RevocationEvidence {
        crls: vec![c.root_crl.clone(), crl],
        ocsp_responses: vec![rogue_resp],
    };
    let err = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
        .unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Revoked {
                reason: Some(RevocationReason::Superseded),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn missing_evidence_follows_the_policy() {
    let Some(c) = chain(Kind::Ecdsa) else { return };
    let ee = c.pki.ee(&c.inter, "ee", "Dang Van Nam");
    let none = RevocationEvidence::default();
    let err = c
        .validate(&ee.cert, &none, &ValidationOptions::at(now()))
        .unwrap_err();
    assert!(
        matches!(err, PathError::RevocationUnknown { ref subject } if subject.contains("Dang Van Nam")),
        "{err}"
    );

    let best = ValidationOptions {
        revocation: RevocationPolicy::BestEffort,
        ..ValidationOptions::at(now())
    };
    let path = c.validate(&ee.cert, &none, &best).expect("best effort");
    assert_eq!(path.warnings.len(), 2, "{:?}", path.warnings);
    assert!(path.warnings[0].contains("Dang Van Nam"));
    assert!(path.warnings[1].contains("Kyso Test Issuing CA"));
    assert!(path
        .revocation
        .iter()
        .all(|(_, s)| *s == RevocationStatus::Unknown));

    let path = c
        .validate(&ee.cert, &none, &skip_revocation(now()))
        .expect("skip");
    assert!(path.revocation.is_empty() && path.warnings.is_empty());
}

#[test]
fn stale_crl_is_not_evidence() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let ee = c.pki.ee(&c.inter, "ee", "Ly Thi Oanh");
    let (_, crl) = c.pki.crl(&c.inter);
    let evidence = RevocationEvidence {
        crls: vec![c.root_crl.clone(), crl],
        ocsp_responses: vec![],
    };
    // 30 days of nextUpdate: current now, stale in 60 days.
    c.validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
        .expect("current CRL");
    let later = now() + time::Duration::days(60);
    let err = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(later))
        .unwrap_err();
    assert!(matches!(err, PathError::RevocationUnknown { .. }), "{err}");
}

#[test]
fn urls_are_read_from_aia_and_cdp() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let ee = c.pki.ee(&c.inter, "ee", "Url Reader");
    let (ocsp, crl) = revocation_urls(&ee.cert);
    assert_eq!(ocsp, vec!["http://ocsp.kyso.test/".to_string()]);
    assert_eq!(crl, vec!["http://ca.kyso.test/issuing.crl".to_string()]);
    assert_eq!(
        ca_issuers_urls(&ee.cert),
        vec!["http://ca.kyso.test/issuing.crt".to_string()]
    );
    assert_eq!(revocation_urls(&load_cert(&c.root.cert)), (vec![], vec![]));
}

#[test]
fn delegated_responder_without_nocheck_is_used_with_a_warning() {
    let Some(c) = chain(Kind::RsaPkcs1) else {
        return;
    };
    let ee = c.pki.ee(&c.inter, "ee", "Quach Van Phong");
    let r = responder(&c, "v3_ocsp_without_nocheck", "checked");
    let resp = c.pki.ocsp_response(
        &c.inter,
        &ee.cert_path,
        "-sha256",
        (&r.cert_path, &r.key_path),
        "checked",
    );
    let evidence = RevocationEvidence {
        crls: vec![c.root_crl.clone()],
        ocsp_responses: vec![resp],
    };
    let path = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
        .expect("good by OCSP");
    assert!(matches!(
        path.revocation[0].1,
        RevocationStatus::Good {
            source: RevocationSource::Ocsp,
            ..
        }
    ));
    assert!(
        path.warnings
            .iter()
            .any(|w| w.contains("id-pkix-ocsp-nocheck")),
        "{:?}",
        path.warnings
    );
}

/// Every single-byte corruption of a CRL or an OCSP response makes it
/// unusable: never a panic, never an accepted answer.
#[test]
fn corrupted_or_garbage_evidence_is_never_accepted_rsa_pkcs1() {
    corrupted_evidence(Kind::RsaPkcs1);
}

#[test]
fn corrupted_or_garbage_evidence_is_never_accepted_rsa_pss() {
    corrupted_evidence(Kind::RsaPss);
}

#[test]
fn corrupted_or_garbage_evidence_is_never_accepted_ecdsa() {
    corrupted_evidence(Kind::Ecdsa);
}

fn corrupted_evidence(kind: Kind) {
    let Some(c) = chain(kind) else { return };
    let ee = c.pki.ee(&c.inter, "ee", "Ta Thi Quyen");
    let ocsp = responder(&c, "v3_ocsp", "responder");
    let resp = c.pki.ocsp_response(
        &c.inter,
        &ee.cert_path,
        "-sha1",
        (&ocsp.cert_path, &ocsp.key_path),
        "ee",
    );
    let (_, crl) = c.pki.crl(&c.inter);
    let with = |crls: Vec<Vec<u8>>, ocsp: Vec<Vec<u8>>| RevocationEvidence {
        crls: [vec![c.root_crl.clone()], crls].concat(),
        ocsp_responses: ocsp,
    };
    let options = ValidationOptions::at(now());
    // Baselines: each piece alone is accepted.
    c.validate(&ee.cert, &with(vec![crl.clone()], vec![]), &options)
        .expect("CRL baseline");
    c.validate(&ee.cert, &with(vec![], vec![resp.clone()]), &options)
        .expect("OCSP baseline");

    let garbage = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x80, 0x00, 0x00],
        vec![0x30, 0x03, 0x0a, 0x01, 0x03], // OCSPResponse tryLater
        vec![0xff; 4096],
        crl[..crl.len() / 2].to_vec(),
        resp[..resp.len() / 2].to_vec(),
    ];
    let err = c
        .validate(&ee.cert, &with(garbage.clone(), garbage), &options)
        .unwrap_err();
    assert!(matches!(err, PathError::RevocationUnknown { .. }), "{err}");

    for i in 0..crl.len() {
        let mut bad = crl.clone();
        bad[i] ^= 0x01;
        let r = c.validate(&ee.cert, &with(vec![bad], vec![]), &options);
        assert!(r.is_err(), "CRL with byte {i} flipped was accepted");
    }
    for i in 0..resp.len() {
        let mut bad = resp.clone();
        bad[i] ^= 0x01;
        let r = c.validate(&ee.cert, &with(vec![], vec![bad]), &options);
        assert!(
            r.is_err(),
            "OCSP response with byte {i} flipped was accepted"
        );
    }
}

#[test]
fn revoked_intermediate_fails_the_whole_path() {
    let Some(c) = chain(Kind::Ecdsa) else { return };
    let ee = c.pki.ee(&c.inter, "ee", "Luu Van Tam");
    c.pki.revoke(&c.root, &c.inter.cert, "cACompromise");
    let (root_crl_pem, root_crl) = c.pki.crl(&c.root);
    let (inter_crl_pem, inter_crl) = c.pki.crl(&c.inter);
    let evidence = RevocationEvidence {
        crls: vec![root_crl, inter_crl],
        ocsp_responses: vec![],
    };
    let err = c
        .validate(&ee.cert, &evidence, &ValidationOptions::at(now()))
        .unwrap_err();
    assert!(
        matches!(err, PathError::Revoked { ref subject, reason: Some(RevocationReason::CaCompromise), .. } if subject.contains("Kyso Test Issuing CA")),
        "{err}"
    );
    let crls = c.pki.bundle("crls.pem", &[&root_crl_pem, &inter_crl_pem]);
    let (ok, out) = c.openssl_verify(&ee.cert_path, &["-crl_check_all", "-CRLfile", s(&crls)]);
    assert!(!ok && out.contains("revoked"), "{out}");
}
