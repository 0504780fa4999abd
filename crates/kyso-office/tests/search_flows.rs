//! Search through the office (issue 13 §3), on SQLite and (with
//! `KYSO_TEST_PG_URL`) PostgreSQL: a document issued through the
//! two-signature flow is found by words of its text typed without
//! accents, by its issuer and by its recipients — and by nobody else; a
//! scan (no text layer) by its metadata only; filters; the index fed
//! incrementally from the database and rebuilt.

mod common;

use bytes::Bytes;
use common::*;
use kyso_office::document::draft::Upload;
use kyso_office::document::state::Flow;
use kyso_office::render::{draft_pdf, AdministrativeDocument};
use kyso_office::search::{SearchFilter, SearchPage};
use kyso_office::{Actor, ErrorKind};
use kyso_store::sea_orm::EntityTrait;
use kyso_store::search::{document_text, fold, SearchIndex};
use kyso_store::testing::test_stores;

const BODY: &str = "Điều 1. Phê duyệt Đề án chuyển đổi số tỉnh Ninh Bình giai đoạn 2026 - 2030, \
tầm nhìn đến năm 2035. Điều 2. Sở Thông tin và Truyền thông chủ trì, phối hợp với các sở, \
ban, ngành tổ chức thực hiện Quyết định này.";

fn decision_pdf() -> Vec<u8> {
    let doc = AdministrativeDocument {
        parent_body: None,
        issuing_body: "Ủy ban nhân dân tỉnh Ninh Bình".into(),
        type_code: "QĐ".into(),
        type_name: "Quyết định".into(),
        agency_short: "UBND".into(),
        place: "Ninh Bình".into(),
        subject: "Phê duyệt Đề án chuyển đổi số".into(),
        body: vec![BODY.into()],
        authority: Some("TM. Ủy ban nhân dân".into()),
        position: "Chủ tịch".into(),
        signer_name: "Nguyễn Văn An".into(),
        recipients: vec!["Như Điều 2".into()],
        priority: Default::default(),
    };
    draft_pdf(&doc).unwrap().pdf
}

/// A page painted without any text operator: what a scanner makes.
fn scan_pdf() -> Vec<u8> {
    let content = "q 0.9 g 0 0 595 842 re f Q";
    let stream = format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    );
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>";
    let body = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page,
        &stream,
    ];
    let objects: Vec<String> = (1..)
        .zip(body)
        .map(|(n, o)| format!("{n} 0 obj\n{o}\nendobj"))
        .collect();
    kyso_pdf::test_support::write_pdf(
        &objects.iter().map(|o| o.as_bytes()).collect::<Vec<_>>(),
        "",
    )
}

async fn find(w: &World, index: &SearchIndex, who: &Actor, f: SearchFilter) -> SearchPage {
    w.office.search_documents(who, index, &f).await.unwrap()
}

fn words(q: &str) -> SearchFilter {
    SearchFilter {
        q: Some(q.into()),
        ..SearchFilter::default()
    }
}

fn ids(p: &SearchPage) -> Vec<i64> {
    p.hits.iter().map(|h| h.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_found_by_their_text_and_metadata_only_by_their_agencies() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let index = SearchIndex::open(&w.dir.path().join("search")).unwrap();

        // A decision through the two-signature flow, issued to A and B.
        let mut n = draft(&w, Flow::Two, "Quyết định phê duyệt Đề án chuyển đổi số");
        n.metadata.type_code = "QĐ".into();
        n.main = Upload {
            name: "quyet-dinh.pdf".into(),
            media_type: "application/pdf".into(),
            bytes: Bytes::from(decision_pdf()),
        };
        let issued = o.create_draft(&w.drafter, n, None).await.unwrap();
        o.submit_draft(&w.drafter, issued.id).await.unwrap();
        approve(&w, issued.id).await;
        o.number_and_seal(&w.clerk, issued.id).await.unwrap();
        o.issue(&w.clerk, issued.id).await.unwrap();

        // A scan, still a draft of the sender.
        let mut n = draft(&w, Flow::Two, "Kế hoạch kiểm tra nội bộ năm 2026");
        n.main = Upload {
            name: "scan.pdf".into(),
            media_type: "application/pdf".into(),
            bytes: Bytes::from(scan_pdf()),
        };
        n.attachments.clear();
        let scan = o.create_draft(&w.drafter, n, None).await.unwrap();

        // First feed: the index is new, so it is built.
        let r = o.feed_search(&index).await.unwrap();
        assert!(r.rebuilt, "{backend}");
        assert_eq!(r.indexed, 2, "{backend}");

        // The text was read once and kept in the database.
        let texts = document_text::Entity::find()
            .all(o.store().connection())
            .await
            .unwrap();
        let decision = texts.iter().find(|t| t.pages_with_text > 0).unwrap();
        assert!(
            fold(&decision.text).contains("chuyen doi so tinh ninh binh"),
            "{backend}"
        );
        assert!(
            texts.iter().any(|t| t.pages == 1 && t.pages_with_text == 0),
            "{backend}"
        );

        // The sender finds the decision by words of its text, no accents.
        let p = find(&w, &index, &w.drafter, words("to chuc thuc hien")).await;
        assert_eq!(ids(&p), [issued.id], "{backend}");
        let hit = &p.hits[0];
        assert!(!hit.incoming);
        let marked: Vec<&str> = hit
            .text
            .highlights
            .iter()
            .map(|[a, b]| &hit.text.text[*a..*b])
            .collect();
        assert_eq!(marked, ["tổ", "chức", "thực", "hiện"], "{backend}");
        assert_eq!(hit.number_text.as_deref(), Some("01/QĐ-UBND"), "{backend}");

        // A recipient finds it as an incoming document, with its record.
        let p = find(&w, &index, &w.clerk_a, words("quyet dinh chuyen doi so")).await;
        assert_eq!(ids(&p), [issued.id], "{backend}");
        assert!(
            p.hits[0].incoming && p.hits[0].delivery_id.is_some(),
            "{backend}"
        );

        // The scan: by its subject, not by anything else.
        let p = find(&w, &index, &w.drafter, words("ke hoach kiem tra")).await;
        assert_eq!(ids(&p), [scan.id], "{backend}");
        assert!(p.hits[0].text.text.is_empty());
        // Nobody of another agency sees the sender's draft.
        for other in [&w.clerk_a, &w.officer_a, &w.clerk_b] {
            let p = find(&w, &index, other, words("ke hoach kiem tra")).await;
            assert_eq!(p.total, 0, "{backend}: {}", other.username);
        }
        // Nor may ask for the sender's agency.
        let e = o
            .search_documents(
                &w.clerk_b,
                &index,
                &SearchFilter {
                    agency_id: Some(w.sender),
                    ..SearchFilter::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");

        // Filters.
        let with = |f: SearchFilter| async { ids(&find(&w, &index, &w.drafter, f).await) };
        let f = |g: &dyn Fn(&mut SearchFilter)| {
            let mut f = SearchFilter::default();
            g(&mut f);
            f
        };
        assert_eq!(
            with(f(&|f| f.type_code = Some("QĐ".into()))).await,
            [issued.id]
        );
        assert_eq!(
            with(f(&|f| f.status = Some("draft".into()))).await,
            [scan.id]
        );
        assert_eq!(
            with(f(&|f| f.register = Some("out".into()))).await,
            [issued.id]
        );
        assert_eq!(
            with(f(&|f| f.signer = Some("nguyen van an".into()))).await,
            [issued.id]
        );
        let local = o.now().to_offset(kyso_office::clock::VIETNAM);
        let year = local.year();
        assert_eq!(with(f(&|f| f.year = Some(year))).await.len(), 2);
        assert!(with(f(&|f| f.year = Some(year - 1))).await.is_empty());
        let today = local.date().to_string();
        assert_eq!(
            with(f(&|f| {
                f.from = Some(today.clone());
                f.to = Some(today.clone());
            }))
            .await
            .len(),
            2,
            "{backend}"
        );
        let e = o
            .search_documents(
                &w.drafter,
                &index,
                &f(&|f| f.register = Some("sideways".into())),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);

        // Fed incrementally: a new draft is found after the next feed, and
        // a feed with nothing new writes nothing.
        let p = find(&w, &index, &w.drafter, words("bao cao tong ket")).await;
        assert_eq!(p.total, 0);
        let later = o
            .create_draft(
                &w.drafter,
                draft(&w, Flow::Two, "Báo cáo tổng kết công tác văn thư"),
                None,
            )
            .await
            .unwrap();
        let r = o.feed_search(&index).await.unwrap();
        assert!(!r.rebuilt && r.indexed >= 1, "{backend}: {r:?}");
        let p = find(&w, &index, &w.drafter, words("bao cao tong ket")).await;
        assert_eq!(ids(&p), [later.id], "{backend}");

        // Rebuilt from the database: the same answers.
        let r = o.rebuild_search(&index).await.unwrap();
        assert_eq!(r.indexed, 3, "{backend}");
        let p = find(&w, &index, &w.clerk_a, words("QUYẾT ĐỊNH")).await;
        assert_eq!(ids(&p), [issued.id], "{backend}");
    }
}

/// What kyso reads from the text layer agrees with poppler's `pdftotext`.
#[test]
fn extracted_text_has_the_words_pdftotext_finds() {
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        assert_ne!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref(),
            Ok("1"),
            "pdftotext missing"
        );
        eprintln!("note: pdftotext missing, skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qd.pdf");
    std::fs::write(&path, decision_pdf()).unwrap();
    let poppler = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(poppler.status.success());
    let poppler = String::from_utf8(poppler.stdout).unwrap();
    let ours = kyso_pdf::open(&path).unwrap().text(100_000).unwrap();
    assert_eq!((ours.pages, ours.pages_with_text), (1, 1));
    let split = |s: &str| -> Vec<String> {
        fold(s)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut theirs = split(&poppler);
    let mut mine = split(&ours.text);
    assert!(theirs.len() > 50, "{poppler}");
    // The same words (the order of side-by-side boxes may differ: poppler
    // orders by its reading of the layout, kyso by drawing order).
    theirs.sort();
    mine.sort();
    assert_eq!(mine, theirs, "ours:\n{}\npoppler:\n{poppler}", ours.text);
}
