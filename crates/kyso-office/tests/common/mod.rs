//! A small province for the office tests: a CA, an office over a fresh
//! store (SQLite, and PostgreSQL when `KYSO_TEST_PG_URL` is set), agencies,
//! people in every role, an approver whose personal key stays in the test
//! (the "token"), and a seal key for the sending agency.
#![allow(dead_code)]

pub mod desk;

use std::sync::Arc;

use bytes::Bytes;
use der::Decode;
use kyso_ca::{Ca, CaConfig, InitOptions, IssueOptions};
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_office::agency::{NewAgency, SealKeySetup};
use kyso_office::document::draft::{NewDraft, Upload};
use kyso_office::document::layout::{BoxAt, Layout};
use kyso_office::document::metadata::{DocumentMetadata, Priority, Secrecy};
use kyso_office::document::state::Flow;
use kyso_office::person::{NewMembership, NewPerson};
use kyso_office::{Actor, Office, OfficeConfig, SystemClock};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_store::Store;
use x509_cert::Certificate;

pub const PASSWORD: &str = "mật khẩu thử nghiệm 2026";

pub struct World {
    pub office: Arc<Office>,
    pub dir: tempfile::TempDir,
    pub admin: Actor,
    /// UBND tỉnh (sender), Sở A and Sở B (recipients).
    pub sender: i64,
    pub recipient_a: i64,
    pub recipient_b: i64,
    pub drafter: Actor,
    pub approver: Actor,
    pub clerk: Actor,
    pub clerk_a: Actor,
    pub head_a: Actor,
    pub officer_a: Actor,
    pub clerk_b: Actor,
    /// The approver's key, on their "token", and its certificate.
    pub approver_key: SoftwareKey,
    pub approver_cert: Certificate,
}

/// A one-page A4 PDF with a line of text.
pub fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content.into_bytes(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let objects: Vec<Vec<u8>> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| [format!("{} 0 obj\n", i + 1).as_bytes(), o, b"\nendobj"].concat())
        .collect();
    let objects: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    kyso_pdf::test_support::write_pdf(&objects, "")
}

/// A red disc PNG with alpha (a seal).
pub fn seal_png() -> Vec<u8> {
    let (w, h) = (120u32, 120u32);
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 - 60.0, y as f32 - 60.0);
            let r = (dx * dx + dy * dy).sqrt();
            data.extend_from_slice(if (50.0..58.0).contains(&r) {
                &[220, 20, 20, 255]
            } else {
                &[0, 0, 0, 0]
            });
        }
    }
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        let mut wr = e.write_header().unwrap();
        wr.write_image_data(&data).unwrap();
    }
    out
}

pub async fn login(office: &Office, user: &str) -> Actor {
    office
        .login(user, PASSWORD, None)
        .await
        .expect("login")
        .actor
}

fn member(agency: i64, role: &str, position: Option<&str>, title: Option<&str>) -> NewMembership {
    NewMembership {
        agency_id: agency,
        role: role.into(),
        position: position.map(Into::into),
        title: title.map(Into::into),
    }
}

pub async fn person(
    office: &Office,
    admin: &Actor,
    user: &str,
    name: &str,
    roles: Vec<NewMembership>,
) -> Actor {
    office
        .create_person(
            admin,
            NewPerson {
                username: user.into(),
                full_name: name.into(),
                email: format!("{user}@ninhbinh.gov.vn"),
                phone: String::new(),
                password: Some(PASSWORD.into()),
                memberships: roles,
            },
        )
        .await
        .expect("create person");
    login(office, user).await
}

pub async fn world(store: Store) -> World {
    let dir = tempfile::tempdir().unwrap();
    let backend = match store.backend() {
        kyso_store::Backend::Sqlite => "sqlite",
        kyso_store::Backend::Postgres => "postgres",
    };
    let config = CaConfig {
        organization: "Sở Khoa học và Công nghệ tỉnh Ninh Bình".into(),
        ..CaConfig::default()
    };
    let fast = InitOptions {
        root_key: KeySpec::EcP256,
        issuing_key: KeySpec::EcP256,
        tsa_key: KeySpec::EcP256,
        ocsp_key: KeySpec::EcP256,
        ..InitOptions::default()
    };
    let ca = Arc::new(
        Ca::init(store.clone(), config, b"ca password", &fast)
            .await
            .unwrap(),
    );
    let blobs = kyso_store::testing::test_blob_store(backend, dir.path());
    let office = Arc::new(
        Office::new(
            store,
            blobs,
            ca.clone(),
            OfficeConfig::new(
                dir.path().to_path_buf(),
                b"key password".to_vec(),
                "http://127.0.0.1:8080".into(),
            ),
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    let (top, _) = office
        .bootstrap(
            NewAgency {
                parent_id: None,
                code: "000.00.00.H45".into(),
                name: "Ủy ban nhân dân tỉnh Ninh Bình".into(),
                short_name: "UBND".into(),
                level: "province".into(),
                email: "ubnd@ninhbinh.gov.vn".into(),
                address: "Ninh Bình".into(),
                phone: String::new(),
            },
            "quantri",
            "Quản trị hệ thống",
            PASSWORD,
        )
        .await
        .unwrap();
    let admin = login(&office, "quantri").await;
    let mk = |code: &str, name: &str, short: &str| NewAgency {
        parent_id: Some(top.id),
        code: code.into(),
        name: name.into(),
        short_name: short.into(),
        level: "department".into(),
        email: format!("{}@ninhbinh.gov.vn", short.to_lowercase()),
        address: "Ninh Bình".into(),
        phone: String::new(),
    };
    let a = office
        .create_agency(&admin, mk("000.01.00.H45", "Sở Tài chính", "STC"))
        .await
        .unwrap();
    let b = office
        .create_agency(&admin, mk("000.02.00.H45", "Sở Y tế", "SYT"))
        .await
        .unwrap();
    let s = top.id;
    let drafter = person(
        &office,
        &admin,
        "chuyenvien",
        "Trần Thị Bình",
        vec![member(s, "drafter", None, None)],
    )
    .await;
    let approver = person(
        &office,
        &admin,
        "chutich",
        "Nguyễn Văn An",
        vec![member(
            s,
            "approver",
            Some("Chủ tịch"),
            Some("TM. ỦY BAN NHÂN DÂN"),
        )],
    )
    .await;
    let clerk = person(
        &office,
        &admin,
        "vanthu",
        "Lê Thị Cúc",
        vec![member(s, "clerk", None, None)],
    )
    .await;
    let clerk_a = person(
        &office,
        &admin,
        "vanthu.stc",
        "Phạm Văn Dũng",
        vec![member(a.id, "clerk", None, None)],
    )
    .await;
    let head_a = person(
        &office,
        &admin,
        "giamdoc.stc",
        "Hoàng Văn Em",
        vec![member(a.id, "head", None, None)],
    )
    .await;
    let officer_a = person(
        &office,
        &admin,
        "chuyenvien.stc",
        "Đỗ Thị Giang",
        vec![member(a.id, "drafter", None, None)],
    )
    .await;
    let clerk_b = person(
        &office,
        &admin,
        "vanthu.syt",
        "Vũ Văn Hà",
        vec![member(b.id, "clerk", None, None)],
    )
    .await;

    // The approver's key on their token, certified by the CA.
    let approver_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let issued = ca
        .issue_for_public_key(
            &SubjectName {
                organization: Some("UBND tỉnh Ninh Bình".into()),
                common_name: "Nguyễn Văn An".into(),
                email: Some("chutich@ninhbinh.gov.vn".into()),
                ..Default::default()
            },
            approver_key.public_key_der(),
            &IssueOptions {
                profile: Profile::PersonalSigning,
                days: None,
                subject: None,
                email: None,
            },
        )
        .await
        .unwrap();
    let approver_cert = Certificate::from_der(&issued.der).unwrap();
    office
        .set_person_certificate(&admin, approver.person_id, &issued.pem)
        .await
        .unwrap();
    office
        .set_seal_key(&admin, s, SealKeySetup::Generate)
        .await
        .unwrap();
    office
        .set_seal_image(&admin, s, Bytes::from(seal_png()))
        .await
        .unwrap();
    World {
        office,
        dir,
        admin,
        sender: s,
        recipient_a: a.id,
        recipient_b: b.id,
        drafter,
        approver,
        clerk,
        clerk_a,
        head_a,
        officer_a,
        clerk_b,
        approver_key,
        approver_cert,
    }
}

pub fn metadata(w: &World, subject: &str) -> DocumentMetadata {
    DocumentMetadata {
        type_code: "CV".into(),
        subject: subject.into(),
        category: Some("cong-van".into()),
        priority: Priority::Khan,
        secrecy: Secrecy::None,
        due_date: None,
        copies: Some(2),
        language: None,
        issue_place: None,
        recipients: vec![w.recipient_a, w.recipient_b],
        layout: Some(Layout {
            approver: Some(BoxAt {
                page: 1,
                rect: [330.0, 200.0, 530.0, 290.0],
            }),
            ..Default::default()
        }),
        replaces_id: None,
        relation: None,
    }
}

pub fn draft(w: &World, flow: Flow, subject: &str) -> NewDraft {
    NewDraft {
        agency_id: w.sender,
        flow,
        metadata: metadata(w, subject),
        main: Upload {
            name: "cong-van.pdf".into(),
            media_type: "application/pdf".into(),
            bytes: Bytes::from(pdf("Cong van ve viec thu nghiem")),
        },
        attachments: vec![
            Upload {
                name: "phu-luc.pdf".into(),
                media_type: "application/pdf".into(),
                bytes: Bytes::from(pdf("Phu luc")),
            },
            Upload {
                name: "so-lieu.csv".into(),
                media_type: "text/csv".into(),
                bytes: Bytes::from_static("Tên,Giá trị\nA,1\n".as_bytes()),
            },
        ],
    }
}

/// The approver signs through the two-phase API with the key in the test.
pub async fn approve(w: &World, id: i64) -> kyso_office::document::DocumentView {
    let p = w
        .office
        .prepare_approval(&w.approver, id, &w.approver_cert)
        .await
        .unwrap();
    // The agent's confirmation names the document's agency, not the CA.
    assert_eq!(p.agency, "Ủy ban nhân dân tỉnh Ninh Bình");
    let digest = hex::decode(&p.digest).unwrap();
    let sig = w.approver_key.sign_digest(&digest).unwrap();
    w.office
        .finalize_approval(&w.approver, id, &p.nonce, &sig, &w.approver_cert)
        .await
        .unwrap()
}

/// A certificate as PEM.
pub fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// `pyhanko sign validate` with the office's CA as the trust root: None
/// when the test venv is missing (and peers are not required).
pub fn pyhanko_validate(o: &kyso_office::Office, pdf: &std::path::Path) -> Option<(bool, String)> {
    let python = match std::env::var("KYSO_TEST_PYTHON") {
        Ok(p) => p,
        Err(_) => {
            assert!(
                std::env::var("KYSO_REQUIRE_PEERS").as_deref() != Ok("1"),
                "KYSO_TEST_PYTHON is required by scripts/test.sh"
            );
            eprintln!("SKIP: KYSO_TEST_PYTHON unset: pyHanko checks skipped");
            return None;
        }
    };
    let dir = pdf.parent().unwrap();
    std::fs::write(dir.join("root.pem"), pem(o.ca().root_der())).unwrap();
    std::fs::write(dir.join("issuing.pem"), pem(o.ca().issuing_der())).unwrap();
    let pyhanko = std::path::Path::new(&python)
        .parent()
        .unwrap()
        .join("pyhanko");
    let out = std::process::Command::new(pyhanko)
        .current_dir(dir)
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            "root.pem",
            "--trust-replace",
            "--other-certs",
            "issuing.pem",
            "--no-revocation-check",
        ])
        .arg(pdf)
        .output()
        .expect("pyhanko");
    Some((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}
