//! Certificate registry, authorities, CRLs, trust anchors and reopening,
//! on every backend from `testing::test_stores()`.

use kyso_store::testing::test_stores;
use kyso_store::{
    AuthorityRecord, CertificateFilter, CertificateStatus, CrlRecord, NewCertificate, Store,
    StoreError, TrustAnchorRecord,
};
use time::{Duration, OffsetDateTime};

fn t(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

fn cert(serial: &str, issuer: &str, profile: &str, subject: &str, nb: i64) -> NewCertificate {
    NewCertificate {
        serial_hex: serial.to_owned(),
        issuer_id: issuer.to_owned(),
        profile: profile.to_owned(),
        subject: subject.to_owned(),
        subject_email: Some(format!("{serial}@example.gov.vn")),
        not_before: t(nb),
        not_after: t(nb) + Duration::days(365),
        // Binary with NUL and high bytes: must come back byte for byte.
        der: vec![0x30, 0x00, 0xff, 0x80, serial.len() as u8, 0x00],
        fingerprint_sha256: format!("{serial:0>64}"),
        renewed_from: None,
    }
}

fn serials(v: &[kyso_store::CertificateRecord]) -> Vec<&str> {
    v.iter().map(|c| c.serial_hex.as_str()).collect()
}

async fn seed(store: &Store) {
    let subjects = [
        (
            "0a01",
            "issuing",
            "person",
            "CN=Nguyễn Văn An,O=Bộ Nội vụ",
            1_700_000_000,
        ),
        (
            "0a02",
            "issuing",
            "organization",
            "CN=Sở Tài chính,O=UBND tỉnh",
            1_700_000_100,
        ),
        (
            "0b03",
            "issuing2",
            "person",
            "CN=Trần Thị Bình,O=Bộ Tư pháp",
            1_700_000_200,
        ),
    ];
    for (serial, issuer, profile, subject, nb) in subjects {
        store
            .insert_certificate(&cert(serial, issuer, profile, subject, nb))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn insert_get_list_filter() {
    for (backend, store) in test_stores().await {
        seed(&store).await;

        let got = store.certificate("0A01").await.unwrap().expect(&backend);
        let want = cert(
            "0a01",
            "issuing",
            "person",
            "CN=Nguyễn Văn An,O=Bộ Nội vụ",
            1_700_000_000,
        );
        assert_eq!(got.serial_hex, "0a01", "{backend}");
        assert_eq!(got.issuer_id, want.issuer_id);
        assert_eq!(got.profile, want.profile);
        assert_eq!(got.subject, want.subject, "{backend}: UTF-8 subject intact");
        assert_eq!(got.subject_email, want.subject_email);
        assert_eq!(got.not_before, want.not_before);
        assert_eq!(got.not_after, want.not_after);
        assert_eq!(got.der, want.der, "{backend}: DER intact");
        assert_eq!(got.fingerprint_sha256, want.fingerprint_sha256);
        assert_eq!(got.status, CertificateStatus::Valid);
        assert_eq!(got.revoked_at, None);
        assert_eq!(got.revocation_reason, None);
        assert_eq!(got.renewed_from, None);
        let age = OffsetDateTime::now_utc() - got.created_at;
        assert!(
            age >= Duration::ZERO && age < Duration::hours(1),
            "{backend}: created_at is now"
        );

        let by_fp = store
            .certificate_by_fingerprint(&want.fingerprint_sha256.to_uppercase())
            .await
            .unwrap()
            .expect(&backend);
        assert_eq!(by_fp.serial_hex, "0a01");
        assert!(store.certificate("ffff").await.unwrap().is_none());

        let list = |f: CertificateFilter| {
            let store = store.clone();
            async move { store.list_certificates(&f).await.unwrap() }
        };
        let all = list(CertificateFilter::default()).await;
        assert_eq!(
            serials(&all),
            ["0b03", "0a02", "0a01"],
            "{backend}: newest first"
        );
        let issuing = list(CertificateFilter {
            issuer_id: Some("issuing".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&issuing), ["0a02", "0a01"], "{backend}");
        let person = list(CertificateFilter {
            profile: Some("person".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&person), ["0b03", "0a01"], "{backend}");
        let named = list(CertificateFilter {
            subject_contains: Some("nGUYễn văN".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(
            serials(&named),
            ["0a01"],
            "{backend}: case-insensitive substring"
        );
        let org = list(CertificateFilter {
            subject_contains: Some("o=bộ".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&org), ["0b03", "0a01"], "{backend}");
        for wildcard in ["%", "_", "!", "\\"] {
            let none = list(CertificateFilter {
                subject_contains: Some(wildcard.into()),
                ..Default::default()
            })
            .await;
            assert!(none.is_empty(), "{backend}: {wildcard:?} is literal");
        }
        let page = list(CertificateFilter {
            limit: Some(1),
            offset: Some(1),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&page), ["0a02"], "{backend}: limit/offset");
        let combined = list(CertificateFilter {
            issuer_id: Some("issuing".into()),
            profile: Some("person".into()),
            status: Some(CertificateStatus::Valid),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&combined), ["0a01"], "{backend}");

        store
            .revoke("0a01", Some(1), t(1_700_100_000))
            .await
            .unwrap();
        let revoked = list(CertificateFilter {
            status: Some(CertificateStatus::Revoked),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&revoked), ["0a01"], "{backend}");
        let valid = list(CertificateFilter {
            status: Some(CertificateStatus::Valid),
            ..Default::default()
        })
        .await;
        assert_eq!(serials(&valid), ["0b03", "0a02"], "{backend}");
    }
}

#[tokio::test]
async fn duplicate_serial_refused_first_row_unchanged() {
    for (backend, store) in test_stores().await {
        let first = cert("01ab", "issuing", "person", "CN=First", 1_700_000_000);
        store.insert_certificate(&first).await.unwrap();
        let before = store.certificate("01ab").await.unwrap().unwrap();

        // Same serial (other case), different everything else.
        let mut second = cert(
            "01AB",
            "issuing2",
            "organization",
            "CN=Second",
            1_700_500_000,
        );
        second.fingerprint_sha256 = "ee".repeat(32);
        let err = store.insert_certificate(&second).await.unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateSerial),
            "{backend}: {err:?}"
        );

        // Same certificate bytes/fingerprint under another serial.
        let mut third = cert("02cd", "issuing", "person", "CN=Third", 1_700_000_000);
        third.fingerprint_sha256 = first.fingerprint_sha256.to_uppercase();
        let err = store.insert_certificate(&third).await.unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateFingerprint),
            "{backend}: {err:?}"
        );

        assert_eq!(
            store.certificate("01ab").await.unwrap().unwrap(),
            before,
            "{backend}"
        );
        assert!(
            store.certificate("02cd").await.unwrap().is_none(),
            "{backend}"
        );
        let all = store
            .list_certificates(&CertificateFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 1, "{backend}: nothing partially written");
    }
}

#[tokio::test]
async fn renewal_links_to_previous() {
    for (backend, store) in test_stores().await {
        store
            .insert_certificate(&cert("10", "issuing", "person", "CN=A", 1_700_000_000))
            .await
            .unwrap();
        let mut renewed = cert("11", "issuing", "person", "CN=A", 1_731_000_000);
        renewed.renewed_from = Some("10".into());
        store.insert_certificate(&renewed).await.unwrap();
        let got = store.certificate("11").await.unwrap().unwrap();
        assert_eq!(got.renewed_from.as_deref(), Some("10"), "{backend}");
    }
}

#[tokio::test]
async fn authorities_put_replace_get() {
    for (backend, store) in test_stores().await {
        assert!(store.authority("root").await.unwrap().is_none());
        let root = AuthorityRecord {
            id: "root".into(),
            kind: "root".into(),
            certificate_der: vec![0x30, 0x82, 0x00, 0x01],
            encrypted_key: Some(vec![0u8, 1, 2, 255]),
            key_ref: None,
            created_at: t(1_700_000_000),
        };
        let tsa = AuthorityRecord {
            id: "tsa".into(),
            kind: "tsa".into(),
            certificate_der: vec![0x30, 0x01],
            encrypted_key: None,
            key_ref: Some("pkcs11:token=kyso;object=tsa".into()),
            created_at: t(1_700_000_500),
        };
        store.put_authority(&tsa).await.unwrap();
        store.put_authority(&root).await.unwrap();
        assert_eq!(
            store.authority("root").await.unwrap().as_ref(),
            Some(&root),
            "{backend}"
        );
        assert_eq!(
            store.authorities().await.unwrap(),
            vec![root.clone(), tsa.clone()]
        );

        let replaced = AuthorityRecord {
            certificate_der: vec![0x30, 0x02],
            encrypted_key: None,
            key_ref: Some("pkcs11:object=root".into()),
            created_at: t(1_800_000_000),
            ..root.clone()
        };
        store.put_authority(&replaced).await.unwrap();
        assert_eq!(
            store.authority("root").await.unwrap(),
            Some(replaced),
            "{backend}"
        );
        assert_eq!(store.authorities().await.unwrap().len(), 2, "{backend}");
        // The Debug form never shows key bytes.
        assert!(!format!("{root:?}").contains("255"), "{backend}");
    }
}

#[tokio::test]
async fn crl_numbers_and_latest() {
    for (backend, store) in test_stores().await {
        assert!(store.latest_crl("issuing").await.unwrap().is_none());
        assert_eq!(
            store.next_crl_number("issuing").await.unwrap(),
            1,
            "{backend}"
        );
        assert_eq!(
            store.next_crl_number("issuing").await.unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(
            store.next_crl_number("root").await.unwrap(),
            1,
            "{backend}: per issuer"
        );
        for n in [1, 2] {
            let rec = CrlRecord {
                issuer_id: "issuing".into(),
                crl_number: n,
                this_update: t(1_700_000_000 + n * 3600),
                next_update: t(1_700_000_000 + n * 3600 + 86_400),
                der: vec![0x30, n as u8],
            };
            store.insert_crl(&rec).await.unwrap();
        }
        let latest = store.latest_crl("issuing").await.unwrap().unwrap();
        assert_eq!(latest.crl_number, 2, "{backend}");
        assert_eq!(latest.der, vec![0x30, 2]);
        assert_eq!(latest.this_update, t(1_700_007_200));
        assert_eq!(latest.next_update, t(1_700_093_600));
        let dup = CrlRecord {
            der: vec![0x31],
            ..latest.clone()
        };
        assert!(
            matches!(
                store.insert_crl(&dup).await,
                Err(StoreError::DuplicateCrlNumber)
            ),
            "{backend}"
        );
        assert_eq!(
            store.latest_crl("issuing").await.unwrap(),
            Some(latest),
            "{backend}"
        );
        assert!(
            store.latest_crl("root").await.unwrap().is_none(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn trust_anchors_add_duplicate_remove() {
    for (backend, store) in test_stores().await {
        let a = TrustAnchorRecord {
            fingerprint_sha256: "aa".repeat(32),
            subject: "CN=Root CA Chính phủ".into(),
            label: "Chính phủ".into(),
            der: vec![0x30, 0x03, 0x00],
            added_at: t(1_700_000_000),
            builtin: true,
        };
        let b = TrustAnchorRecord {
            fingerprint_sha256: "bb".repeat(32),
            subject: "CN=Other".into(),
            label: "Another".into(),
            der: vec![0x30, 0x01],
            added_at: t(1_700_000_001),
            builtin: false,
        };
        store.add_trust_anchor(&a).await.unwrap();
        store.add_trust_anchor(&b).await.unwrap();
        let dup = TrustAnchorRecord {
            fingerprint_sha256: a.fingerprint_sha256.to_uppercase(),
            label: "changed".into(),
            ..a.clone()
        };
        assert!(
            matches!(
                store.add_trust_anchor(&dup).await,
                Err(StoreError::DuplicateAnchor)
            ),
            "{backend}"
        );
        assert_eq!(
            store.trust_anchors().await.unwrap(),
            vec![b.clone(), a.clone()],
            "{backend}"
        );
        assert!(store
            .remove_trust_anchor(&b.fingerprint_sha256)
            .await
            .unwrap());
        assert!(
            !store
                .remove_trust_anchor(&b.fingerprint_sha256)
                .await
                .unwrap(),
            "{backend}"
        );
        assert_eq!(store.trust_anchors().await.unwrap(), vec![a], "{backend}");
    }
}

#[tokio::test]
async fn reopen_keeps_data() {
    // SQLite file: close completely, open the same URL again.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("kyso.db").display());
    {
        let store = Store::open(&url).await.unwrap();
        store
            .insert_certificate(&cert("77", "issuing", "person", "CN=Kept", 1_700_000_000))
            .await
            .unwrap();
        assert_eq!(store.next_counter("tsa_serial").await.unwrap(), 1);
        store.connection().clone().close().await.unwrap();
    }
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store.certificate("77").await.unwrap().unwrap().subject,
        "CN=Kept"
    );
    assert_eq!(store.next_counter("tsa_serial").await.unwrap(), 2);

    // Both backends: a second pool over a migrated database.
    for (backend, store) in test_stores().await {
        store
            .insert_certificate(&cert("78", "issuing", "person", "CN=Kept", 1_700_000_000))
            .await
            .unwrap();
        let again = store.reopen().await.unwrap();
        assert!(
            again.certificate("78").await.unwrap().is_some(),
            "{backend}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_open_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("race.db").display());
    let (a, b) = tokio::join!(Store::open(&url), Store::open(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.next_counter("n").await.unwrap(), 1);
    assert_eq!(b.next_counter("n").await.unwrap(), 2);
}
