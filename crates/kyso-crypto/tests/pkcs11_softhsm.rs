//! The PKCS#11 signer against a real SoftHSM2 token; signatures checked by
//! kyso's verifier and by openssl.
//!
//! SoftHSM2 reads SOFTHSM2_CONF once per process, so one token directory
//! (a temp dir) serves this test binary; each test has its own token in it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kyso_crypto::pkcs11::{KeySelector, Pin, PinEntry, PinUser, TokenSelector};
use kyso_crypto::{
    verify_signature, KeySpec, Pkcs11Error, Pkcs11Module, SignatureAlgorithm, Signer, SoftwareKey,
};

const SO_PIN: &str = "87654321";
const USER_PIN: &str = "123456";
const TOKENS: [&str; 3] = ["sign", "pin", "bench"];

fn module_path() -> Option<PathBuf> {
    let mut c = vec![PathBuf::from("/usr/lib/softhsm/libsofthsm2.so")];
    if let Ok(rd) = std::fs::read_dir("/usr/lib") {
        for e in rd.flatten() {
            c.push(e.path().join("softhsm/libsofthsm2.so"));
        }
    }
    c.push(PathBuf::from("/usr/local/lib/softhsm/libsofthsm2.so"));
    c.into_iter().find(|p| p.exists())
}

struct Hsm {
    _dir: tempfile::TempDir,
    module: PathBuf,
}

/// The token directory with every token of this binary, or None (skip).
fn hsm() -> Option<&'static Hsm> {
    static H: OnceLock<Option<Hsm>> = OnceLock::new();
    H.get_or_init(|| {
        let module = module_path();
        let util = Command::new("softhsm2-util").arg("--version").output();
        let (Some(module), Ok(_)) = (module, util) else {
            if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
                panic!("softhsm2 is required (KYSO_REQUIRE_PEERS=1) but not installed");
            }
            eprintln!("SKIP: softhsm2 not installed (apt-get install softhsm2)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\n",
                tokens.display()
            ),
        )
        .unwrap();
        std::env::set_var("SOFTHSM2_CONF", &conf);
        for label in TOKENS {
            let out = Command::new("softhsm2-util")
                .args(["--init-token", "--free", "--label", label])
                .args(["--so-pin", SO_PIN, "--pin", USER_PIN])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Some(Hsm { _dir: dir, module })
    })
    .as_ref()
}

fn pin(s: &str) -> PinEntry {
    PinEntry::Pin(Pin::new(s.to_string()))
}

fn openssl_verifies(dir: &Path, spki: &[u8], alg: SignatureAlgorithm, msg: &[u8], sig: &[u8]) {
    std::fs::write(dir.join("pub.der"), spki).unwrap();
    std::fs::write(dir.join("msg"), msg).unwrap();
    std::fs::write(dir.join("sig"), sig).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
    ]);
    let dgst = format!("-{}", alg.digest().name().replace('-', "").to_lowercase());
    let mut args = vec![
        "dgst",
        dgst.as_str(),
        "-verify",
        "pub.pem",
        "-signature",
        "sig",
    ];
    if alg.is_pss() {
        args.extend([
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ]);
    }
    args.push("msg");
    run(&args);
}

#[test]
fn keys_generated_on_the_token_sign_with_every_family() {
    let Some(h) = hsm() else { return };
    let have_openssl = Command::new("openssl").arg("version").output().is_ok();
    let module = Pkcs11Module::open(&h.module).unwrap();
    let mut s = module
        .open_session(&TokenSelector::Label("sign".into()))
        .unwrap();
    s.login(PinUser::User, &pin(USER_PIN), false).unwrap();
    s.generate_key_pair(KeySpec::Rsa2048, "rsa").unwrap();
    let ec_id = s.generate_key_pair(KeySpec::EcP256, "ec").unwrap();
    assert!(matches!(
        s.generate_key_pair(KeySpec::EcP256, "ec"),
        Err(Pkcs11Error::KeyExists(_))
    ));
    let objects = s.objects().unwrap();
    let rsa_priv = objects
        .iter()
        .find(|o| o.label == "rsa" && o.class.to_string() == "private-key")
        .unwrap();
    assert_eq!(rsa_priv.key_type.as_deref(), Some("RSA-2048"));
    assert_eq!(rsa_priv.sensitive, Some(true));
    assert_eq!(rsa_priv.extractable, Some(false));
    assert!(objects
        .iter()
        .any(|o| o.label == "ec" && o.key_type.as_deref() == Some("EC P-256")));
    drop(s);

    let dir = tempfile::tempdir().unwrap();
    let msg = b"Cong hoa xa hoi chu nghia Viet Nam";
    for (sel, alg) in [
        (
            KeySelector::Label("rsa".into()),
            SignatureAlgorithm::RsaPkcs1Sha256,
        ),
        (
            KeySelector::Label("rsa".into()),
            SignatureAlgorithm::RsaPssSha256,
        ),
        (
            KeySelector::Label("rsa".into()),
            SignatureAlgorithm::RsaPssSha512,
        ),
        (
            KeySelector::Label("rsa".into()),
            SignatureAlgorithm::RsaPkcs1Sha384,
        ),
        (
            KeySelector::Id(ec_id.clone()),
            SignatureAlgorithm::EcdsaSha256,
        ),
    ] {
        let mut s = module
            .open_session(&TokenSelector::Label("sign".into()))
            .unwrap();
        s.login(PinUser::User, &pin(USER_PIN), false).unwrap();
        let signer = s.into_signer(&sel, Some(alg)).unwrap();
        assert_eq!(signer.algorithm(), alg);
        let sig = signer.sign(msg).unwrap();
        verify_signature(signer.public_key_der(), alg, msg, &sig).unwrap();
        assert!(verify_signature(signer.public_key_der(), alg, b"other", &sig).is_err());
        // sign_digest of the same digest verifies too (two-phase signing).
        let d = kyso_crypto::digest(alg.digest(), msg);
        let sig2 = signer.sign_digest(&d).unwrap();
        verify_signature(signer.public_key_der(), alg, msg, &sig2).unwrap();
        assert!(signer.sign_digest(&d[1..]).is_err());
        if have_openssl {
            openssl_verifies(dir.path(), signer.public_key_der(), alg, msg, &sig);
        }
    }

    // Wrong families are refused before the token is asked.
    let mut s = module
        .open_session(&TokenSelector::Serial("nope".into()))
        .err();
    assert!(matches!(s.take(), Some(Pkcs11Error::TokenNotFound(_))));
    let mut s = module
        .open_session(&TokenSelector::Label("sign".into()))
        .unwrap();
    s.login(PinUser::User, &pin(USER_PIN), false).unwrap();
    assert!(s
        .into_signer(
            &KeySelector::Label("ec".into()),
            Some(SignatureAlgorithm::RsaPssSha256)
        )
        .is_err());
    let s = module
        .open_session(&TokenSelector::Label("sign".into()))
        .unwrap();
    // Without login the private key is invisible.
    assert!(matches!(
        s.into_signer(&KeySelector::Label("rsa".into()), None),
        Err(Pkcs11Error::KeyNotFound(_))
    ));
}

#[test]
fn wrong_pin_is_reported_with_the_token_state_and_the_so_sets_a_new_pin() {
    let Some(h) = hsm() else { return };
    let module = Pkcs11Module::open(&h.module).unwrap();
    let sel = TokenSelector::Label("pin".into());
    let mut s = module.open_session(&sel).unwrap();
    assert_eq!(s.info().pin_state.describe(PinUser::User), "ok");
    match s.login(PinUser::User, &pin("999999"), false) {
        Err(Pkcs11Error::PinIncorrect { who, state }) => {
            assert_eq!(who, PinUser::User);
            // SoftHSM2 raises CKF_USER_PIN_COUNT_LOW after a wrong PIN
            // (it never sets FINAL_TRY or LOCKED).
            assert!(state.user_count_low, "{state}");
            let msg = Pkcs11Error::PinIncorrect { who, state }.to_string();
            assert!(
                msg.contains("count-low") && !msg.contains("999999"),
                "{msg}"
            );
        }
        other => panic!("expected a wrong-PIN error, got {other:?}"),
    }
    // Too short: refused without spending a try.
    assert!(matches!(
        s.login(PinUser::User, &pin("12"), false),
        Err(Pkcs11Error::PinLength { .. })
    ));
    // No PIN pad on SoftHSM2.
    assert!(matches!(
        s.login(PinUser::User, &PinEntry::PinPad, false),
        Err(Pkcs11Error::NoPinPad)
    ));
    // The security officer sets a new user PIN.
    s.login(PinUser::SecurityOfficer, &pin(SO_PIN), false)
        .unwrap();
    s.init_user_pin(&Pin::new("24681357".into())).unwrap();
    s.logout();
    assert!(matches!(
        s.login(PinUser::User, &pin(USER_PIN), false),
        Err(Pkcs11Error::PinIncorrect { .. })
    ));
    s.login(PinUser::User, &pin("24681357"), false).unwrap();
    assert_eq!(s.info().pin_state.describe(PinUser::User), "ok");
    s.change_pin(&Pin::new("24681357".into()), &Pin::new("11223344".into()))
        .unwrap();
    s.logout();
    s.login(PinUser::User, &pin("11223344"), false).unwrap();
}

/// Signatures per second: SoftHSM2 against the same key types in software.
/// `cargo test -p kyso-crypto --release --test pkcs11_softhsm -- --ignored --nocapture`
#[test]
#[ignore]
fn bench_signatures_per_second() {
    let Some(h) = hsm() else { return };
    let module = Pkcs11Module::open(&h.module).unwrap();
    let mut s = module
        .open_session(&TokenSelector::Label("bench".into()))
        .unwrap();
    s.login(PinUser::User, &pin(USER_PIN), false).unwrap();
    s.generate_key_pair(KeySpec::Rsa2048, "rsa").unwrap();
    s.generate_key_pair(KeySpec::EcP256, "ec").unwrap();
    drop(s);
    let rate = |signer: &dyn Signer, n: u32| {
        let d = [7u8; 32];
        let start = std::time::Instant::now();
        for _ in 0..n {
            signer.sign_digest(&d).unwrap();
        }
        f64::from(n) / start.elapsed().as_secs_f64()
    };
    for (label, spec, alg) in [
        ("rsa", KeySpec::Rsa2048, SignatureAlgorithm::RsaPssSha256),
        ("rsa", KeySpec::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
        ("ec", KeySpec::EcP256, SignatureAlgorithm::EcdsaSha256),
    ] {
        let mut s = module
            .open_session(&TokenSelector::Label("bench".into()))
            .unwrap();
        s.login(PinUser::User, &pin(USER_PIN), false).unwrap();
        let token = s
            .into_signer(&KeySelector::Label(label.into()), Some(alg))
            .unwrap();
        let soft = SoftwareKey::generate(spec)
            .unwrap()
            .with_algorithm(alg)
            .unwrap();
        let n = 500;
        rate(&token, 20);
        rate(&soft, 20);
        let t = rate(&token, n);
        let w = rate(&soft, n);
        println!(
            "{alg}: SoftHSM2 {t:.0}/s, software (aws-lc-rs) {w:.0}/s, ratio {:.2}",
            w / t
        );
    }
}
