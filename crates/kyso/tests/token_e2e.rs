//! `kyso token` against real SoftHSM2 tokens (issue 4): keys generated on
//! the token, signatures checked by openssl, objects listed by OpenSC's
//! pkcs11-tool, CSR → `kyso ca issue` → import on the token, wrong PINs and
//! recovery by the security officer with its record — on SQLite and
//! PostgreSQL.
mod common;

use common::token::{Hsm, PIN, SO_PIN};
use common::*;

fn p(d: &Deployment, name: &str) -> String {
    d.path(name).to_str().unwrap().to_string()
}

/// `kyso token sign` over `file`, then openssl verifies with the public key
/// kyso wrote; a changed file must not verify.
fn sign_and_verify(hsm: &Hsm, d: &Deployment, pin_var: (&str, &str), key: &str, alg: &str) {
    let dir = d.dir.path();
    std::fs::write(dir.join("doc.txt"), format!("Công văn số 01 — {alg}")).unwrap();
    hsm.kyso_envs_ok(
        d,
        &[pin_var],
        &[
            "token",
            "sign",
            "--token",
            "an",
            "--pin-env",
            pin_var.0,
            "--key",
            key,
            "--algorithm",
            alg,
            "--in",
            &p(d, "doc.txt"),
            "--out",
            &p(d, "doc.sig"),
            "--public-key",
            &p(d, "key.pub.pem"),
        ],
    );
    let mut args = vec![
        "dgst",
        "-sha256",
        "-verify",
        "key.pub.pem",
        "-signature",
        "doc.sig",
    ];
    if alg.starts_with("rsa-pss") {
        args.extend([
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ]);
    }
    let mut good = args.clone();
    good.push("doc.txt");
    assert!(openssl(dir, &good).contains("Verified OK"));
    std::fs::write(dir.join("other.txt"), "Công văn số 02").unwrap();
    let mut bad = args;
    bad.push("other.txt");
    let (ok, text) = run_in(dir, "openssl", &bad);
    assert!(!ok, "a signature over another file verified: {text}");
}

fn first_deployment() -> Deployment {
    deployments().into_iter().next().unwrap()
}

#[test]
fn keys_on_the_token_sign_and_take_their_certificate() {
    let Some(hsm) = Hsm::new() else { return };
    if !have("openssl") || !have("pkcs11-tool") {
        return;
    }
    let d = first_deployment();
    let pin = ("AN_PIN", PIN);
    hsm.init_token("an");
    for (label, ty) in [("an-rsa", "rsa-2048"), ("an-ec", "p-256")] {
        let out = hsm.kyso_envs_ok(
            &d,
            &[pin],
            &[
                "token",
                "keygen",
                "--token",
                "an",
                "--pin-env",
                "AN_PIN",
                "--label",
                label,
                "--type",
                ty,
            ],
        );
        assert!(out.contains("BEGIN PUBLIC KEY"), "{out}");
    }
    sign_and_verify(&hsm, &d, pin, "an-rsa", "rsa-pkcs1-sha256");
    sign_and_verify(&hsm, &d, pin, "an-rsa", "rsa-pss-sha256");
    sign_and_verify(&hsm, &d, pin, "an-ec", "ecdsa-sha256");

    // OpenSC sees the keys kyso generated, private keys sensitive and
    // never extractable.
    let objs = hsm.pkcs11_tool(&[
        "--token-label",
        "an",
        "--login",
        "--pin",
        PIN,
        "--list-objects",
    ]);
    assert!(objs.contains("label:      an-rsa"), "{objs}");
    assert!(objs.contains("label:      an-ec"), "{objs}");
    assert!(objs.contains("RSA 2048 bits"), "{objs}");
    assert!(objs.contains("EC_POINT 256 bits"), "{objs}");
    assert!(objs.contains("never extractable"), "{objs}");

    // CSR from the token key → the CA issues → the certificate goes on the token.
    d.kyso(&["ca", "init", "--organization", "Sở KH&CN tỉnh Ninh Bình"]);
    d.kyso(&["ca", "cert", "issuing", "-o", &p(&d, "issuing.pem")]);
    d.kyso(&["ca", "cert", "root", "-o", &p(&d, "root.pem")]);
    hsm.kyso_envs_ok(
        &d,
        &[pin],
        &[
            "token",
            "csr",
            "--token",
            "an",
            "--pin-env",
            "AN_PIN",
            "--key",
            "an-ec",
            "--subject",
            "CN=Nguyễn Văn An, O=UBND tỉnh Ninh Bình, C=VN",
            "-o",
            &p(&d, "an.csr"),
        ],
    );
    // openssl agrees the request is self-signed correctly.
    let req = openssl(d.dir.path(), &["req", "-in", "an.csr", "-verify", "-noout"]);
    assert!(req.contains("OK"), "{req}");
    d.kyso(&[
        "ca",
        "issue",
        "--csr",
        &p(&d, "an.csr"),
        "-o",
        &p(&d, "an.pem"),
    ]);
    hsm.kyso_envs_ok(
        &d,
        &[pin],
        &[
            "token",
            "import-cert",
            "--token",
            "an",
            "--pin-env",
            "AN_PIN",
            "--key",
            "an-ec",
            &p(&d, "an.pem"),
            "--chain",
            &p(&d, "issuing.pem"),
            "--chain",
            &p(&d, "root.pem"),
        ],
    );
    // A certificate for another key is refused.
    let out = hsm.kyso_envs(
        &d,
        &[pin],
        &[
            "token",
            "import-cert",
            "--token",
            "an",
            "--pin-env",
            "AN_PIN",
            "--key",
            "an-rsa",
            &p(&d, "an.pem"),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not for the key"));

    let list = hsm.kyso_envs_ok(&d, &[], &["token", "list", "--token", "an", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let objects = v[0]["objects"].as_array().unwrap();
    let certs: Vec<_> = objects
        .iter()
        .filter(|o| o["class"] == "certificate")
        .collect();
    assert_eq!(certs.len(), 3, "{list}");
    let ec_pub = objects
        .iter()
        .find(|o| o["class"] == "public-key" && o["label"] == "an-ec")
        .unwrap();
    let mine = certs
        .iter()
        .find(|c| c["label"] == "an-ec")
        .expect("certificate labelled like its key");
    assert_eq!(mine["id"], ec_pub["id"], "certificate CKA_ID = key CKA_ID");
    assert!(mine["subject"].as_str().unwrap().contains("Nguyễn Văn An"));
    assert_eq!(v[0]["user_pin"], "ok");
    // Without login no private key is listed; with login both are.
    assert!(!objects.iter().any(|o| o["class"] == "private-key"));
    let list = hsm.kyso_envs_ok(
        &d,
        &[pin],
        &["token", "list", "--token", "an", "--pin-env", "AN_PIN"],
    );
    assert!(list.contains("private-key") && list.contains("(sensitive, not extractable)"));
    assert!(list.contains("Nguyễn Văn An"), "{list}");
    let objs = hsm.pkcs11_tool(&["--token-label", "an", "--list-objects", "--type", "cert"]);
    assert!(objs.contains("Certificate Object"), "{objs}");

    // The key found by its certificate signs, and openssl verifies the
    // signature with the certificate.
    std::fs::write(d.path("doc.txt"), "Quyết định").unwrap();
    hsm.kyso_envs_ok(
        &d,
        &[pin],
        &[
            "token",
            "sign",
            "--token",
            "an",
            "--pin-env",
            "AN_PIN",
            "--key-cert",
            &p(&d, "an.pem"),
            "--in",
            &p(&d, "doc.txt"),
            "--out",
            &p(&d, "doc.sig"),
        ],
    );
    openssl(
        d.dir.path(),
        &[
            "x509", "-in", "an.pem", "-pubkey", "-noout", "-out", "an.pub",
        ],
    );
    let out = openssl(
        d.dir.path(),
        &[
            "dgst",
            "-sha256",
            "-verify",
            "an.pub",
            "-signature",
            "doc.sig",
            "doc.txt",
        ],
    );
    assert!(out.contains("Verified OK"));
}

fn recovery_on(d: &Deployment) {
    let Some(hsm) = Hsm::new() else { return };
    if !have("openssl") {
        return;
    }
    hsm.init_token("an");
    let good = ("GOOD", PIN);
    let wrong = ("WRONG", "000000");
    hsm.kyso_envs_ok(
        d,
        &[good],
        &[
            "token",
            "keygen",
            "--token",
            "an",
            "--pin-env",
            "GOOD",
            "--label",
            "k",
            "--type",
            "rsa-2048",
        ],
    );
    // Wrong PINs: refused, reported with the token's state, PIN not shown.
    for _ in 0..3 {
        let out = hsm.kyso_envs(
            d,
            &[wrong],
            &[
                "token",
                "sign",
                "--token",
                "an",
                "--pin-env",
                "WRONG",
                "--key",
                "k",
                "--in",
                &p(d, "report.txt"),
                "--out",
                &p(d, "sig"),
            ],
        );
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("wrong PIN (user)"), "{err}");
        // SoftHSM2 raises CKF_USER_PIN_COUNT_LOW after a wrong PIN (it
        // never sets FINAL_TRY or LOCKED; those are unit-tested).
        assert!(err.contains("user PIN count-low"), "{err}");
        assert!(!err.contains("000000"), "the PIN leaked: {err}");
    }
    let list = hsm.kyso_envs_ok(d, &[], &["token", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(v[0]["user_pin"], "count-low", "{list}");
    let serial = v[0]["serial"].as_str().unwrap().to_string();

    // A wrong SO PIN fails and is recorded as a failed attempt.
    let new = ("NEW_PIN", "24681357");
    let out = hsm.kyso_envs(
        d,
        &[("SO", "11111111"), new],
        &[
            "token",
            "recover",
            "--token",
            "an",
            "--so-pin-env",
            "SO",
            "--new-pin-env",
            "NEW_PIN",
            "--by",
            "Trần Thị Bình",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrong PIN (security officer)"), "{err}");
    assert!(
        !err.contains("11111111") && !err.contains("24681357"),
        "{err}"
    );

    // The security officer recovers the token with a new user PIN.
    let out = hsm.kyso_envs_ok(
        d,
        &[("SO", SO_PIN), new],
        &[
            "token",
            "recover",
            "--token",
            "an",
            "--so-pin-env",
            "SO",
            "--new-pin-env",
            "NEW_PIN",
            "--by",
            "Trần Thị Bình",
        ],
    );
    assert!(out.contains("recovered by Trần Thị Bình"), "{out}");
    assert!(out.contains("user PIN ok"), "{out}");

    // The old PIN no longer works; the new one signs again.
    std::fs::write(d.path("report.txt"), "Báo cáo định kỳ").unwrap();
    let out = hsm.kyso_envs(
        d,
        &[good],
        &[
            "token",
            "sign",
            "--token",
            "an",
            "--pin-env",
            "GOOD",
            "--key",
            "k",
            "--in",
            &p(d, "report.txt"),
            "--out",
            &p(d, "sig"),
        ],
    );
    assert!(!out.status.success());
    hsm.kyso_envs_ok(
        d,
        &[new],
        &[
            "token",
            "sign",
            "--token",
            "an",
            "--pin-env",
            "NEW_PIN",
            "--key",
            "k",
            "--in",
            &p(d, "report.txt"),
            "--out",
            &p(d, "sig"),
            "--public-key",
            &p(d, "k.pem"),
        ],
    );
    let ok = openssl(
        d.dir.path(),
        &[
            "dgst",
            "-sha256",
            "-verify",
            "k.pem",
            "-signature",
            "sig",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
            "report.txt",
        ],
    );
    assert!(ok.contains("Verified OK"));

    // The holder changes the PIN the officer set.
    hsm.kyso_envs_ok(
        d,
        &[new, ("MINE", "97531246")],
        &[
            "token",
            "change-pin",
            "--token",
            "an",
            "--pin-env",
            "NEW_PIN",
            "--new-pin-env",
            "MINE",
        ],
    );
    hsm.kyso_envs_ok(
        d,
        &[("MINE", "97531246")],
        &[
            "token",
            "sign",
            "--token",
            "an",
            "--pin-env",
            "MINE",
            "--key",
            "k",
            "--in",
            &p(d, "report.txt"),
            "--out",
            &p(d, "sig"),
        ],
    );

    // The records: one failed attempt, one completed recovery.
    let recs = hsm.kyso_envs_ok(d, &[], &["token", "recoveries", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&recs).unwrap();
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 2, "{recs}");
    assert_eq!(v[0]["result"], "failed");
    assert_eq!(v[1]["result"], "completed");
    assert_eq!(v[1]["kind"], "token-recovery");
    assert_eq!(v[1]["officer"], "Trần Thị Bình");
    assert_eq!(v[1]["token_serial"], serial.as_str());
    assert_eq!(v[1]["token_label"], "an");
    assert!(v[1]["recovered_at"].as_str().unwrap().ends_with('Z'));
    assert!(!recs.contains(SO_PIN) && !recs.contains("24681357"));
    let text = hsm.kyso_envs_ok(d, &[], &["token", "recoveries", "--token-serial", &serial]);
    assert!(
        text.contains("completed") && text.contains("Trần Thị Bình"),
        "{text}"
    );
    let none = hsm.kyso_envs_ok(d, &[], &["token", "recoveries", "--token-serial", "nope"]);
    assert!(none.contains("no token recoveries"), "{none}");
}

#[test]
fn wrong_pins_then_recovery_by_the_security_officer_is_recorded() {
    for d in deployments() {
        eprintln!("backend {}", d.backend);
        recovery_on(&d);
    }
}

#[test]
fn missing_module_and_token_are_clear_errors() {
    let Some(hsm) = Hsm::new() else { return };
    let d = first_deployment();
    hsm.init_token("an");
    let out = hsm.kyso_envs(
        &d,
        &[],
        &["token", "list", "--module", "/nonexistent/libpkcs11.so"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot load the PKCS#11 module"));
    let out = hsm.kyso_envs(&d, &[], &["token", "list", "--token", "khong-co"]);
    // Listing filters; using a missing token is an error.
    assert!(out.status.success());
    let out = hsm.kyso_envs(
        &d,
        &[("P", PIN)],
        &[
            "token",
            "keygen",
            "--token",
            "khong-co",
            "--pin-env",
            "P",
            "--label",
            "x",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token matches"));
}
