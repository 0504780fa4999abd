//! `kyso sign --pkcs11` with RSA and EC keys generated on a SoftHSM2 token
//! (certificate and chain read from the token), B-B and B-T, and batch
//! signing of several documents with one login (token and PKCS#12), and an
//! EC key imported with its certificate by `pkcs11-tool --write-object`
//! (no public-key object on the token): every signature is checked by
//! qpdf, pdfsig and pyHanko.
mod common;

use common::lab::*;
use common::token::*;

#[test]
fn token_keys_sign_pdfs_alone_and_in_batches() {
    let Some(hsm) = Hsm::new() else { return };
    let Some(lab) = Lab::start() else { return };
    let d = &lab.d;
    hsm.init_token("an");
    hsm.enrol(&lab, "an", "an-rsa", "rsa-2048", "Nguyễn Văn An");
    hsm.enrol(&lab, "an", "an-ec", "p-256", "Nguyễn Văn An EC");
    let plain = d.path("plain.pdf");
    write_pdf(&plain);
    let m = hsm.module();

    // RSA, B-B: the certificate and chain come from the token.
    let rsa_bb = d.path("rsa-bb.pdf");
    let o = hsm.kyso(
        d,
        &[
            "sign",
            s(&plain),
            "-o",
            s(&rsa_bb),
            "--pkcs11",
            m,
            "--token",
            "an",
            "--key-label",
            "an-rsa",
            "--pin-env",
            "TOKEN_PIN",
        ],
    );
    let t = text(&o);
    assert!(t.contains("PAdES B-B") && t.contains("token \"an\""), "{t}");
    assert!(!t.contains(PIN), "the PIN was printed: {t}");
    lab.peers.all_valid(&rsa_bb, 1, false);

    // EC, B-T, key chosen by its CKA_ID; the chain also given as a file.
    let list = hsm.kyso(
        d,
        &["token", "list", "--module", m, "--token", "an", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let ec_id = v[0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["class"] == "public-key" && o["label"] == "an-ec")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ec_bt = d.path("ec-bt.pdf");
    hsm.kyso(
        d,
        &[
            "sign",
            s(&plain),
            "-o",
            s(&ec_bt),
            "--pkcs11",
            m,
            "--key-id",
            &ec_id,
            "--pin-env",
            "TOKEN_PIN",
            "--chain",
            s(&d.path("issuing.pem")),
            "--tsa",
            &lab.tsa,
            "--reason",
            "Phê duyệt",
        ],
    );
    lab.peers.all_valid(&ec_bt, 1, true);

    // A wrong PIN: refused with the token's PIN state, nothing written.
    let wrong = d.path("wrong.pdf");
    let o = hsm
        .command(d)
        .env("TOKEN_PIN", "999999")
        .args([
            "sign",
            s(&plain),
            "-o",
            s(&wrong),
            "--pkcs11",
            m,
            "--key-label",
            "an-rsa",
            "--pin-env",
            "TOKEN_PIN",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("count-low"), "{}", text(&o));
    assert!(!wrong.exists());
    // Two keys and no choice: a clear error naming them.
    let o = hsm.kyso_raw(
        d,
        &[
            "sign",
            s(&plain),
            "-o",
            s(&wrong),
            "--pkcs11",
            m,
            "--pin-env",
            "TOKEN_PIN",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("--key-label"), "{}", text(&o));

    // Batch: a directory of documents with one login; a broken document
    // is reported, the others are signed, the exit code is non-zero.
    let inbox = d.path("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for name in ["cv-01.pdf", "cv-02.pdf", "cv-03.pdf"] {
        write_pdf(&inbox.join(name));
    }
    std::fs::write(inbox.join("cv-04-broken.pdf"), b"%PDF-1.4\nnot really").unwrap();
    let out = d.path("signed");
    let o = hsm.kyso_raw(
        d,
        &[
            "sign",
            s(&inbox),
            "--out-dir",
            s(&out),
            "--pkcs11",
            m,
            "--token",
            "an",
            "--key-label",
            "an-ec",
            "--pin-env",
            "TOKEN_PIN",
            "--tsa",
            &lab.tsa,
        ],
    );
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("cv-04-broken.pdf") && t.contains("1 of 4"),
        "{t}"
    );
    assert!(t.contains("3 / 4"), "{t}");
    assert!(!out.join("cv-04-broken.pdf").exists());
    for name in ["cv-01.pdf", "cv-02.pdf", "cv-03.pdf"] {
        assert!(out.join(name).exists(), "{name}: {t}");
    }
    lab.peers.all_valid(&out.join("cv-01.pdf"), 1, true);
    lab.peers.all_valid(&out.join("cv-03.pdf"), 1, true);

    // Batch with a software key, files named one by one.
    let out2 = d.path("signed-p12");
    let o = lab.kyso_ok(&[
        "sign",
        s(&inbox.join("cv-01.pdf")),
        s(&inbox.join("cv-02.pdf")),
        "--out-dir",
        s(&out2),
        "--p12",
        s(&lab.rsa),
    ]);
    assert!(text(&o).contains("2 / 2"), "{}", text(&o));
    lab.peers.all_valid(&out2.join("cv-02.pdf"), 1, false);
    // Several inputs need --out-dir; --out-dir may not overwrite inputs.
    let o = lab.kyso(&[
        "sign",
        s(&plain),
        s(&rsa_bb),
        "-o",
        s(&wrong),
        "--p12",
        s(&lab.rsa),
    ]);
    assert!(!o.status.success() && text(&o).contains("--out-dir"));
    let o = lab.kyso(&[
        "sign",
        s(&inbox),
        "--out-dir",
        s(&inbox),
        "--p12",
        s(&lab.rsa),
    ]);
    assert!(
        !o.status.success() && text(&o).contains("overwrite"),
        "{}",
        text(&o)
    );
}

/// An EC key and its certificate imported with `pkcs11-tool
/// --write-object` leave no public-key object on the token (and an EC
/// private key carries no CKA_EC_POINT): kyso takes the public key from
/// the certificate with the same CKA_ID, as pyHanko does.
#[test]
fn an_imported_ec_key_without_a_public_key_object_signs() {
    let Some(hsm) = Hsm::new() else { return };
    if !common::have("pkcs11-tool") {
        return;
    }
    let Some(lab) = Lab::start() else { return };
    let d = &lab.d;
    let dir = d.dir.path();
    hsm.init_token("imported");
    lab.openssl_key_files("ec");
    common::openssl(
        dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "ec.key", "-outform", "DER", "-out", "ec.p8",
        ],
    );
    common::openssl(
        dir,
        &["x509", "-in", "ec.crt", "-outform", "DER", "-out", "ec.der"],
    );
    let p8 = d.path("ec.p8");
    let der = d.path("ec.der");
    for (file, kind) in [(&p8, "privkey"), (&der, "cert")] {
        hsm.pkcs11_tool(&[
            "--token-label",
            "imported",
            "--login",
            "--pin",
            PIN,
            "--write-object",
            s(file),
            "--type",
            kind,
            "--id",
            "42",
            "--label",
            "imported-ec",
        ]);
    }
    let listed = hsm.pkcs11_tool(&["--token-label", "imported", "--login", "--pin", PIN, "-O"]);
    assert!(
        listed.contains("Private Key Object; EC") && !listed.contains("Public Key Object"),
        "{listed}"
    );
    let plain = d.path("plain.pdf");
    write_pdf(&plain);
    let out = d.path("imported.pdf");
    let o = hsm.kyso(
        d,
        &[
            "sign",
            s(&plain),
            "-o",
            s(&out),
            "--pkcs11",
            hsm.module(),
            "--token",
            "imported",
            "--key-label",
            "imported-ec",
            "--pin-env",
            "TOKEN_PIN",
            "--chain",
            s(&d.path("issuing.pem")),
            "--tsa",
            &lab.tsa,
        ],
    );
    assert!(text(&o).contains("PAdES B-T"), "{}", text(&o));
    lab.peers.all_valid(&out, 1, true);
}
