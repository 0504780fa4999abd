//! The index alone: folding, visibility, filters, ranking, snippets, the
//! watermark, and reopening.

use super::*;

fn doc(id: i64, agency: i64, subject: &str, body: &str, date: i64) -> IndexedDocument {
    IndexedDocument {
        id,
        agency_id: agency,
        year: (date / 10_000) as i32,
        date,
        type_code: "QĐ".into(),
        state: "issued".into(),
        numbered: true,
        subject: subject.into(),
        body: body.into(),
        version: 100 + id,
        indexed_at: 1_000,
        ..IndexedDocument::default()
    }
}

fn corpus() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    let mut d3 = doc(
        3,
        2,
        "Công văn về việc họp giao ban",
        "Kính gửi các sở, ban, ngành.",
        20261130,
    );
    d3.type_code = "CV".into();
    d3.signer = "Đỗ Thị Giang".into();
    d3.recipients = vec![1];
    let mut d4 = doc(
        4,
        1,
        "Quyết định phê duyệt Đề án chuyển đổi số",
        "",
        20250105,
    );
    d4.state = "draft".into();
    d4.numbered = false;
    d4.category_id = Some(7);
    let docs = vec![
        doc(1, 1, "Quyết định về việc ban hành Quy chế", "Điều 1. Ban hành kèm theo Quyết định này Quy chế sử dụng chữ ký số.", 20261201),
        doc(2, 1, "Kế hoạch triển khai chữ ký số", "Thực hiện Quyết định số 01/QĐ-UBND ngày 01 tháng 12 năm 2026 của Ủy ban nhân dân tỉnh.", 20261202),
        d3,
        d4,
    ];
    let mut w = index.writer(20_000_000).unwrap();
    w.clear().unwrap();
    for d in &docs {
        w.put(d).unwrap();
    }
    w.commit(500).unwrap();
    (dir, index)
}

fn ids(index: &SearchIndex, q: &SearchQuery) -> Vec<i64> {
    index.search(q).unwrap().hits.iter().map(|h| h.id).collect()
}

fn mine(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        issuer_visible: vec![1],
        recipient_visible: vec![1],
        limit: 20,
        ..SearchQuery::default()
    }
}

#[test]
fn words_without_marks_find_words_with_them_and_rank_by_relevance() {
    let (_d, index) = corpus();
    let found = ids(&index, &mine("quyet dinh"));
    // The subject counts most; a draft of the same agency is found too.
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[..2].contains(&1) && found[..2].contains(&4),
        "{found:?}"
    );
    assert_eq!(found[2], 2);
    // With marks, upper case, decomposed: the same.
    assert_eq!(ids(&index, &mine("QUYẾT ĐỊNH")).len(), 3);
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd("quyết định").collect();
    assert_eq!(ids(&index, &mine(&nfd)).len(), 3);
    // đ is d: "de an" finds "Đề án".
    assert_eq!(ids(&index, &mine("de an")), [4]);
    // A phrase.
    assert_eq!(ids(&index, &mine("\"chu ky so\"")), [2, 1]);
}

#[test]
fn another_agency_finds_nothing_of_ours_but_what_was_delivered_to_it() {
    let (_d, index) = corpus();
    let theirs = |text: &str| SearchQuery {
        text: text.into(),
        issuer_visible: vec![2],
        recipient_visible: vec![2],
        limit: 20,
        ..SearchQuery::default()
    };
    assert!(ids(&index, &theirs("quyet dinh")).is_empty());
    assert!(ids(&index, &theirs("")).iter().all(|id| *id == 3));
    // Nobody: nothing.
    let nobody = SearchQuery {
        text: "quyet".into(),
        limit: 20,
        ..SearchQuery::default()
    };
    assert_eq!(index.search(&nobody).unwrap().total, 0);
    // Agency 1 sees 3 because it was delivered to it, through the incoming side.
    let q = SearchQuery {
        register: Some(RegisterSide::In),
        ..mine("giao ban")
    };
    assert_eq!(ids(&index, &q), [3]);
    let q = SearchQuery {
        register: Some(RegisterSide::Out),
        ..mine("giao ban")
    };
    assert!(ids(&index, &q).is_empty());
}

#[test]
fn filters_narrow_and_no_words_sorts_by_date() {
    let (_d, index) = corpus();
    assert_eq!(ids(&index, &mine("")), [2, 1, 3, 4]);
    let with = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = mine("");
        f(&mut q);
        ids(&index, &q)
    };
    assert_eq!(with(&|q| q.year = Some(2025)), [4]);
    assert_eq!(with(&|q| q.type_code = Some("CV".into())), [3]);
    assert_eq!(with(&|q| q.category_id = Some(7)), [4]);
    assert_eq!(with(&|q| q.state = Some("draft".into())), [4]);
    assert_eq!(with(&|q| q.signer = Some("do thi giang".into())), [3]);
    assert_eq!(
        with(&|q| q.signer = Some("giang hoa".into())),
        Vec::<i64>::new()
    );
    assert_eq!(with(&|q| q.agency = Some(1)), [2, 1, 3, 4]);
    assert_eq!(
        with(&|q| {
            q.date_from = Some(20261201);
            q.date_to = Some(20261201);
        }),
        [1]
    );
    assert_eq!(with(&|q| q.date_from = Some(20261201)), [2, 1]);
    assert_eq!(with(&|q| q.register = Some(RegisterSide::Out)), [2, 1]);
    // Paging.
    let mut q = mine("");
    q.limit = 2;
    q.offset = 2;
    let r = index.search(&q).unwrap();
    assert_eq!(r.total, 4);
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), [3, 4]);
}

#[test]
fn snippets_mark_the_words_in_the_original_text() {
    let (_d, index) = corpus();
    let r = index.search(&mine("uy ban")).unwrap();
    assert_eq!(r.hits.len(), 1);
    let s = &r.hits[0].text;
    let marked: Vec<&str> = s.highlights.iter().map(|(a, b)| &s.text[*a..*b]).collect();
    assert_eq!(marked, ["Ủy", "ban"]);
    let r = index.search(&mine("quy che")).unwrap();
    let s = &r.hits[0].subject;
    let marked: Vec<&str> = s.highlights.iter().map(|(a, b)| &s.text[*a..*b]).collect();
    assert_eq!(marked, ["Quy", "chế"]);
}

#[test]
fn entries_are_replaced_and_the_watermark_survives_reopening() {
    let (d, index) = corpus();
    assert_eq!(index.watermark().unwrap(), Some(500));
    let mut changed = doc(1, 1, "Quyết định bãi bỏ", "", 20261201);
    changed.version = 900;
    index.apply(&[changed], &[2], 800).unwrap();
    assert_eq!(ids(&index, &mine("quy che")), Vec::<i64>::new());
    assert_eq!(ids(&index, &mine("bai bo")), [1]);
    let v = index.versions(&[1, 2, 3, 99]).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[&1].version, 900);
    drop(index);
    let index = SearchIndex::open(&d.path().join("search")).unwrap();
    assert_eq!(index.watermark().unwrap(), Some(800));
    assert_eq!(index.stats().unwrap().documents, 3);
    // A damaged index is emptied and fed again.
    drop(index);
    std::fs::write(d.path().join("search/meta.json"), b"{not json").unwrap();
    let index = SearchIndex::open(&d.path().join("search")).unwrap();
    assert_eq!(index.watermark().unwrap(), None);
    assert_eq!(index.stats().unwrap().documents, 0);
}
