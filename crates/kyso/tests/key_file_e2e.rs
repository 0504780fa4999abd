//! `kyso sign --key FILE --cert FILE`: keys made by openssl (PKCS#8 PEM,
//! encrypted PKCS#8 PEM and DER) with certificates from the lab CA; the
//! signed files are checked by pyHanko, pdfsig and qpdf, and wrong
//! passwords, foreign certificates and non-PKCS#8 keys are refused before
//! anything is written.
mod common;

use std::process::{Command, Output};

use common::lab::*;
use common::*;

/// `kyso sign` with the key password in `KEY_PASS` (when given).
fn sign(lab: &Lab, args: &[&str], password: Option<&str>) -> Output {
    let mut c = Command::new(KYSO);
    c.args(["--data", s(&lab.d.data()), "--db", &lab.d.db, "sign"])
        .args(args)
        .env_remove("KEY_PASS")
        .env("KYSO_LOG", "warn");
    if let Some(p) = password {
        c.env("KEY_PASS", p);
    }
    c.output().expect("run kyso")
}

#[test]
fn openssl_keys_sign_and_bad_keys_are_refused() {
    let Some(lab) = Lab::start() else { return };
    let dir = lab.d.dir.path();
    let plain = lab.path("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();

    // An RSA key in plain PKCS#8 PEM and a P-256 key encrypted (PBES2,
    // AES-256-CBC), in PEM and in DER; certificates from the lab CA.
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.key",
        ],
    );
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "ec-plain.key",
        ],
    );
    let pass = "mật khẩu 123";
    let passout = format!("pass:{pass}");
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "ec-plain.key",
            "-passout",
            &passout,
            "-out",
            "ec.p8.pem",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "ec-plain.key",
            "-passout",
            &passout,
            "-outform",
            "DER",
            "-out",
            "ec.p8.der",
        ],
    );
    for (key, cn) in [
        ("rsa.key", "Phạm Thị Dung"),
        ("ec-plain.key", "Hoàng Văn Em"),
    ] {
        let csr = format!("{key}.csr");
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-utf8",
                "-key",
                key,
                "-subj",
                &format!("/C=VN/O=UBND tỉnh Ninh Bình/CN={cn}"),
                "-out",
                &csr,
            ],
        );
        lab.kyso_ok(&[
            "ca",
            "issue",
            "--csr",
            s(&lab.path(&csr)),
            "-o",
            s(&lab.path(&format!("{key}.pem"))),
        ]);
    }
    let chain = lab.path("issuing.pem");

    // Plain RSA key, certificate and chain in separate files.
    let rsa_out = lab.path("rsa-key.pdf");
    let o = sign(
        &lab,
        &[
            s(&plain),
            "-o",
            s(&rsa_out),
            "--key",
            s(&lab.path("rsa.key")),
            "--cert",
            s(&lab.path("rsa.key.pem")),
            "--chain",
            s(&chain),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    lab.peers.all_valid(&rsa_out, 1, false);

    // Encrypted EC key (PEM, then DER), certificate file holding the chain
    // too, and a time-stamp.
    let bundle = lab.path("ec-bundle.pem");
    let bundle_text = std::fs::read_to_string(lab.path("ec-plain.key.pem")).unwrap()
        + &std::fs::read_to_string(&chain).unwrap();
    std::fs::write(&bundle, bundle_text).unwrap();
    for (key, out) in [("ec.p8.pem", "ec-pem.pdf"), ("ec.p8.der", "ec-der.pdf")] {
        let out = lab.path(out);
        let o = sign(
            &lab,
            &[
                s(&plain),
                "-o",
                s(&out),
                "--key",
                s(&lab.path(key)),
                "--key-password-env",
                "KEY_PASS",
                "--cert",
                s(&bundle),
                "--tsa",
                &lab.tsa,
            ],
            Some(pass),
        );
        assert!(o.status.success(), "{key}: {}", text(&o));
        lab.peers.all_valid(&out, 1, true);
    }

    // Refusals, each before any output exists. A SEC1 "EC PRIVATE KEY",
    // as `openssl ecparam -genkey` writes it, is not PKCS#8.
    openssl(
        dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "sec1.key",
        ],
    );
    let refused = lab.path("refused.pdf");
    let (ec_p8, rsa_key, ec_cert, sec1) = (
        lab.path("ec.p8.pem"),
        lab.path("rsa.key"),
        lab.path("ec-plain.key.pem"),
        lab.path("sec1.key"),
    );
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &[
                "--key",
                s(&ec_p8),
                "--key-password-env",
                "KEY_PASS",
                "--cert",
                s(&bundle),
            ],
            Some("sai"),
            "wrong password",
        ),
        (
            &["--key", s(&rsa_key), "--cert", s(&ec_cert)],
            None,
            "no certificate for this key",
        ),
        (
            &["--key", s(&sec1), "--cert", s(&bundle)],
            None,
            "not PKCS#8",
        ),
        (&["--key", s(&rsa_key)], None, "--cert"),
    ];
    for (args, password, why) in cases {
        let mut all = vec![s(&plain), "-o", s(&refused)];
        all.extend_from_slice(args);
        let o = sign(&lab, &all, password);
        assert!(
            !o.status.success() && text(&o).contains(why),
            "{why}: {}",
            text(&o)
        );
        assert!(!refused.exists(), "{why}: output written");
    }
}
