//! The certificate desk's province for its tests: a CA and an office on
//! a fixed clock (Wednesday 29 April 2026, 09:00 in Vietnam), the
//! provincial People's Committee (the CA operator, the department
//! administrator and their clerk), Sở Tài chính (the subscriber, its head
//! who is also its approver with a personal key, its clerk, its seal key)
//! and Sở Y tế; and the steps that carry a request's letter through the
//! office (the approver signs, the clerk numbers, seals and issues, the
//! deciding agency's clerk receives and registers it).

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use der::Decode;
use kyso_ca::{Ca, CaConfig, InitOptions, IssueOptions};
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_office::agency::{NewAgency, SealKeySetup};
use kyso_office::delivery::{DeliveryAction, InboxFilter};
use kyso_office::desk::{Approval, NewRequest, RequestForm, RequestKind, RequestView};
use kyso_office::document::DocumentView;
use kyso_office::person::NewMembership;
use kyso_office::{Actor, FixedClock, Office, OfficeConfig};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_store::sea_orm::{ConnectionTrait, Statement};
use kyso_store::Store;
use time::macros::datetime;
use x509_cert::Certificate;

use super::{login, person, seal_png, PASSWORD};

pub struct Desk {
    pub store: Store,
    pub ca: Arc<Ca>,
    pub clock: Arc<FixedClock>,
    pub dir: tempfile::TempDir,
    pub backend: &'static str,
    /// The blob store every replica shares.
    pub blobs: kyso_store::BlobStore,
    /// The office without SMTP configured.
    pub office: Arc<Office>,
    /// The provincial People's Committee: CA operator, department
    /// administrator (`admin`), and `clerk_top` who receives letters.
    pub top: i64,
    pub agency_a: i64,
    pub agency_b: i64,
    pub admin: Actor,
    pub subscriber: Actor,
    /// Head of agency A and also its approver, with a personal key.
    pub head_a: Actor,
    pub clerk_a: Actor,
    pub clerk_b: Actor,
    pub ca_operator: Actor,
    pub clerk_top: Actor,
    /// head_a's key on their token, and its certificate.
    pub approver_key: SoftwareKey,
    pub approver_cert: Certificate,
}

pub fn member(agency: i64, role: &str, position: Option<&str>) -> NewMembership {
    NewMembership {
        agency_id: agency,
        role: role.into(),
        position: position.map(Into::into),
        title: None,
    }
}

impl Desk {
    /// Another office (a replica) on the same database and clock.
    pub fn replica(&self, smtp_url: Option<String>) -> Arc<Office> {
        desk_office(
            &self.store,
            &self.ca,
            &self.clock,
            self.dir.path(),
            &self.blobs,
            smtp_url,
        )
    }
}

pub fn desk_office(
    store: &Store,
    ca: &Arc<Ca>,
    clock: &Arc<FixedClock>,
    dir: &Path,
    blobs: &kyso_store::BlobStore,
    smtp_url: Option<String>,
) -> Arc<Office> {
    let mut config = OfficeConfig::new(
        dir.to_path_buf(),
        b"key password".to_vec(),
        "http://127.0.0.1:8080".into(),
    );
    config.smtp_url = smtp_url;
    config.smtp_from = "Sở KH&CN Ninh Bình <kyso@ninhbinh.gov.vn>".into();
    Arc::new(
        Office::new(
            store.clone(),
            blobs.clone(),
            ca.clone(),
            config,
            clock.clone(),
        )
        .unwrap(),
    )
}

pub async fn desk(store: Store) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let backend = match store.backend() {
        kyso_store::Backend::Sqlite => "sqlite",
        kyso_store::Backend::Postgres => "postgres",
    };
    let fast = InitOptions {
        root_key: KeySpec::EcP256,
        issuing_key: KeySpec::EcP256,
        tsa_key: KeySpec::EcP256,
        ocsp_key: KeySpec::EcP256,
        ..InitOptions::default()
    };
    let ca = Arc::new(
        Ca::init(store.clone(), CaConfig::default(), b"ca password", &fast)
            .await
            .unwrap(),
    );
    let clock = Arc::new(FixedClock::new(datetime!(2026-04-29 09:00 +7)));
    let blobs = kyso_store::testing::test_blob_store(backend, dir.path());
    let office = desk_office(&store, &ca, &clock, dir.path(), &blobs, None);
    let agency = |code: &str, name: &str, short: &str, parent| NewAgency {
        parent_id: parent,
        code: code.into(),
        name: name.into(),
        short_name: short.into(),
        level: "department".into(),
        email: format!("{}@ninhbinh.gov.vn", short.to_lowercase()),
        address: "Ninh Bình".into(),
        phone: String::new(),
    };
    let (top, _) = office
        .bootstrap(
            agency(
                "000.00.00.H45",
                "Ủy ban nhân dân tỉnh Ninh Bình",
                "UBND",
                None,
            ),
            "quantri",
            "Quản trị Sở KH&CN",
            PASSWORD,
        )
        .await
        .unwrap();
    let admin = login(&office, "quantri").await;
    let a = office
        .create_agency(
            &admin,
            agency("000.01.00.H45", "Sở Tài chính", "STC", Some(top.id)),
        )
        .await
        .unwrap();
    let b = office
        .create_agency(
            &admin,
            agency("000.02.00.H45", "Sở Y tế", "SYT", Some(top.id)),
        )
        .await
        .unwrap();
    let mut people = Vec::new();
    for (user, name, roles) in [
        (
            "thuebao.stc",
            "Nguyễn Thị Lan",
            vec![member(a.id, "drafter", Some("Chuyên viên"))],
        ),
        (
            "giamdoc.stc",
            "Hoàng Văn Em",
            vec![
                member(a.id, "head", Some("Giám đốc")),
                member(a.id, "approver", Some("Giám đốc")),
            ],
        ),
        (
            "vanthu.stc",
            "Phạm Văn Dũng",
            vec![member(a.id, "clerk", None)],
        ),
        ("vanthu.syt", "Vũ Văn Hà", vec![member(b.id, "clerk", None)]),
        (
            "vanhanh.ca",
            "Trịnh Văn Khoa",
            vec![member(top.id, "ca_operator", None)],
        ),
        (
            "vanthu.ubnd",
            "Lý Thị Mai",
            vec![member(top.id, "clerk", None)],
        ),
    ] {
        people.push(person(&office, &admin, user, name, roles).await);
    }
    let [subscriber, head_a, clerk_a, clerk_b, ca_operator, clerk_top]: [Actor; 6] =
        people.try_into().unwrap();

    // The head's personal key on their token, certified by the CA; the
    // agency's seal key and image.
    let approver_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let issued = ca
        .issue_for_public_key(
            &SubjectName {
                organization: Some("Sở Tài chính tỉnh Ninh Bình".into()),
                common_name: "Hoàng Văn Em".into(),
                email: Some("giamdoc.stc@ninhbinh.gov.vn".into()),
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
        .set_person_certificate(&admin, head_a.person_id, &issued.pem)
        .await
        .unwrap();
    office
        .set_seal_key(&admin, a.id, SealKeySetup::Generate)
        .await
        .unwrap();
    office
        .set_seal_image(&admin, a.id, Bytes::from(seal_png()))
        .await
        .unwrap();
    Desk {
        store,
        ca,
        clock,
        dir,
        backend,
        blobs,
        office,
        top: top.id,
        agency_a: a.id,
        agency_b: b.id,
        admin,
        subscriber,
        head_a,
        clerk_a,
        clerk_b,
        ca_operator,
        clerk_top,
        approver_key,
        approver_cert,
    }
}

pub fn form(name: &str, email: &str) -> RequestForm {
    RequestForm {
        identity_number: "037190001234".into(),
        full_name: name.into(),
        position: "Chuyên viên".into(),
        email: email.into(),
        phone: "0912345678".into(),
        reason: "Cấp mới để ký văn bản".into(),
        ..RequestForm::default()
    }
}

/// The approver (head_a) signs request `rid`'s letter with the key on
/// their token, through the office's two-phase approval. The CA dates
/// certificates by the system's clock, months after the desk's injected
/// one, and the office signs only with a certificate valid at its now:
/// the signature is made at the system's time, then the desk's clock
/// goes back to where it was.
pub async fn sign_letter(w: &Desk, rid: i64) -> DocumentView {
    let then = kyso_office::Clock::now(w.clock.as_ref());
    w.clock.set(time::OffsetDateTime::now_utc());
    let d = sign_letter_now(w, rid).await;
    w.clock.set(then);
    d
}

async fn sign_letter_now(w: &Desk, rid: i64) -> DocumentView {
    let o = &w.office;
    let doc = o
        .desk_request(&w.head_a, rid)
        .await
        .unwrap()
        .letter_document_id
        .expect("a confirmed request has its letter");
    let p = o
        .prepare_approval(&w.head_a, doc, &w.approver_cert)
        .await
        .unwrap();
    let sig = w
        .approver_key
        .sign_digest(&hex::decode(&p.digest).unwrap())
        .unwrap();
    o.finalize_approval(&w.head_a, doc, &p.nonce, &sig, &w.approver_cert)
        .await
        .unwrap()
}

/// The clerk of agency A numbers, seals and issues request `rid`'s
/// letter (which sends the request).
pub async fn issue_letter(w: &Desk, rid: i64) -> DocumentView {
    let o = &w.office;
    let doc = o
        .desk_request(&w.clerk_a, rid)
        .await
        .unwrap()
        .letter_document_id
        .unwrap();
    o.number_and_seal(&w.clerk_a, doc).await.unwrap();
    o.issue(&w.clerk_a, doc).await.unwrap()
}

/// The deciding agency's clerk receives and registers request `rid`'s
/// letter from the incoming queue.
pub async fn receive_letter(w: &Desk, rid: i64) {
    let o = &w.office;
    let doc = o
        .desk_request(&w.ca_operator, rid)
        .await
        .unwrap()
        .letter_document_id
        .unwrap();
    let inbox = o
        .inbox(
            &w.clerk_top,
            &InboxFilter {
                agency_id: Some(w.top),
                ..InboxFilter::default()
            },
        )
        .await
        .unwrap();
    let dl = inbox
        .iter()
        .find(|i| i.document_id == doc)
        .expect("the letter arrived at the deciding agency");
    o.act_on_incoming(&w.clerk_top, dl.id, DeliveryAction::Register, None, None)
        .await
        .unwrap();
}

/// Confirmed request `rid` through its letter: signed, sealed, issued
/// (so sent) and received at the deciding agency.
pub async fn send_by_letter(w: &Desk, rid: i64) -> RequestView {
    sign_letter(w, rid).await;
    issue_letter(w, rid).await;
    receive_letter(w, rid).await;
    w.office.desk_request(&w.clerk_a, rid).await.unwrap()
}

/// A CSR signed by a key that stays here (the subscriber's token).
pub fn csr(key: &SoftwareKey) -> String {
    let name = SubjectName {
        common_name: "Nguyễn Thị Lan".into(),
        ..SubjectName::default()
    }
    .to_name()
    .unwrap();
    let der = kyso_pki::csr::build_csr(&name, key).unwrap();
    let b64 = base64_std(&der);
    format!("-----BEGIN CERTIFICATE REQUEST-----\n{b64}\n-----END CERTIFICATE REQUEST-----\n")
}

/// Base64 in PEM's lines of 64 characters.
fn base64_std(b: &[u8]) -> String {
    use base64::Engine;
    let s = base64::engine::general_purpose::STANDARD.encode(b);
    s.as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows of `table` (to show a refusal wrote nothing).
pub async fn count(o: &Office, table: &str) -> i64 {
    let db = o.store().connection();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

pub async fn snapshot(o: &Office) -> (i64, i64, i64, i64) {
    (
        count(o, "desk_request").await,
        count(o, "desk_event").await,
        count(o, "certificate").await,
        count(o, "desk_device").await,
    )
}

/// A new issuance for the subscriber onto token `serial`, through every
/// step, approved with a CSR from a fresh key.
pub async fn issue_on(w: &Desk, serial: &str) -> kyso_office::desk::RequestView {
    let o = &w.office;
    let mut f = form("Nguyễn Thị Lan", "lan@stc.ninhbinh.gov.vn");
    f.token_serial = Some(serial.into());
    let new = NewRequest {
        kind: RequestKind::IssuePerson,
        agency_id: w.agency_a,
        subscriber_id: Some(w.subscriber.person_id),
        form: f,
    };
    let r = o.create_request(&w.subscriber, new).await.unwrap();
    o.confirm_request(&w.head_a, r.id).await.unwrap();
    send_by_letter(w, r.id).await;
    let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let approval = Approval {
        csr: Some(csr(&key)),
        ..Approval::default()
    };
    o.approve_request(&w.ca_operator, r.id, approval)
        .await
        .unwrap()
}
