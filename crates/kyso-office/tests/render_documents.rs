//! Documents the office generates (kyso_office::render) checked by the
//! peers: pdftotext reads back the exact Vietnamese text where Decree
//! 30/2020 puts it, pdffonts shows the Liberation Serif faces embedded,
//! qpdf finds the files sound; a draft goes through the two-signature
//! flow with its own layout and the number, date and signatures land in
//! their boxes without touching the text; the register export signed
//! with the seal key verifies with kyso and with pyHanko; scans made by
//! Ghostscript at 150 and 300 dpi get (or do not get) the warning.

mod common;

use std::path::Path;
use std::process::Command;

use bytes::Bytes;
use common::*;
use kyso_office::document::draft::{NewDraft, Upload};
use kyso_office::document::layout::BoxAt;
use kyso_office::document::metadata::Priority;
use kyso_office::document::state::{Flow, State};
use kyso_office::register::{Direction, RegisterLine};
use kyso_office::render::{draft_pdf, register_pdf, AdministrativeDocument};
use kyso_office::ErrorKind;
use kyso_store::testing::test_stores;

/// Whether a peer tool is installed; when scripts/test.sh requires the
/// peers (KYSO_REQUIRE_PEERS=1) a missing one fails the test.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .or_else(|_| Command::new(tool).arg("-v").output())
        .is_ok();
    if !ok {
        assert!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref() != Ok("1"),
            "{tool} is required (KYSO_REQUIRE_PEERS=1) but not found"
        );
        eprintln!("SKIP: {tool} not installed");
    }
    ok
}

fn run(prog: &str, args: &[&str]) -> String {
    let o = Command::new(prog).args(args).output().expect(prog);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{prog} {args:?}: {text}");
    text
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A word and its box (PDF points from the page's top left), from
/// `pdftotext -bbox`.
#[derive(Debug)]
struct Word {
    page: u32,
    text: String,
    x1: f32,
    y1: f32,
    x2: f32,
    y2: f32,
}

fn words(pdf: &Path) -> Vec<Word> {
    let html = run("pdftotext", &["-bbox", s(pdf), "-"]);
    let mut out = Vec::new();
    let mut page = 0;
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        }
        let Some(rest) = line.strip_prefix("<word ") else {
            continue;
        };
        let attr = |name: &str| -> f32 {
            let k = format!("{name}=\"");
            let i = rest.find(&k).unwrap() + k.len();
            rest[i..].split('"').next().unwrap().parse().unwrap()
        };
        let text = rest.split('>').nth(1).unwrap().split('<').next().unwrap();
        out.push(Word {
            page,
            text: text.replace("&amp;", "&"),
            x1: attr("xMin"),
            y1: attr("yMin"),
            x2: attr("xMax"),
            y2: attr("yMax"),
        });
    }
    out
}

/// Whether word `w` lies inside box `b` (a PDF rectangle from the
/// bottom left of an A4 page), with `slack` points to spare.
fn inside(w: &Word, b: &BoxAt, page_h: f32, slack: f32) -> bool {
    let [x1, y1, x2, y2] = b.rect;
    w.page == b.page
        && w.x1 >= x1 - slack
        && w.x2 <= x2 + slack
        && w.y1 >= page_h - y2 - slack
        && w.y2 <= page_h - y1 + slack
}

fn overlaps(w: &Word, b: &BoxAt, page_h: f32) -> bool {
    let [x1, y1, x2, y2] = b.rect;
    w.page == b.page && w.x1 < x2 && w.x2 > x1 && w.y1 < page_h - y1 && w.y2 > page_h - y2
}

const A4_HEIGHT: f32 = 841.89;

fn sample(paragraphs: usize) -> AdministrativeDocument {
    let para = "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư, Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố triển khai ký số văn bản điện tử, bảo đảm đúng thể thức, kỹ thuật trình bày và thời hạn quy định.";
    AdministrativeDocument {
        parent_body: None,
        issuing_body: "Ủy ban nhân dân tỉnh Ninh Bình".into(),
        type_code: "CV".into(),
        type_name: "Công văn".into(),
        agency_short: "UBND".into(),
        place: "Ninh Bình".into(),
        subject: "Triển khai ký số văn bản điện tử trên địa bàn tỉnh".into(),
        body: (0..paragraphs)
            .map(|i| format!("{}. {para}", i + 1))
            .collect(),
        authority: Some("TM. Ủy ban nhân dân".into()),
        position: "Chủ tịch".into(),
        signer_name: "Nguyễn Văn An".into(),
        recipients: vec!["Như trên".into(), "Sở Tài chính".into(), "Sở Y tế".into()],
        priority: Priority::Khan,
    }
}

#[test]
fn a_draft_is_laid_out_per_decree_30_with_embedded_fonts() {
    if !have("pdftotext") || !have("pdffonts") || !have("qpdf") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut doc = sample(12);
    doc.type_code = "QĐ".into();
    doc.type_name = "Quyết định".into();
    doc.parent_body = Some("Bộ Nội vụ".into());
    let r = draft_pdf(&doc).unwrap();
    assert!(r.pages >= 2, "twelve paragraphs take two pages");
    let path = dir.path().join("draft.pdf");
    std::fs::write(&path, &r.pdf).unwrap();
    run("qpdf", &["--check", s(&path)]);
    let text = run("pdftotext", &["-layout", s(&path), "-"]);
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BỘ NỘI VỤ",
        "ỦY BAN NHÂN DÂN TỈNH",
        "NINH BÌNH",
        "QUYẾT ĐỊNH",
        "KHẨN",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Nguyễn Văn An",
        "Nơi nhận:",
        "- Sở Tài chính;",
        "- Lưu: VT.",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    // The body comes back word for word (justified lines included);
    // pages from 2 on start with their number, in the top margin.
    let mut flat = Vec::new();
    for p in 1..=r.pages {
        let ps = p.to_string();
        let t = run("pdftotext", &["-f", &ps, "-l", &ps, s(&path), "-"]);
        let mut ws = t.split_whitespace().peekable();
        if p > 1 {
            assert_eq!(ws.next(), Some(ps.as_str()), "page {p}: {t}");
        } else {
            assert_eq!(ws.peek(), Some(&"BỘ"), "no number on page 1: {t}");
        }
        flat.extend(ws.map(str::to_string));
    }
    let flat = flat.join(" ");
    let body: String = doc.body.join(" ");
    assert!(flat.contains(&body), "body text:\n{flat}");
    let fonts = run("pdffonts", &[s(&path)]);
    for face in [
        "LiberationSerif ",
        "LiberationSerif-Bold ",
        "LiberationSerif-BoldItalic",
    ] {
        let line = fonts
            .lines()
            .find(|l| l.contains(face))
            .unwrap_or_else(|| panic!("{face} in\n{fonts}"));
        // Embedded subset with a ToUnicode map: "… yes yes yes".
        assert!(
            line.split_whitespace().filter(|w| *w == "yes").count() == 3,
            "{line}"
        );
    }
    // The boxes: on A4, apart, the approver's below the body, with the
    // seal over its left third.
    let l = &r.layout;
    let (n, d, a, seal) = (
        l.number.unwrap(),
        l.date.unwrap(),
        l.approver.unwrap(),
        l.seal.unwrap(),
    );
    assert_eq!((n.page, d.page), (1, 1));
    assert!(n.rect[2] <= d.rect[0], "{n:?} {d:?}");
    assert_eq!(a.page, r.pages);
    assert!(seal.rect[0] < a.rect[0] + 200.0 / 3.0 && seal.rect[2] > a.rect[0]);
    for b in [n, d, a, seal] {
        assert!(
            b.rect[0] >= 0.0 && b.rect[2] <= 595.28 && b.rect[1] >= 0.0 && b.rect[3] <= A4_HEIGHT
        );
    }
    let ws = words(&path);
    for b in [n, d, a, seal] {
        if let Some(w) = ws.iter().find(|w| overlaps(w, &b, A4_HEIGHT)) {
            panic!("{w:?} under the box {b:?}");
        }
    }
}

/// The rectangle of widget `name` on `page` of the PDF at `path`.
fn widget(path: &Path, page: u32, name: &str) -> BoxAt {
    let mut pdf = kyso_pdf::open(path).unwrap();
    let w = pdf
        .widgets(page)
        .unwrap()
        .into_iter()
        .find(|w| w.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("widget {name} on page {page}"));
    BoxAt {
        page,
        rect: [w.rect.x1, w.rect.y1, w.rect.x2, w.rect.y2],
    }
}

/// A draft made by `draft_pdf` goes through the two-signature flow with
/// its own layout: the clerk's number and date land in boxes 3 and 4,
/// the approver's and the seal's appearances in theirs, and none of the
/// boxes covers a word of the document. Then the agency's register is
/// exported as a PDF signed with the seal key: kyso and pyHanko accept
/// it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rendered_draft_signs_into_its_boxes_and_the_register_exports_signed() {
    if !have("pdftotext") {
        return;
    }
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let doc = sample(3);
        let r = draft_pdf(&doc).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let draft_path = dir.path().join("draft.pdf");
        std::fs::write(&draft_path, &r.pdf).unwrap();
        let mut meta = metadata(&w, &doc.subject);
        meta.layout = Some(r.layout.clone());
        let d = o
            .create_draft(
                &w.drafter,
                NewDraft {
                    agency_id: w.sender,
                    flow: Flow::Two,
                    metadata: meta,
                    main: Upload {
                        name: "cong-van.pdf".into(),
                        media_type: "application/pdf".into(),
                        bytes: Bytes::from(r.pdf.clone()),
                    },
                    attachments: vec![],
                },
                None,
            )
            .await
            .unwrap();
        assert!(d.warnings.is_empty(), "{backend}: {:?}", d.warnings);
        o.submit_draft(&w.drafter, d.id).await.unwrap();
        approve(&w, d.id).await;
        let d = o.number_and_seal(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.number_text.as_deref(), Some("01/CV-UBND"), "{backend}");
        let d = o.issue(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.state, State::Issued, "{backend}");
        let sealed = d.files.iter().rev().find(|f| f.role == "sealed").unwrap();
        let path = dir.path().join("sealed.pdf");
        o.blobs().get_to_file(&sealed.sha256, &path).await.unwrap();
        let rep = o.verify_pdf_file(&path).await.unwrap();
        assert_eq!(rep.signatures.len(), 2, "{backend}");
        assert_eq!(
            rep.indication.as_str(),
            "TOTAL-PASSED",
            "{backend}: {}",
            rep.message_en
        );

        // The fields and signatures are where the layout put them.
        let l = &r.layout;
        let (number, date, approver, seal) = (
            l.number.unwrap(),
            l.date.unwrap(),
            l.approver.unwrap(),
            l.seal.unwrap(),
        );
        let p = approver.page;
        for (name, b) in [
            ("so_ky_hieu", number),
            ("ngay_ban_hanh", date),
            ("nguoi_ky", approver),
            ("con_dau", seal),
        ] {
            let got = widget(&path, b.page, name);
            for i in 0..4 {
                assert!(
                    (got.rect[i] - b.rect[i]).abs() < 0.5,
                    "{name}: {got:?} vs {b:?}"
                );
            }
        }
        // The number and the date text sit inside boxes 3 and 4.
        let signed = words(&path);
        let issued = d.issued_date.clone().unwrap();
        let (y, m, day) = (&issued[0..4], &issued[5..7], &issued[8..10]);
        for (text, b) in [("Số:", number), ("01/CV-UBND", number)].into_iter().chain(
            ["Ninh", "Bình,", "ngày", day, "tháng", m, "năm", y]
                .into_iter()
                .map(|t| (t, date)),
        ) {
            let hits: Vec<&Word> = signed
                .iter()
                .filter(|w| w.text == text && w.page == 1 && overlaps(w, &b, A4_HEIGHT))
                .collect();
            assert!(
                hits.iter().any(|w| inside(w, &b, A4_HEIGHT, 1.0)),
                "{backend}: {text:?} in {b:?}: {hits:?}\n{signed:?}"
            );
        }
        // The approver's appearance (time of signing) is in its box.
        assert!(
            signed.iter().any(|w| w.text.starts_with("20")
                && w.text.contains('T')
                && inside(w, &approver, A4_HEIGHT, 1.0)),
            "{backend}: signing time in the approver's box: {:?}",
            signed
                .iter()
                .filter(|w| overlaps(w, &approver, A4_HEIGHT))
                .collect::<Vec<_>>()
        );
        // No box covers a word of the draft.
        for w in words(&draft_path) {
            for b in [number, date, approver, seal] {
                assert!(!overlaps(&w, &b, A4_HEIGHT), "{backend}: {w:?} under {b:?}");
            }
        }
        assert_eq!(p, r.pages);

        // The register, signed with the seal key.
        let year = d.register_year.unwrap();
        let pdf = o
            .register_pdf(&w.clerk, w.sender, Direction::Out, year)
            .await
            .unwrap();
        let reg = dir.path().join("register.pdf");
        std::fs::write(&reg, &pdf).unwrap();
        let rep = o.verify_pdf_file(&reg).await.unwrap();
        assert_eq!(rep.signatures.len(), 1, "{backend}");
        assert_eq!(
            rep.indication.as_str(),
            "TOTAL-PASSED",
            "{backend}: {}",
            rep.message_en
        );
        let text = run("pdftotext", &["-layout", s(&reg), "-"]);
        for want in ["SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm ", "01/CV-UBND", "Trang 1/1"] {
            assert!(text.contains(want), "{backend}: {want:?} in\n{text}");
        }
        if let Some((ok, out)) = pyhanko_validate(o, &reg) {
            assert!(ok, "{backend}: pyHanko: {out}");
        }
        // The recipient's incoming register too (arrival is number 01).
        o.act_on_incoming(
            &w.clerk_a,
            o.inbox(&w.clerk_a, &Default::default()).await.unwrap()[0].id,
            kyso_office::delivery::DeliveryAction::Register,
            None,
            None,
        )
        .await
        .unwrap();
        // Agency A has no seal key: its register cannot be signed.
        let e = o
            .register_pdf(&w.clerk_a, w.recipient_a, Direction::In, year)
            .await
            .unwrap_err();
        assert_eq!(e.code, "seal-key-missing", "{backend}");
        // Not a clerk, head or auditor of the agency: refused.
        let e = o
            .register_pdf(&w.drafter, w.sender, Direction::Out, year)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        // An auditor reads the register but does not have it sealed.
        let auditor = person(
            o,
            &w.admin,
            "kiemtoan",
            "Đinh Văn Kiểm",
            vec![kyso_office::person::NewMembership {
                agency_id: w.sender,
                role: "auditor".into(),
                position: None,
                title: None,
            }],
        )
        .await;
        assert_eq!(
            o.register(&auditor, w.sender, Direction::Out, year, None)
                .await
                .unwrap()
                .len(),
            1
        );
        let e = o
            .register_pdf(&auditor, w.sender, Direction::Out, year)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
    }
}

fn line(i: i64, recipients: String) -> RegisterLine {
    RegisterLine {
        number: i,
        number_text: format!("{i:02}/QĐ-UBND"),
        date: "03/12/2026".into(),
        author: Some("Sở Tài chính".into()),
        document_date: Some("02/12/2026".into()),
        type_and_subject: format!("Quyết định về việc phê duyệt kế hoạch số {i}"),
        signer: Some("Nguyễn Văn An".into()),
        recipients: Some(recipients),
        handled_by: Some("Phòng Hành chính".into()),
        copies: Some(2),
        handed_over: Some("03/12/2026".into()),
        notes: String::new(),
        document_id: Some(i),
        delivery_id: None,
    }
}

/// A long register: the table's header repeats on every page, pages are
/// numbered "Trang x/y", a line taller than a page continues on the
/// next, and every line is there.
#[test]
fn a_long_register_repeats_its_header_and_numbers_its_pages() {
    if !have("pdftotext") || !have("qpdf") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<RegisterLine> = (1..=120)
        .map(|i| line(i, "Sở Tài chính; Sở Y tế".into()))
        .collect();
    // One line with a summary of 150 items: taller than a page.
    lines[60].type_and_subject = (1..=150)
        .map(|i| format!("Kế hoạch của Ủy ban nhân dân xã số {i}"))
        .collect::<Vec<_>>()
        .join("; ");
    for direction in [Direction::Out, Direction::In] {
        let r = register_pdf("Ủy ban nhân dân tỉnh Ninh Bình", direction, 2026, &lines).unwrap();
        assert_eq!(r.signature.page, 1);
        let path = dir.path().join("register.pdf");
        std::fs::write(&path, &r.pdf).unwrap();
        run("qpdf", &["--check", s(&path)]);
        assert!(r.pages >= 5, "{direction:?}: {} pages", r.pages);
        let first_col = match direction {
            Direction::Out => "Số, ký hiệu",
            Direction::In => "Ngày đến",
        };
        for p in 1..=r.pages {
            let ps = p.to_string();
            let t = run(
                "pdftotext",
                &["-layout", "-f", &ps, "-l", &ps, s(&path), "-"],
            );
            assert!(t.contains(first_col), "page {p}: {t}");
            assert!(t.contains("(10)"), "page {p}");
            assert!(
                t.contains(&format!("Trang {p}/{}", r.pages)),
                "page {p}: {t}"
            );
        }
        let all = run("pdftotext", &[s(&path), "-"]);
        let all = all.split_whitespace().collect::<Vec<_>>().join(" ");
        for i in [1, 61, 120] {
            assert!(all.contains(&format!("{i:02}/QĐ-UBND")), "{i}");
        }
        assert!(all.contains("Ủy ban nhân dân xã số 150"), "{all}");
        // The signature's box is free: nothing is written there.
        for w in words(&path) {
            assert!(!overlaps(&w, &r.signature, 595.28), "{w:?}");
        }
    }
    let empty = register_pdf("Sở Y tế", Direction::In, 2026, &[]).unwrap();
    assert_eq!(empty.pages, 1);
}

/// Scans made by Ghostscript's image devices (each page one image at
/// the given resolution): 150 dpi is flagged, 300 dpi is not, a gray
/// scan is flagged as not in colour; the scan goes on through sealing
/// and issuing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_under_200_dpi_or_without_colour_are_flagged() {
    if !have("gs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("paper.pdf");
    std::fs::write(&src, draft_pdf(&sample(2)).unwrap().pdf).unwrap();
    let scan = |device: &str, dpi: u32| -> std::path::PathBuf {
        let out = dir.path().join(format!("scan-{device}-{dpi}.pdf"));
        run(
            "gs",
            &[
                "-q",
                "-dSAFER",
                "-dBATCH",
                "-dNOPAUSE",
                &format!("-sDEVICE={device}"),
                &format!("-r{dpi}"),
                &format!("-sOutputFile={}", s(&out)),
                s(&src),
            ],
        );
        out
    };
    let low = scan("pdfimage24", 150);
    let good = scan("pdfimage24", 300);
    let gray = scan("pdfimage8", 300);
    use kyso_office::scan::{scan_resolution, scan_warnings};
    let dpi = scan_resolution(&low).unwrap().unwrap();
    assert!((dpi - 150.0).abs() < 1.0, "{dpi}");
    let dpi = scan_resolution(&good).unwrap().unwrap();
    assert!((dpi - 300.0).abs() < 1.0, "{dpi}");
    // A born-digital PDF has no scanned page.
    assert_eq!(scan_resolution(&src).unwrap(), None);
    assert!(scan_warnings(&good).is_empty());
    let gw = scan_warnings(&gray);
    assert!(gw.len() == 1 && gw[0].contains("not in colour"), "{gw:?}");

    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let upload = |path: &Path| {
            let mut n = draft(&w, Flow::Seal, "Thông báo kết luận cuộc họp");
            n.attachments.clear();
            n.metadata.type_code = "TB".into();
            n.metadata.layout = None;
            n.main.bytes = Bytes::from(std::fs::read(path).unwrap());
            n
        };
        let d = o.create_draft(&w.clerk, upload(&low), None).await.unwrap();
        assert_eq!(d.warnings.len(), 1, "{backend}: {:?}", d.warnings);
        assert!(d.warnings[0].contains("150 dpi"), "{:?}", d.warnings);
        // The warning stays in the audit entry of the creation.
        let log = o
            .audit_log(
                &w.admin,
                kyso_store::AuditFilter {
                    agency_id: Some(w.sender),
                    action_prefix: Some("document.create".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            log.iter().any(|e| e.event.object_id == d.id.to_string()
                && e.event
                    .detail
                    .as_deref()
                    .is_some_and(|x| x.contains("150 dpi"))),
            "{backend}: {log:?}"
        );
        let d = o.create_draft(&w.clerk, upload(&good), None).await.unwrap();
        assert!(d.warnings.is_empty(), "{backend}: {:?}", d.warnings);
        let d = o.number_and_seal(&w.clerk, d.id).await.unwrap();
        let d = o.issue(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.state, State::Issued, "{backend}");
        let inbox = o.inbox(&w.clerk_a, &Default::default()).await.unwrap();
        assert_eq!(inbox[0].verification, "TOTAL-PASSED", "{backend}");
    }
}
