//! Trust store, with roots and intermediates made by the openssl CLI;
//! fingerprints are compared with `openssl x509 -fingerprint -sha256`.
mod path_fixture;

use der::Encode;
use kyso_pki::path::{validate_path, RevocationPolicy, ValidationOptions};
use kyso_pki::trust::{TrustError, TrustStore};
use path_fixture::*;
use std::path::Path;
use time::OffsetDateTime;

fn openssl_fingerprint(pki: &Pki, cert: &Path) -> String {
    let out = openssl(
        &["x509", "-in", s(cert), "-noout", "-fingerprint", "-sha256"],
        pki.tmp.path(),
    );
    // "sha256 Fingerprint=AB:CD:…"
    out.trim().rsplit('=').next().unwrap().to_string()
}

fn options() -> ValidationOptions {
    ValidationOptions {
        revocation: RevocationPolicy::Skip,
        ..ValidationOptions::at(OffsetDateTime::now_utc())
    }
}

#[test]
fn add_duplicate_non_ca_and_remove() {
    let Some(pki) = Pki::new(Kind::RsaPkcs1) else {
        return;
    };
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=Kyso Test Issuing CA",
        "v3_inter",
    );
    let ee = pki.ee(&inter, "ee", "Trịnh Văn Phúc");

    let mut store = TrustStore::new();
    assert!(store.is_empty());
    let openssl_fp = openssl_fingerprint(&pki, &root.cert);
    let anchor = store
        .add_der(&cert_der(&root.cert), "Kyso test root")
        .unwrap();
    assert_eq!(
        anchor.fingerprint_sha256,
        openssl_fp.replace(':', "").to_ascii_lowercase()
    );
    assert_eq!(anchor.label, "Kyso test root");
    assert!(
        anchor.subject.contains("CN=Kyso Test Root CA"),
        "{}",
        anchor.subject
    );
    assert_eq!(anchor.der, cert_der(&root.cert));

    let err = store.add_der(&cert_der(&root.cert), "again").unwrap_err();
    assert!(
        matches!(err, TrustError::Duplicate { ref label, .. } if label == "Kyso test root"),
        "{err}"
    );

    let err = store.add_der(&cert_der(&ee.cert_path), "ee").unwrap_err();
    assert!(
        matches!(err, TrustError::NotCa { ref subject } if subject.contains("Trịnh Văn Phúc")),
        "{err}"
    );
    assert_eq!(store.len(), 1);

    // An intermediate CA may be trusted directly.
    store.add_der(&cert_der(&inter.cert), "issuing").unwrap();
    assert_eq!(store.len(), 2);

    // issuers_of: name plus key identifiers.
    let inter_cert = load_cert(&inter.cert);
    let issuers = store.issuers_of(&inter_cert);
    assert_eq!(issuers.len(), 1);
    assert_eq!(
        issuers[0].fingerprint_sha256,
        openssl_fp.replace(':', "").to_ascii_lowercase()
    );
    assert_eq!(store.issuers_of(&ee.cert).len(), 1);
    assert!(
        store.issuers_of(&load_cert(&root.cert)).len() == 1,
        "a root issues itself"
    );

    // Remove by openssl's colon-separated upper-case form.
    assert!(store.remove(&openssl_fp));
    assert!(!store.remove(&openssl_fp));
    assert_eq!(store.len(), 1);
    assert!(store.issuers_of(&inter_cert).is_empty());

    // With only the intermediate trusted, the path is EE → intermediate.
    let path = validate_path(&ee.cert, &[], &store, &Default::default(), &options()).unwrap();
    assert_eq!(path.certificates.len(), 2);
    let (ok, out, err) = openssl_output(
        &[
            "verify",
            "-partial_chain",
            "-CAfile",
            s(&inter.cert),
            s(&ee.cert_path),
        ],
        pki.tmp.path(),
    );
    assert!(ok, "{out}{err}");
}

#[test]
fn same_name_other_key_is_not_an_issuer() {
    let Some(pki) = Pki::new(Kind::Ecdsa) else {
        return;
    };
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let twin = pki.root("twin", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=Kyso Test Issuing CA",
        "v3_inter",
    );
    let ee = pki.ee(&inter, "ee", "Mac Van Quang");
    let mut store = TrustStore::new();
    store.add_der(&cert_der(&twin.cert), "twin").unwrap();
    assert!(store.issuers_of(&load_cert(&inter.cert)).is_empty());
    let err = validate_path(
        &ee.cert,
        &[load_cert(&inter.cert)],
        &store,
        &Default::default(),
        &options(),
    )
    .unwrap_err();
    assert!(
        matches!(err, kyso_pki::path::PathError::NoPathToTrustAnchor { .. }),
        "{err}"
    );
    // Both trusted: the right one is found whatever the order.
    store.add_der(&cert_der(&root.cert), "root").unwrap();
    let path = validate_path(
        &ee.cert,
        &[load_cert(&inter.cert)],
        &store,
        &Default::default(),
        &options(),
    )
    .unwrap();
    assert_eq!(path.certificates[2], load_cert(&root.cert));
}

#[test]
fn pem_bundle_is_all_or_nothing() {
    let Some(pki) = Pki::new(Kind::RsaPss) else {
        return;
    };
    let root = pki.root("root", "/C=VN/O=Kyso Test/CN=Kyso Test Root CA");
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=Kyso Test Issuing CA",
        "v3_inter",
    );
    let ee = pki.ee(&inter, "ee", "Chu Thi Rang");

    let mut text = String::from("# Kyso test roots\n");
    text.push_str(&std::fs::read_to_string(&root.cert).unwrap());
    text.push_str("\nIssuing CA:\n");
    text.push_str(&std::fs::read_to_string(&inter.cert).unwrap());
    let mut store = TrustStore::new();
    assert_eq!(
        store.add_pem_bundle(text.as_bytes(), "national").unwrap(),
        2
    );
    assert_eq!(store.anchors()[0].label, "national");
    assert_eq!(store.anchors()[1].label, "national #2");
    assert_eq!(store.add_pem_bundle(text.as_bytes(), "again").unwrap(), 0);

    let with_ee = pki.bundle("with_ee.pem", &[&root.cert, &ee.cert_path]);
    let mut fresh = TrustStore::new();
    let err = fresh
        .add_pem_bundle(&std::fs::read(with_ee).unwrap(), "bad")
        .unwrap_err();
    assert!(matches!(err, TrustError::NotCa { .. }), "{err}");
    assert!(
        fresh.is_empty(),
        "nothing added from a bundle holding a non-CA"
    );
}

#[test]
fn v1_self_signed_root_is_an_anchor() {
    let Some(pki) = Pki::new(Kind::RsaPkcs1) else {
        return;
    };
    let root = pki.v1_root("root", "/C=VN/O=Kyso Test/CN=Kyso V1 Root");
    let root_cert = load_cert(&root.cert);
    assert_eq!(
        root_cert.tbs_certificate.version,
        x509_cert::certificate::Version::V1
    );
    let inter = pki.sub_ca(
        &root,
        "inter",
        "/C=VN/O=Kyso Test/CN=Under V1",
        "v3_inter_no_aki",
    );
    let ee = pki.ee(&inter, "ee", "Kim Van Son");
    let mut store = TrustStore::new();
    store.add_der(&cert_der(&root.cert), "v1").unwrap();
    let path = validate_path(
        &ee.cert,
        &[load_cert(&inter.cert)],
        &store,
        &Default::default(),
        &options(),
    )
    .unwrap();
    assert_eq!(path.certificates.len(), 3);
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
    assert!(ok, "{out}{err}");

    // A v1 certificate that is not self-signed is no anchor.
    let csr = pki.path("v1ee.csr");
    let key = pki.path("v1ee.key");
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
            "/C=VN/CN=V1 Leaf",
            "-out",
            s(&csr),
            "-config",
            s(&root.cnf),
        ],
        pki.tmp.path(),
    );
    let leaf = pki.path("v1ee.crt");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            s(&csr),
            "-CA",
            s(&root.cert),
            "-CAkey",
            s(&root.key),
            "-set_serial",
            "77",
            "-days",
            "30",
            "-out",
            s(&leaf),
        ],
        pki.tmp.path(),
    );
    let leaf_cert = load_cert(&leaf);
    assert_eq!(
        leaf_cert.tbs_certificate.version,
        x509_cert::certificate::Version::V1
    );
    let err = store
        .add_der(&leaf_cert.to_der().unwrap(), "leaf")
        .unwrap_err();
    assert!(matches!(err, TrustError::NotCa { .. }), "{err}");
}
