//! The Vietnamese signature appearances end to end (DESIGN §5): person,
//! organization (seal over the approver), attachment and copy, on PDFs
//! made by Ghostscript; each signature checked by qpdf, pdfsig and
//! pyHanko, the text read back with pdftotext, the page rendered with
//! pdftoppm and its pixels counted, the widget rectangles read with lopdf.
// Tests read their own trusted outputs whole with lopdf (clippy.toml bans it in the code).
#![allow(clippy::disallowed_methods)]
mod common;

use std::path::Path;

use common::appearance::*;
use common::lab::*;
use common::*;

/// A decision page written in PostScript with a standard font, so that
/// `--anchor` has to read text another tool laid out.
const DECISION_PS: &str = "%!PS
<< /PageSize [595 842] >> setpagedevice
/Times-Bold findfont 13 scalefont setfont
72 780 moveto (UY BAN NHAN DAN TINH NINH BINH) show
/Times-Roman findfont 13 scalefont setfont
72 700 moveto (QUYET DINH ve viec ban hanh quy che van thu) show
72 680 moveto (Dieu 1. Ban hanh kem theo Quyet dinh nay Quy che.) show
/Times-Bold findfont 13 scalefont setfont
360 330 moveto (CHU TICH) show
360 200 moveto (Nguyen Van An) show
showpage
";

fn gs(dir: &Path, args: &[&str]) {
    let (ok, t) = run_in(dir, "gs", args);
    assert!(ok, "gs {args:?}: {t}");
}

#[test]
fn vietnamese_appearances_are_painted_placed_and_valid() {
    let Some(lab) = Lab::start() else {
        return;
    };
    for tool in ["gs", "pdftoppm", "pdftotext", "pdffonts"] {
        if !have(tool) {
            assert!(
                std::env::var("KYSO_REQUIRE_PEERS").is_err(),
                "{tool} is required"
            );
            eprintln!("NOTE: {tool} not found, appearance test skipped");
            return;
        }
    }
    let d = &lab.d;
    let dir = d.dir.path().to_path_buf();
    let peers = &lab.peers;
    std::fs::write(d.path("decision.ps"), DECISION_PS).unwrap();
    gs(
        &dir,
        &[
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=pdfwrite",
            "-o",
            "decision.pdf",
            "decision.ps",
        ],
    );
    std::fs::write(d.path("sig.png"), specimen_png()).unwrap();
    // A 40 mm seal at 300 dpi: 472 px, 113.4 pt.
    std::fs::write(d.path("seal.png"), seal_png(472, 300.0)).unwrap();
    let (rsa, ec) = (s(&lab.rsa).to_string(), s(&lab.ec).to_string());
    let sign = |input: &str, out: &str, key: &str, extra: &[&str]| -> String {
        let mut args = vec!["sign", input, "-o", out, "--p12", key];
        args.extend_from_slice(extra);
        let o = kyso_env(d, &args);
        assert!(o.status.success(), "kyso {args:?}: {}", text(&o));
        text(&o)
    };
    let p = |n: &str| d.path(n).to_str().unwrap().to_string();

    // 1. The approver: specimen image above "Nguyen Van An" (gs text).
    let t = sign(
        &p("decision.pdf"),
        &p("person.pdf"),
        &rsa,
        &[
            "--as",
            "person",
            "--signature-image",
            &p("sig.png"),
            "--anchor",
            "Nguyen Van An",
        ],
    );
    assert!(t.contains("found 'Nguyen Van An' on page 1"), "{t}");
    peers.all_valid(&d.path("person.pdf"), 1, false);
    let w = signature_widgets(&d.path("person.pdf"), 1);
    assert_eq!(w.len(), 1, "{w:?}");
    let person = w[0].1;
    // Above the name's baseline (y 200, 13 pt) and across it (x 360 …).
    assert!(person[1] >= 212.0 && person[1] < 230.0, "{person:?}");
    assert!(person[0] < 380.0 && person[2] > 420.0, "{person:?}");
    let txt = pdftotext(&dir, &d.path("person.pdf"));
    for want in [
        "Nguyễn Văn An",
        "+07:00",
        "rsa@ninhbinh.gov.vn",
        "Thời gian ký: 20",
    ] {
        assert!(txt.contains(want), "pdftotext lacks {want:?}: {txt}");
    }
    let page = render(&dir, &d.path("person.pdf"), 1);
    let (blue, _) = page.count(person, is_blue);
    assert!(blue > 800, "blue pixels of the specimen: {blue}");
    let (blue_out, _) = page.count([0.0, 0.0, 595.0, person[1] - 2.0], is_blue);
    assert_eq!(blue_out, 0, "nothing blue below the box");

    // 2. The seal (EC key) over the left third of the approver's image.
    let t = sign(
        &p("person.pdf"),
        &p("sealed.pdf"),
        &ec,
        &[
            "--as",
            "organization",
            "--seal-image",
            &p("seal.png"),
            "--anchor",
            "Nguyen Van An",
        ],
    );
    assert!(!t.contains("pHYs"), "the seal has a resolution: {t}");
    peers.all_valid(&d.path("sealed.pdf"), 2, false);
    let w = signature_widgets(&d.path("sealed.pdf"), 1);
    assert_eq!(w.len(), 2, "{w:?}");
    let seal = w[1].1;
    assert!(
        overlap(seal, person),
        "seal {seal:?} over person {person:?}"
    );
    let third = person[0] + (person[2] - person[0]) / 3.0;
    assert!(
        (seal[2] - third).abs() < 1.0 && seal[0] < person[0],
        "{seal:?} {person:?}"
    );
    let page = render(&dir, &d.path("sealed.pdf"), 1);
    // The image part of the box (its top, real size high); text is below.
    let real = 472.0 * 72.0 / 300.0;
    let (red, bb) = page.count([seal[0], seal[3] - real - 0.5, seal[2], seal[3]], is_red);
    assert!(red > 2000, "red seal pixels: {red}");
    assert!(
        ((bb[2] - bb[0]) - real).abs() <= 2.0 && ((bb[3] - bb[1]) - real).abs() <= 2.5,
        "seal rendered {bb:?}, real size {real} pt"
    );
    let txt = pdftotext(&dir, &d.path("sealed.pdf"));
    for want in ["UBND tỉnh Ninh Bình", "Trần Thị Bình", "ec@ninhbinh.gov.vn"] {
        assert!(txt.contains(want), "pdftotext lacks {want:?}: {txt}");
    }

    // 3. A second approver at the very same box is moved off the first.
    let r = format!("{},{},{},{}", person[0], person[1], person[2], person[3]);
    let t = sign(
        &p("sealed.pdf"),
        &p("third.pdf"),
        &rsa,
        &["--as", "person", "--page", "1", "--rect", &r],
    );
    assert!(t.contains("moved"), "{t}");
    let w = signature_widgets(&d.path("third.pdf"), 1);
    assert_eq!(w.len(), 3);
    assert!(
        !overlap(w[2].1, w[0].1) && !overlap(w[2].1, w[1].1),
        "{w:?}"
    );
    // The RSA certificate signs twice here: pdfsig's NSS check of the same
    // certificate a second time says "Unknown issue", so count validity only.
    peers.qpdf_check(&d.path("third.pdf"));
    let t = peers.pdfsig(&d.path("third.pdf"));
    assert_eq!(t.matches("Signature is Valid.").count(), 3, "{t}");

    // 4. Attachment: number and time, top right, black, 10 pt.
    sign(
        &p("decision.pdf"),
        &p("attachment.pdf"),
        &ec,
        &[
            "--as",
            "attachment",
            "--number",
            "123/QĐ-UBND",
            "--tsa",
            &lab.tsa,
        ],
    );
    peers.all_valid(&d.path("attachment.pdf"), 1, true);
    let w = signature_widgets(&d.path("attachment.pdf"), 1);
    let att = w[0].1;
    assert!(att[2] > 480.0 && att[3] > 760.0, "top right: {att:?}");
    let txt = pdftotext(&dir, &d.path("attachment.pdf"));
    assert!(txt.contains("Số, ký hiệu: 123/QĐ-UBND"), "{txt}");
    let page = render(&dir, &d.path("attachment.pdf"), 1);
    let (dark, _) = page.count(att, is_dark);
    let (blue, _) = page.count(att, is_blue);
    assert!(
        dark > 150 && blue == 0,
        "black text: {dark} dark, {blue} blue"
    );

    // 5. Electronic copy.
    sign(
        &p("decision.pdf"),
        &p("copy.pdf"),
        &ec,
        &["--as", "copy", "--copy-form", "SAO Y"],
    );
    peers.all_valid(&d.path("copy.pdf"), 1, false);
    let txt = pdftotext(&dir, &d.path("copy.pdf"));
    for want in ["SAO Y", "UBND tỉnh Ninh Bình", "+07:00"] {
        assert!(txt.contains(want), "pdftotext lacks {want:?}: {txt}");
    }
    let fonts = run_in(&dir, "pdffonts", &[&p("copy.pdf")]).1;
    assert!(
        fonts.contains("LiberationSerif") && fonts.contains("CID TrueType"),
        "{fonts}"
    );

    // 6. PDF/A-2 input: every font embedded, no unembedded Helvetica.
    gs(
        &dir,
        &[
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-dPDFA=2",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            "-sDEVICE=pdfwrite",
            "-o",
            "pdfa2.pdf",
            "decision.pdf",
        ],
    );
    sign(
        &p("pdfa2.pdf"),
        &p("pdfa2-signed.pdf"),
        &rsa,
        &[
            "--as",
            "person",
            "--signature-image",
            &p("sig.png"),
            "--anchor",
            "Nguyen Van An",
        ],
    );
    peers.all_valid(&d.path("pdfa2-signed.pdf"), 1, false);
    let fonts = run_in(&dir, "pdffonts", &[&p("pdfa2-signed.pdf")]).1;
    assert!(fonts.contains("LiberationSerif"), "{fonts}");
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let emb = cols.iter().rev().nth(4).copied();
        assert_eq!(emb, Some("yes"), "not embedded: {line}\n{fonts}");
    }
    assert!(!fonts.contains("Helvetica"), "{fonts}");

    // 7. PDF/A-1 input: the specimen's alpha is flattened, no /SMask added.
    gs(
        &dir,
        &[
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-dPDFA=1",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            "-sDEVICE=pdfwrite",
            "-o",
            "pdfa1.pdf",
            "decision.pdf",
        ],
    );
    let t = sign(
        &p("pdfa1.pdf"),
        &p("pdfa1-signed.pdf"),
        &rsa,
        &[
            "--as",
            "person",
            "--signature-image",
            &p("sig.png"),
            "--anchor",
            "Nguyen Van An",
        ],
    );
    assert!(t.contains("PDF/A-1"), "{t}");
    let doc = lopdf::Document::load(d.path("pdfa1-signed.pdf")).unwrap();
    assert!(
        !doc.objects
            .values()
            .any(|o| o.as_stream().is_ok_and(|s| s.dict.has(b"SMask"))),
        "no soft mask in a PDF/A-1 file"
    );
    peers.all_valid(&d.path("pdfa1-signed.pdf"), 1, false);

    // 8. Refusals: a broken PNG, an unknown copy form, an absent anchor;
    // the output is never written.
    std::fs::write(d.path("bad.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let (bad, input, refused) = (p("bad.png"), p("decision.pdf"), p("refused.pdf"));
    for (extra, want) in [
        (
            vec![
                "--as",
                "person",
                "--signature-image",
                &bad,
                "--anchor",
                "Nguyen Van An",
            ],
            "PNG",
        ),
        (vec!["--as", "copy", "--copy-form", "BẢN CHỤP"], "copy form"),
        (
            vec!["--as", "person", "--anchor", "Không có tên này"],
            "not found",
        ),
        (vec!["--as", "attachment"], "--number"),
    ] {
        let mut args = vec!["sign", &input, "-o", &refused, "--p12", &ec];
        args.extend_from_slice(&extra);
        let o = lab.kyso(&args);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(text(&o).contains(want), "{args:?}: {}", text(&o));
        assert!(!d.path("refused.pdf").exists());
    }
}
