//! The certificate desk's small province (shared by the desk tests): a CA,
//! an office over the store with an injected clock (Wednesday 29 April
//! 2026, 09:00 in Vietnam), agencies A (Sở Tài chính) and B (Sở Y tế) under
//! the province, a subscriber, A's head and clerk, B's clerk and a CA
//! operator; the request form, a CSR from a key kept here (the token), and
//! a new issuance through every step.

use std::sync::Arc;

use kyso_ca::{Ca, CaConfig, InitOptions};
use kyso_crypto::{KeySpec, SoftwareKey};
use kyso_office::agency::NewAgency;
use kyso_office::desk::{Approval, NewRequest, RequestForm, RequestKind};
use kyso_office::person::NewMembership;
use kyso_office::{Actor, FixedClock, Office, OfficeConfig};
use kyso_pki::name::SubjectName;
use kyso_store::sea_orm::{ConnectionTrait, Statement};
use kyso_store::Store;
use time::macros::datetime;

use super::{login, person, PASSWORD};

pub struct Desk {
    pub office: Arc<Office>,
    pub clock: Arc<FixedClock>,
    pub dir: tempfile::TempDir,
    pub agency_a: i64,
    pub agency_b: i64,
    pub admin: Actor,
    pub subscriber: Actor,
    pub head_a: Actor,
    pub clerk_a: Actor,
    pub clerk_b: Actor,
    pub ca_operator: Actor,
}

pub fn member(agency: i64, role: &str, position: Option<&str>) -> NewMembership {
    NewMembership {
        agency_id: agency,
        role: role.into(),
        position: position.map(Into::into),
        title: None,
    }
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
    // Wednesday 29 April 2026, 09:00 in Vietnam.
    let clock = Arc::new(FixedClock::new(datetime!(2026-04-29 09:00 +7)));
    let office = Arc::new(
        Office::new(
            store,
            kyso_store::testing::test_blob_store(backend, dir.path()),
            ca,
            OfficeConfig::new(
                dir.path().to_path_buf(),
                b"key password".to_vec(),
                "http://127.0.0.1:8080".into(),
            ),
            clock.clone(),
        )
        .unwrap(),
    );
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
    for (user, name, agency, role, position) in [
        (
            "thuebao.stc",
            "Nguyễn Thị Lan",
            a.id,
            "drafter",
            Some("Chuyên viên"),
        ),
        (
            "giamdoc.stc",
            "Hoàng Văn Em",
            a.id,
            "head",
            Some("Giám đốc"),
        ),
        ("vanthu.stc", "Phạm Văn Dũng", a.id, "clerk", None),
        ("vanthu.syt", "Vũ Văn Hà", b.id, "clerk", None),
        ("vanhanh.ca", "Trịnh Văn Khoa", top.id, "ca_operator", None),
    ] {
        let roles = vec![member(agency, role, position)];
        people.push(person(&office, &admin, user, name, roles).await);
    }
    let [subscriber, head_a, clerk_a, clerk_b, ca_operator]: [Actor; 5] =
        people.try_into().unwrap();
    Desk {
        office,
        clock,
        dir,
        agency_a: a.id,
        agency_b: b.id,
        admin,
        subscriber,
        head_a,
        clerk_a,
        clerk_b,
        ca_operator,
    }
}

pub fn form(name: &str) -> RequestForm {
    RequestForm {
        identity_number: "037190001234".into(),
        full_name: name.into(),
        position: "Chuyên viên".into(),
        email: "lan@stc.ninhbinh.gov.vn".into(),
        phone: "0229 3871 234".into(),
        reason: "Cấp mới để ký văn bản".into(),
        ..RequestForm::default()
    }
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
    let mut f = form("Nguyễn Thị Lan");
    f.token_serial = Some(serial.into());
    let new = NewRequest {
        kind: RequestKind::IssuePerson,
        agency_id: w.agency_a,
        subscriber_id: Some(w.subscriber.person_id),
        form: f,
    };
    let r = o.create_request(&w.subscriber, new).await.unwrap();
    o.confirm_request(&w.head_a, r.id).await.unwrap();
    o.send_request(&w.clerk_a, r.id).await.unwrap();
    let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let approval = Approval {
        csr: Some(csr(&key)),
        ..Approval::default()
    };
    o.approve_request(&w.ca_operator, r.id, approval)
        .await
        .unwrap()
}
