//! The published attacks on PDF signatures (Mladenov et al. 2019, Mainka
//! et al. 2021 "shadow attacks", Rohlmann et al. "evil annotations"),
//! each built from a file pyHanko signed validly: kyso's verdict must not
//! be TOTAL-PASSED and must give the specific reason. pyHanko's verdict
//! is printed beside kyso's (and must agree where pyHanko detects the
//! class).
mod common;

use lopdf::{dictionary, Object, Stream};

use common::lab::*;
use common::verify::*;

/// The `/ByteRange [...]` array of the first signature: (start, end) of
/// the text between the brackets.
fn byte_range_span(b: &[u8]) -> (usize, usize) {
    let p = find(b, b"/ByteRange").unwrap();
    let open = p + find(&b[p..], b"[").unwrap() + 1;
    let close = open + find(&b[open..], b"]").unwrap();
    (open, close)
}

fn byte_range(b: &[u8]) -> Vec<usize> {
    let (o, c) = byte_range_span(b);
    std::str::from_utf8(&b[o..c])
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect()
}

/// Rewrites the ByteRange numbers in place (same width; spaces pad).
fn set_byte_range(b: &mut [u8], values: &str) -> bool {
    let (o, c) = byte_range_span(b);
    if values.len() > c - o {
        return false;
    }
    let mut v = values.as_bytes().to_vec();
    v.resize(c - o, b' ');
    b[o..c].copy_from_slice(&v);
    true
}

#[test]
fn attacks_are_not_total_passed() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let d = &lab.d;
    let dir = lab.peers.dir.clone();
    std::fs::write(d.path("plain.pdf"), hand_pdf()).unwrap();
    let (ok, t) = common::run_in(
        &dir,
        "qpdf",
        &["--object-streams=generate", "plain.pdf", "plain2.pdf"],
    );
    assert!(ok, "{t}");
    if pyhanko_sign(
        &lab,
        &[
            "bb:plain.pdf:bb.pdf",
            "bb:plain2.pdf:other.pdf",
            "certify2:plain.pdf:cert2.pdf",
            "certify3:plain.pdf:cert3.pdf",
            "certify1:plain.pdf:cert1.pdf",
        ],
    )
    .is_none()
    {
        return;
    }
    let bb = std::fs::read(d.path("bb.pdf")).unwrap();
    let br = byte_range(&bb);
    let (a, b, c) = (br[1], br[2], br[3]);
    let mut attacks: Vec<(&str, Vec<u8>, &[&str], &str)> = Vec::new();

    // --- Universal signature forgery: ByteRange manipulations.
    let mut f = bb.clone();
    assert!(set_byte_range(&mut f, &format!("0 {a} {b} {}", c - 20)));
    attacks.push((
        "usf-byterange-not-whole-revision",
        f,
        &["FORMAT_FAILURE"],
        "not the end of a revision",
    ));
    let mut f = bb.clone();
    // One byte more than the file holds.
    assert!(set_byte_range(&mut f, &format!("0 {a} {b} {}", c + 1)));
    attacks.push((
        "usf-byterange-outside-file",
        f,
        &["FORMAT_FAILURE"],
        "beyond the end of the file",
    ));
    let mut f = bb.clone();
    if set_byte_range(&mut f, &format!("0 {a} /B {c}")) {
        attacks.push((
            "usf-byterange-not-integer",
            f,
            &["FORMAT_FAILURE"],
            "not an integer",
        ));
    }
    let mut f = bb.clone();
    if set_byte_range(&mut f, &format!("0 {a} {b} {c} 0 0")) {
        attacks.push((
            "usf-byterange-extra-ranges",
            f,
            &["FORMAT_FAILURE"],
            "6 numbers instead of 4",
        ));
    }
    let mut f = bb.clone();
    assert!(set_byte_range(&mut f, &format!("0 {a} {b}")));
    attacks.push((
        "usf-byterange-three-numbers",
        f,
        &["FORMAT_FAILURE"],
        "3 numbers instead of 4",
    ));
    let mut f = bb.clone();
    assert!(set_byte_range(&mut f, &format!("0 {} {} {}", a + 2, b, c)));
    attacks.push((
        "usf-byterange-contents-moved",
        f,
        &["FORMAT_FAILURE"],
        "gap is not the hex /Contents string",
    ));
    // Overlapping ranges: the second range starts inside /Contents. Its
    // numbers need more digits than pyHanko left room for when they do not
    // fit; then the overlap is made with the first range reaching into it.
    let mut f = bb.clone();
    if !set_byte_range(&mut f, &format!("0 {a} {} {}", a, b + c - a)) {
        assert!(set_byte_range(&mut f, &format!("0 {} {b} {c}", a + 10)));
    }
    attacks.push((
        "usf-byterange-overlap",
        f,
        &["FORMAT_FAILURE"],
        "/ByteRange",
    ));

    // --- Contents manipulations.
    let mut f = bb.clone();
    f[a + 1..b - 1].fill(b'0');
    attacks.push((
        "usf-contents-empty",
        f,
        &["FORMAT_FAILURE"],
        "empty (all zeros)",
    ));
    let mut f = bb.clone();
    f[a + 1..a + 1 + 16].copy_from_slice(b"3082FFFFDEADBEEF");
    attacks.push((
        "usf-contents-garbage",
        f,
        &["FORMAT_FAILURE"],
        "malformed CMS",
    ));
    let mut f = bb.clone();
    let k = find(&f, b"/Contents <").unwrap();
    f[k..k + 9].copy_from_slice(b"/Contentz");
    attacks.push((
        "usf-contents-key-renamed",
        f,
        &["FORMAT_FAILURE"],
        "has no /Contents",
    ));
    let other = std::fs::read(d.path("other.pdf")).unwrap();
    let obr = byte_range(&other);
    let other_hex = &other[obr[1] + 1..obr[2] - 1];
    let mut f = bb.clone();
    let n = other_hex.len().min(b - a - 2);
    f[a + 1..b - 1].fill(b'0');
    f[a + 1..a + 1 + n].copy_from_slice(&other_hex[..n]);
    attacks.push((
        "usf-contents-other-document",
        f,
        &["HASH_FAILURE"],
        "message digest mismatch",
    ));

    // --- Signature wrapping: objects hidden in the /Contents gap (the
    //     zero padding replaced by a new object and an end of string).
    let mut f = bb.clone();
    let junk = b"> 99 0 obj << /Type /Catalog >> endobj <";
    let at = b - 1 - junk.len() - 10;
    f[at..at + junk.len()].copy_from_slice(junk);
    // The signature dictionary no longer parses: it is still listed, as a
    // signature with a format failure saying so (not "no signature").
    attacks.push((
        "wrapping-objects-in-gap",
        f,
        &["FORMAT_FAILURE"],
        "cannot be parsed",
    ));

    // --- Incremental saving attacks.
    let out = d.path("isa.pdf");
    let isa = |name: &'static str,
               base: &str,
               code: &'static str,
               edit: &dyn Fn(&mut lopdf::IncrementalDocument)| {
        incremental(&d.path(base), &out, |doc| edit(doc));
        (name, std::fs::read(&out).unwrap(), code)
    };
    let mut more = Vec::new();
    more.push(isa("isa-page-content", "bb.pdf", "page-changed", &|doc| {
        let page = first_page(doc);
        let content = doc.new_document.add_object(Stream::new(
            dictionary! {},
            b"BT /F1 24 Tf 72 700 Td (PAID 1000000 VND) Tj ET".to_vec(),
        ));
        doc.opt_clone_object_to_new_document(page).unwrap();
        let p = doc
            .new_document
            .get_object_mut(page)
            .unwrap()
            .as_dict_mut()
            .unwrap();
        p.set("Contents", Object::Reference(content));
    }));
    more.push(isa("isa-add-page", "bb.pdf", "pages-changed", &|doc| {
        let page = first_page(doc);
        let pages = doc.get_prev_documents().get_object(page).unwrap().as_dict().unwrap().get(b"Parent").unwrap().as_reference().unwrap();
        let content = doc.new_document.add_object(Stream::new(dictionary! {}, b"BT /F1 24 Tf 72 700 Td (Extra page) Tj ET".to_vec()));
        let new_page = doc.new_document.add_object(dictionary! {"Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()], "Contents" => content});
        doc.opt_clone_object_to_new_document(pages).unwrap();
        let p = doc.new_document.get_object_mut(pages).unwrap().as_dict_mut().unwrap();
        let mut kids = p.get(b"Kids").unwrap().as_array().unwrap().clone();
        kids.push(new_page.into());
        let count = kids.len() as i64;
        p.set("Kids", kids);
        p.set("Count", count);
    }));
    more.push(isa(
        "isa-catalog-openaction",
        "bb.pdf",
        "catalog-changed",
        &|doc| {
            let root = doc
                .get_prev_documents()
                .trailer
                .get(b"Root")
                .unwrap()
                .as_reference()
                .unwrap();
            let js = doc.new_document.add_object(
                dictionary! {"S" => "JavaScript", "JS" => Object::string_literal("app.alert('x')")},
            );
            doc.opt_clone_object_to_new_document(root).unwrap();
            let c = doc
                .new_document
                .get_object_mut(root)
                .unwrap()
                .as_dict_mut()
                .unwrap();
            c.set("OpenAction", js);
        },
    ));
    // --- Shadow attacks: replace (the signed content stream object
    //     overridden), hide (optional content switched off), and
    //     hide-and-replace (the page's resources swapped).
    more.push(isa(
        "shadow-replace-content-object",
        "bb.pdf",
        "object-changed",
        &|doc| {
            let page = first_page(doc);
            let prev = doc.get_prev_documents();
            let cid = prev
                .get_object(page)
                .unwrap()
                .as_dict()
                .unwrap()
                .get(b"Contents")
                .unwrap()
                .as_reference()
                .unwrap();
            doc.new_document.set_object(
                cid,
                Stream::new(
                    dictionary! {},
                    b"BT /F1 24 Tf 72 700 Td (Replaced) Tj ET".to_vec(),
                ),
            );
        },
    ));
    more.push(isa("shadow-hide-optional-content", "bb.pdf", "catalog-changed", &|doc| {
        let root = doc.get_prev_documents().trailer.get(b"Root").unwrap().as_reference().unwrap();
        let ocg = doc.new_document.add_object(dictionary! {"Type" => "OCG", "Name" => Object::string_literal("overlay")});
        doc.opt_clone_object_to_new_document(root).unwrap();
        let c = doc.new_document.get_object_mut(root).unwrap().as_dict_mut().unwrap();
        c.set("OCProperties", dictionary! {"OCGs" => vec![ocg.into()], "D" => dictionary! {"OFF" => vec![ocg.into()]}});
    }));
    more.push(isa(
        "shadow-hide-and-replace-resources",
        "bb.pdf",
        "page-changed",
        &|doc| {
            let page = first_page(doc);
            let font = doc.new_document.add_object(
                dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Symbol"},
            );
            doc.opt_clone_object_to_new_document(page).unwrap();
            let p = doc
                .new_document
                .get_object_mut(page)
                .unwrap()
                .as_dict_mut()
                .unwrap();
            p.set(
                "Resources",
                dictionary! {"Font" => dictionary! {"F1" => font}},
            );
        },
    ));
    // --- Evil annotations: a FreeText / Stamp painting over the content.
    //     Under DocMDP P=1 and P=2 they are not allowed; without
    //     certification and under P=3 annotations are allowed (issue 9 §2,
    //     as ISO 32000 says of P3) and reported with what they cover.
    let mut reported = Vec::new();
    for (name, base, subtype) in [
        ("evil-annotation-freetext", "bb.pdf", "FreeText"),
        ("evil-annotation-stamp-p2", "cert2.pdf", "Stamp"),
        ("evil-annotation-freetext-p3", "cert3.pdf", "FreeText"),
        ("evil-annotation-freetext-p1", "cert1.pdf", "FreeText"),
    ] {
        let list = if name.ends_with("-p1") || name.ends_with("-p2") {
            &mut more
        } else {
            &mut reported
        };
        list.push(isa(name, base, "annotation-added", &|doc| {
            let page = first_page(doc);
            let ap = doc.new_document.add_object(Stream::new(
                dictionary! {"Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 500.into(), 100.into()]},
                b"1 1 1 rg 0 0 500 100 re f 0 0 0 rg BT /Helv 20 Tf 10 40 Td (Overlay) Tj ET".to_vec(),
            ));
            let annot = doc.new_document.add_object(dictionary! {
                "Type" => "Annot", "Subtype" => subtype,
                "Rect" => vec![50.into(), 650.into(), 550.into(), 750.into()],
                "AP" => dictionary! {"N" => ap},
            });
            doc.opt_clone_object_to_new_document(page).unwrap();
            let p = doc.new_document.get_object_mut(page).unwrap().as_dict_mut().unwrap();
            let mut annots = p.get(b"Annots").ok().and_then(|a| a.as_array().ok()).cloned().unwrap_or_default();
            annots.push(annot.into());
            p.set("Annots", annots);
        }));
    }

    let mut failures = Vec::new();
    // `code`: the modification code of a DISALLOWED_MODIFICATION, else a
    // fragment the English message must hold (the specific reason).
    let mut check = |name: &str, bytes: Vec<u8>, subs: &[&str], code: &str| {
        let f = d.path(&format!("attack-{name}.pdf"));
        std::fs::write(&f, bytes).unwrap();
        let (exit, v) = verify_json(&lab, &f, &[]);
        let (ind, sub) = verdict(&v, 0);
        let msg = v["signatures"][0]["message_en"].as_str().unwrap_or("");
        let pyhanko = lab.peers.pyhanko(&f).map(|(ok, _)| ok);
        eprintln!("{name}: kyso {ind}/{sub} (exit {exit}): {msg}; pyHanko valid: {pyhanko:?}");
        let mods = v["signatures"][0]["modifications"].to_string();
        let ok = ind != "TOTAL-PASSED"
            && exit != 0
            && v["signatures"].as_array().is_some_and(|a| a.len() == 1)
            && subs.contains(&sub.as_str())
            && if sub == "DISALLOWED_MODIFICATION" {
                mods.contains(&format!("\"code\":\"{code}\""))
            } else {
                msg.contains(code)
            };
        if !ok {
            failures.push(format!("{name}: {v:#}"));
        }
    };
    for (name, bytes, subs, code) in attacks {
        check(name, bytes, subs, code);
    }
    for (name, bytes, code) in more {
        check(name, bytes, &["DISALLOWED_MODIFICATION"], code);
    }
    // Allowed, and reported: kind, page, rectangle and the signed content
    // it covers, as a change and as a warning.
    for (name, bytes, _) in reported {
        let f = d.path(&format!("attack-{name}.pdf"));
        std::fs::write(&f, bytes).unwrap();
        let (exit, v) = verify_json(&lab, &f, &[]);
        let sig = &v["signatures"][0];
        let m = sig["modifications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["code"] == "annotation-added")
            .cloned()
            .unwrap_or_default();
        eprintln!(
            "{name}: kyso {} (exit {exit}): {}",
            sig["indication"], sig["warnings"]
        );
        let ok = exit == 0
            && m["allowed"] == true
            && m["page"] == 1
            && m["rect"].is_array()
            && m["covers"].is_array()
            && sig["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w.as_str().unwrap_or("").contains("covering signed content"));
        if !ok {
            failures.push(format!("{name} (not reported): {v:#}"));
        }
    }
    assert!(
        failures.is_empty(),
        "attacks not caught:\n{}",
        failures.join("\n")
    );

    // The unmodified bases pass (the attacks are what changes the verdict).
    for base in ["bb.pdf", "cert2.pdf", "cert3.pdf", "cert1.pdf"] {
        let (code, v) = verify_json(&lab, &d.path(base), &[]);
        assert_eq!(code, 0, "{base}: {v:#}");
    }
}
