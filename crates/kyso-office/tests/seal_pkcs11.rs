//! An agency whose seal key lives on a PKCS#11 token (R-TOKEN-ORG,
//! R-CUSTODY): SoftHSM2 here, a network HSM in production. The key is
//! generated on the token and never leaves it; the office logs in with the
//! PIN from the environment variable named in the key reference and seals
//! and issues with it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use kyso_ca::IssueOptions;
use kyso_crypto::pkcs11::{KeySelector, Pin, PinEntry, PinUser, TokenSelector};
use kyso_crypto::{KeySpec, Pkcs11Module, Signer};
use kyso_office::agency::SealKeySetup;
use kyso_office::delivery::InboxFilter;
use kyso_office::document::state::{Flow, State};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;

fn softhsm() -> Option<PathBuf> {
    let found = [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert_ne!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref(),
            Ok("1"),
            "SoftHSM2 is required"
        );
        eprintln!("SKIP: softhsm2 not installed");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seal_key_on_a_token_seals_and_issues() {
    let Some(module) = softhsm() else { return };
    let tokens = tempfile::tempdir().unwrap();
    std::fs::create_dir(tokens.path().join("t")).unwrap();
    let conf = tokens.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            tokens.path().join("t").display()
        ),
    )
    .unwrap();
    // SoftHSM2 reads its configuration once per process: set before any use.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    std::env::set_var("KYSO_TEST_SEAL_PIN", "123456");
    let out = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "con-dau-ubnd",
            "--so-pin",
            "87654321",
            "--pin",
            "123456",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spki = {
        let m = Pkcs11Module::open(&module).unwrap();
        let mut s = m
            .open_session(&TokenSelector::Label("con-dau-ubnd".into()))
            .unwrap();
        s.login(
            PinUser::User,
            &PinEntry::Pin(Pin::new("123456".into())),
            false,
        )
        .unwrap();
        s.generate_key_pair(KeySpec::EcP256, "seal").unwrap();
        s.into_signer(&KeySelector::Label("seal".into()), None)
            .unwrap()
            .public_key_der()
            .to_vec()
    };
    for (backend, store) in kyso_store::testing::test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let issued = o
            .ca()
            .issue_for_public_key(
                &SubjectName {
                    organization: Some("Ủy ban nhân dân tỉnh Ninh Bình".into()),
                    common_name: "Ủy ban nhân dân tỉnh Ninh Bình".into(),
                    email: Some("ubnd@ninhbinh.gov.vn".into()),
                    ..Default::default()
                },
                &spki,
                &IssueOptions {
                    profile: Profile::OrganizationSeal,
                    days: None,
                    subject: None,
                    email: None,
                },
            )
            .await
            .unwrap();
        let reference = format!(
            "module={};token=con-dau-ubnd;key=seal;pin-env=KYSO_TEST_SEAL_PIN",
            module.display()
        );
        // A wrong reference is refused before anything is stored.
        assert!(o
            .set_seal_key(
                &w.admin,
                w.sender,
                SealKeySetup::Pkcs11 {
                    reference: "module=/x".into(),
                    certificate_pem: issued.pem.clone()
                }
            )
            .await
            .is_err());
        // The certificate of another key is refused: the token is asked.
        let e = o
            .set_seal_key(
                &w.admin,
                w.sender,
                SealKeySetup::Pkcs11 {
                    reference: reference.clone(),
                    certificate_pem: kyso_pki::certificate::to_pem(&w.approver_cert),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "key-certificate-mismatch", "{backend}");
        let a = o
            .set_seal_key(
                &w.admin,
                w.sender,
                SealKeySetup::Pkcs11 {
                    reference,
                    certificate_pem: issued.pem.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!(a.seal_key.as_deref(), Some("pkcs11"));
        let mut n = draft(&w, Flow::Seal, "Thông báo đóng dấu bằng token");
        n.attachments.truncate(1);
        let d = o.create_draft(&w.clerk, n, None).await.unwrap();
        o.number_and_seal(&w.clerk, d.id).await.unwrap();
        let d = o.issue(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.state, State::Issued, "{backend}");
        let inbox = o.inbox(&w.clerk_a, &InboxFilter::default()).await.unwrap();
        assert_eq!(inbox[0].verification, "TOTAL-PASSED", "{backend}");
        // The sealed file's signer is the token's certificate.
        let sealed = d.files.iter().rev().find(|f| f.role == "sealed").unwrap();
        let path = w.dir.path().join("sealed.pdf");
        o.blobs().get_to_file(&sealed.sha256, &path).await.unwrap();
        let rep = o.verify_pdf_file(&path).await.unwrap();
        let signer = rep.signatures[0].signer.as_ref().unwrap();
        assert_eq!(
            signer.sha256,
            kyso_store::blobs::sha256_hex(&issued.der),
            "{backend}"
        );
    }
}
