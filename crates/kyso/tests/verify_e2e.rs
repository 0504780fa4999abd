//! `kyso verify` end to end on PAdES files made by pyHanko (B-B, B-T with
//! kyso's TSA, B-LT, B-LTA, a certification signature followed by an
//! approval signature, a document time-stamp), on kyso's own signatures,
//! on tampered copies, and on detached CMS made by `openssl cms`. pyHanko
//! gives its own verdict beside kyso's.
mod common;

use common::lab::*;
use common::verify::*;
use common::*;

#[test]
fn kyso_verify_agrees_with_pyhanko() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let d = &lab.d;
    std::fs::write(d.path("plain.pdf"), hand_pdf()).unwrap();
    if pyhanko_sign(
        &lab,
        &[
            "bb:plain.pdf:bb.pdf",
            "bt:plain.pdf:bt.pdf",
            "blt:plain.pdf:blt.pdf",
            "blta:plain.pdf:blta.pdf",
            "certify2:plain.pdf:cert.pdf",
            "approve:cert.pdf:cert-approve.pdf",
            "bb:bb.pdf:two.pdf",
            "doc-ts:plain.pdf:docts.pdf",
            "leafonly:plain.pdf:leaf.pdf",
            "leafdup:plain.pdf:leafdup.pdf",
        ],
    )
    .is_none()
    {
        return;
    }
    // kyso's own B-T signature.
    lab.kyso_ok(&[
        "sign",
        s(&d.path("plain.pdf")),
        "-o",
        s(&d.path("kyso-bt.pdf")),
        "--p12",
        s(&lab.rsa),
        "--tsa",
        &lab.tsa,
    ]);

    let cases: &[(&str, usize, &[&str])] = &[
        ("bb.pdf", 1, &["B-B"]),
        ("bt.pdf", 1, &["B-T"]),
        ("blt.pdf", 1, &["B-LT"]),
        ("blta.pdf", 2, &["B-LTA"]),
        ("cert.pdf", 1, &["B-B"]),
        ("cert-approve.pdf", 2, &["B-B", "B-T"]),
        ("two.pdf", 2, &["B-B", "B-B"]),
        ("docts.pdf", 1, &[]),
        ("kyso-bt.pdf", 1, &["B-T"]),
    ];
    for (name, n, levels) in cases {
        let f = d.path(name);
        let (ok, t) = lab.peers.pyhanko(&f).unwrap();
        assert!(ok, "pyhanko on {name}: {t}");
        let (code, v) = verify_json(&lab, &f, &[]);
        assert_eq!(code, 0, "kyso verify {name}: {v:#}");
        assert_eq!(v["indication"], "TOTAL-PASSED", "{name}: {v:#}");
        let sigs = v["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), *n, "{name}: {v:#}");
        for (i, level) in levels.iter().enumerate() {
            assert_eq!(sigs[i]["level"], *level, "{name} #{i}: {v:#}");
        }
        for sig in sigs {
            assert_eq!(sig["integrity"], true);
            assert!(sig["signer"]["subject"].as_str().unwrap().contains("CN="));
            assert!(sig["issuer"].as_str().unwrap().contains("CN="));
            assert!(sig["validation_time"].as_str().unwrap().ends_with("+07:00"));
        }
    }
    // The certification signature is reported with its level and the
    // approval signature as an allowed change.
    let (_, v) = verify_json(&lab, &d.path("cert-approve.pdf"), &[]);
    assert_eq!(v["signatures"][0]["doc_mdp"], 2);
    assert_eq!(v["signatures"][0]["managing_unit"], "UBND tỉnh Ninh Bình");
    let mods = v["signatures"][0]["modifications"].as_array().unwrap();
    assert!(mods.iter().all(|m| m["allowed"] == true), "{v:#}");
    assert!(
        mods.iter().any(|m| m["code"] == "signature-field-added"),
        "{v:#}"
    );
    // Document time-stamp kind.
    let (_, v) = verify_json(&lab, &d.path("docts.pdf"), &[]);
    assert_eq!(v["signatures"][0]["kind"], "document-timestamp");

    // Without the trust anchor: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.
    let o = std::process::Command::new(KYSO)
        .args([
            "--data",
            s(&d.path("nowhere")),
            "verify",
            s(&d.path("bb.pdf")),
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        verdict(&v, 0),
        ("INDETERMINATE".into(), "NO_CERTIFICATE_CHAIN_FOUND".into())
    );

    // Tampered copies: one byte of the page content changed.
    for name in ["bb.pdf", "bt.pdf", "blta.pdf", "kyso-bt.pdf"] {
        let mut bytes = std::fs::read(d.path(name)).unwrap();
        let p = find(&bytes, b"BT").expect("page content");
        bytes[p + 3] ^= 0x01;
        let t = d.path(&format!("tampered-{name}"));
        std::fs::write(&t, &bytes).unwrap();
        let (ok, pt) = lab.peers.pyhanko(&t).unwrap();
        assert!(!ok, "pyhanko accepted tampered {name}: {pt}");
        let (code, v) = verify_json(&lab, &t, &[]);
        assert_eq!(code, 2, "{name}: {v:#}");
        assert_eq!(
            verdict(&v, 0),
            ("TOTAL-FAILED".into(), "HASH_FAILURE".into()),
            "{v:#}"
        );
    }

    // Offline, nothing embedded: the revocation status alone is unknown,
    // so INDETERMINATE / TRY_LATER with "unknown" (not false) validity;
    // integrity was checked and the path is shown with unknown rows.
    let (code, v) = verify_json(&lab, &d.path("bb.pdf"), &["--offline"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        verdict(&v, 0),
        ("INDETERMINATE".into(), "TRY_LATER".into()),
        "{v:#}"
    );
    let sig = &v["signatures"][0];
    assert_eq!(sig["certificate_valid_at_signing_time"], "unknown", "{v:#}");
    assert_eq!(sig["integrity"], true, "{v:#}");
    assert_eq!(sig["covers_whole_document"], true, "{v:#}");
    assert!(sig["chain"].as_array().unwrap().len() >= 2, "{v:#}");
    let rows = sig["revocation"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["status"] == "unknown"),
        "{v:#}"
    );
    let o = lab.kyso(&[
        "verify",
        s(&d.path("bb.pdf")),
        "--offline",
        "--trust",
        s(&lab.path("root.pem")),
        "--certs",
        s(&lab.path("issuing.pem")),
    ]);
    let t = text(&o);
    assert!(
        t.contains("Certificate valid at signing time: chưa xác định / unknown"),
        "{t}"
    );
    // Offline with the evidence embedded (B-LT): decided, TOTAL-PASSED.
    let (code, v) = verify_json(&lab, &d.path("blt.pdf"), &["--offline"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        v["signatures"][0]["certificate_valid_at_signing_time"],
        true
    );
    // A tampered file: integrity false, validity not evaluated (unknown).
    let mut bytes = std::fs::read(d.path("bb.pdf")).unwrap();
    let p = find(&bytes, b"BT").expect("page content");
    bytes[p + 3] ^= 0x01;
    std::fs::write(d.path("tampered-offline.pdf"), &bytes).unwrap();
    let (_, v) = verify_json(&lab, &d.path("tampered-offline.pdf"), &["--offline"]);
    assert_eq!(v["signatures"][0]["integrity"], false, "{v:#}");
    assert_eq!(
        v["signatures"][0]["certificate_valid_at_signing_time"], "unknown",
        "{v:#}"
    );

    // The issuing CA is neither in the file nor in the options: online it
    // is fetched from the signer certificate's AIA caIssuers URL (kyso
    // serve publishes it) and the report says from where; offline there
    // is no path.
    let (ok, t) = lab.peers.pyhanko(&d.path("leaf.pdf")).unwrap();
    assert!(ok, "pyhanko leaf.pdf: {t}");
    let (leaf, root) = (d.path("leaf.pdf"), lab.path("root.pem"));
    let leaf_args = |extra: &[&str]| {
        let mut a = vec!["verify", s(&leaf), "--trust", s(&root), "--json"];
        a.extend_from_slice(extra);
        let o = lab.kyso(&a);
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
        (o.status.code(), v)
    };
    let (code, v) = leaf_args(&[]);
    assert_eq!(code, Some(0), "{v:#}");
    let sig = &v["signatures"][0];
    let fetched = sig["fetched_certificates"].as_array().unwrap();
    assert_eq!(fetched.len(), 1, "{v:#}");
    assert!(
        fetched[0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pki/issuing.crt"),
        "{v:#}"
    );
    assert_eq!(fetched[0]["for_subject"], sig["signer"]["subject"], "{v:#}");
    assert_eq!(
        fetched[0]["certificate"]["subject"], sig["signer"]["issuer"],
        "{v:#}"
    );
    assert_eq!(sig["chain"].as_array().unwrap().len(), 3, "{v:#}");
    let (code, v) = leaf_args(&["--offline"]);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(
        verdict(&v, 0),
        ("INDETERMINATE".into(), "NO_CERTIFICATE_CHAIN_FOUND".into()),
        "{v:#}"
    );
    assert!(v["signatures"][0]["fetched_certificates"]
        .as_array()
        .unwrap()
        .is_empty());

    // A certificate listed twice in SignedData.certificates (X.690 allows
    // it; pyHanko does it) is no format failure.
    let (code, v) = verify_json(&lab, &d.path("leafdup.pdf"), &[]);
    assert_eq!(code, 0, "{v:#}");

    // Text and HTML forms.
    let o = lab.kyso(&[
        "verify",
        s(&d.path("bt.pdf")),
        "--trust",
        s(&lab.path("root.pem")),
    ]);
    let t = text(&o);
    assert!(
        t.contains("TOTAL-PASSED") && t.contains("Người ký / Signer"),
        "{t}"
    );
    let o = lab.kyso(&[
        "verify",
        s(&d.path("bt.pdf")),
        "--html",
        "--trust",
        s(&lab.path("root.pem")),
    ]);
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(t.starts_with("<!DOCTYPE html>") && t.contains("TOTAL-PASSED"));

    // --document-date mismatch is reported.
    let (_, v) = verify_json(&lab, &d.path("bt.pdf"), &["--document-date", "2001-01-01"]);
    let w = v["signatures"][0]["warnings"].to_string();
    assert!(w.contains("2001-01-01"), "{v:#}");
}

#[test]
fn detached_cms_from_openssl() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let dir = lab.peers.dir.clone();
    let d = &lab.d;
    std::fs::write(
        d.path("report.xlsx"),
        b"PK\x03\x04 b\xc3\xa1o c\xc3\xa1o / report".repeat(100),
    )
    .unwrap();
    // The key and certificate out of the PKCS#12.
    lab.openssl_key_files("rsa");
    for (extra, name) in [(&[][..], "plain.p7s"), (&["-cades"][..], "cades.p7s")] {
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-in",
            "report.xlsx",
            "-signer",
            "rsa.crt",
            "-inkey",
            "rsa.key",
            "-certfile",
            "issuing.pem",
            "-md",
            "sha256",
            "-out",
            name,
        ];
        args.extend_from_slice(extra);
        openssl(&dir, &args);
        let (code, v) = verify_json(
            &lab,
            &d.path("report.xlsx"),
            &["--signature", s(&d.path(name))],
        );
        assert_eq!(code, 0, "{name}: {v:#}");
        assert_eq!(v["format"], "cms-detached");
        assert_eq!(v["signatures"][0]["signer"]["common_name"], "Nguyễn Văn An");
        // openssl agrees.
        let (ok, t) = openssl_cms_verify(&dir, name, "report.xlsx");
        assert!(ok, "openssl cms -verify {name}: {t}");
    }
    // Signed attributes are verified over the signer's own bytes: the SET
    // members put out of DER order and re-signed with the key verify
    // (openssl agrees); put out of order without re-signing, they fail.
    let p7s = std::fs::read(d.path("plain.p7s")).unwrap();
    let (at, attrs_len, members) = signed_attribute_members(&p7s);
    assert!(
        members.len() >= 3,
        "openssl writes several signed attributes"
    );
    let mut reordered_attrs = vec![0x31];
    reordered_attrs.extend_from_slice(
        &p7s[at + 1..at + attrs_len - members.iter().map(Vec::len).sum::<usize>()],
    );
    for m in members.iter().rev() {
        reordered_attrs.extend_from_slice(m);
    }
    assert_eq!(reordered_attrs.len(), attrs_len);
    let mut swapped = p7s.clone();
    swapped[at + 1..at + attrs_len].copy_from_slice(&reordered_attrs[1..]);
    std::fs::write(d.path("attrs.der"), &reordered_attrs).unwrap();
    openssl(
        &dir,
        &[
            "dgst",
            "-sha256",
            "-sign",
            "rsa.key",
            "-out",
            "attrs.sig",
            "attrs.der",
        ],
    );
    let sig = std::fs::read(d.path("attrs.sig")).unwrap();
    let sig_at = signature_value_offset(&p7s, at + attrs_len);
    let mut resigned = swapped.clone();
    resigned[sig_at..sig_at + sig.len()].copy_from_slice(&sig);
    std::fs::write(d.path("resigned.p7s"), &resigned).unwrap();
    std::fs::write(d.path("swapped.p7s"), &swapped).unwrap();
    for (name, ok) in [("resigned.p7s", true), ("swapped.p7s", false)] {
        let (code, v) = verify_json(
            &lab,
            &d.path("report.xlsx"),
            &["--signature", s(&d.path(name))],
        );
        let (peer, t) = openssl_cms_verify(&dir, name, "report.xlsx");
        assert_eq!(peer, ok, "openssl cms -verify {name}: {t}");
        if ok {
            assert_eq!(code, 0, "{name}: {v:#}");
        } else {
            assert_eq!(code, 2, "{name}: {v:#}");
            assert_eq!(
                verdict(&v, 0),
                ("TOTAL-FAILED".into(), "SIG_CRYPTO_FAILURE".into()),
                "{name}: {v:#}"
            );
            // Said precisely: the attributes were re-ordered after signing.
            let m = v["signatures"][0]["message_en"].as_str().unwrap();
            assert!(m.contains("re-ordered after signing"), "{m}");
        }
        if name == "resigned.p7s" {
            let codes = v["signatures"][0]["cms_notes"].to_string();
            assert!(
                codes.contains("signed-attributes-not-in-der-order"),
                "{v:#}"
            );
        }
    }

    // The content changed: HASH_FAILURE.
    std::fs::write(d.path("other.xlsx"), b"another file").unwrap();
    let (code, v) = verify_json(
        &lab,
        &d.path("other.xlsx"),
        &["--signature", s(&d.path("plain.p7s"))],
    );
    assert_eq!(code, 2);
    assert_eq!(
        verdict(&v, 0),
        ("TOTAL-FAILED".into(), "HASH_FAILURE".into())
    );
    // SHA-1: Circular 15/2025.
    openssl(
        &dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-in",
            "report.xlsx",
            "-signer",
            "rsa.crt",
            "-inkey",
            "rsa.key",
            "-md",
            "sha1",
            "-out",
            "sha1.p7s",
        ],
    );
    let (code, v) = verify_json(
        &lab,
        &d.path("report.xlsx"),
        &["--signature", s(&d.path("sha1.p7s"))],
    );
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(verdict(&v, 0).1, "CRYPTO_CONSTRAINTS_FAILURE");
    // The refusal is a policy; the bytes are intact all the same.
    assert_eq!(v["signatures"][0]["integrity"], true, "{v:#}");
    assert_eq!(
        v["signatures"][0]["refused_algorithms"][0], "SHA-1",
        "{v:#}"
    );
    // Garbage signature file: FORMAT_FAILURE, no panic.
    std::fs::write(d.path("junk.p7s"), b"\x30\x82\xff\xff junk").unwrap();
    let (code, v) = verify_json(
        &lab,
        &d.path("report.xlsx"),
        &["--signature", s(&d.path("junk.p7s"))],
    );
    assert_eq!(code, 2);
    assert_eq!(verdict(&v, 0).1, "FORMAT_FAILURE");
}

/// (header length, total length) of the DER TLV at the start of `b`.
fn tlv(b: &[u8]) -> (usize, usize) {
    let first = b[1] as usize;
    if first < 0x80 {
        return (2, 2 + first);
    }
    let n = first & 0x7f;
    let len = b[2..2 + n]
        .iter()
        .fold(0usize, |a, x| (a << 8) | *x as usize);
    (2 + n, 2 + n + len)
}

/// Offset of the `[0] IMPLICIT` signed attributes of the SignerInfo of
/// `p7s`, their total length, and each attribute's encoding in order.
fn signed_attribute_members(p7s: &[u8]) -> (usize, usize, Vec<Vec<u8>>) {
    let raw = kyso_pki::cms_verify::raw_signed_attributes(p7s)
        .unwrap()
        .expect("signed attributes");
    let mut tagged = raw.clone();
    tagged[0] = 0xa0;
    let at = find(p7s, &tagged).expect("the attributes in the file");
    let (h, total) = tlv(&raw);
    let mut members = Vec::new();
    let mut rest = &raw[h..total];
    while !rest.is_empty() {
        let (_, t) = tlv(rest);
        members.push(rest[..t].to_vec());
        rest = &rest[t..];
    }
    (at, total, members)
}

/// Offset of the signature value's content octets: after the signed
/// attributes (ending at `after_attrs`) come signatureAlgorithm and the
/// signature OCTET STRING.
fn signature_value_offset(p7s: &[u8], after_attrs: usize) -> usize {
    let (_, alg) = tlv(&p7s[after_attrs..]);
    let sig = after_attrs + alg;
    assert_eq!(p7s[sig], 0x04, "OCTET STRING");
    let (h, _) = tlv(&p7s[sig..]);
    sig + h
}

/// The modification analysis goes revision by revision: in the
/// two-signature flow (kyso sign --certify P2 with the fields, kyso fill,
/// kyso sign --field seal) the approver's signature is followed by a
/// "form-filling" and a "signature" revision, both allowed; when an
/// update between them rewrites the page content, that revision alone is
/// reported as not allowed and the approver's signature fails while the
/// later seal stays valid. pyHanko judges the same files.
#[test]
fn modifications_are_analysed_per_revision() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let d = &lab.d;
    std::fs::write(d.path("draft.pdf"), hand_pdf()).unwrap();
    let (rsa, ec) = (s(&lab.rsa).to_string(), s(&lab.ec).to_string());
    let p = |n: &str| d.path(n).to_str().unwrap().to_string();
    lab.kyso_ok(&[
        "sign",
        &p("draft.pdf"),
        "-o",
        &p("approved.pdf"),
        "--p12",
        &rsa,
        "--page",
        "1",
        "--rect",
        "330,200,530,280",
        "--text-field",
        "so_ky_hieu@1:72,780,272,800",
        "--text-field",
        "ngay_ban_hanh@1:350,780,530,800",
        "--seal-field",
        "seal@1:260,180,380,300",
        "--certify",
        "P2",
    ]);
    lab.kyso_ok(&[
        "fill",
        &p("approved.pdf"),
        "-o",
        &p("filled.pdf"),
        "--set",
        "so_ky_hieu=123/QĐ-UBND",
        "--set",
        "ngay_ban_hanh=22/11/2026",
    ]);
    // The page content rewritten in an update after the fill.
    incremental(
        &d.path("filled.pdf"),
        &d.path("filled-tampered.pdf"),
        |doc| {
            let page = first_page(doc);
            let content = doc.new_document.add_object(lopdf::Stream::new(
                lopdf::dictionary! {},
                b"BT /F1 24 Tf 72 700 Td (PAID 1000000 VND) Tj ET".to_vec(),
            ));
            doc.opt_clone_object_to_new_document(page).unwrap();
            let pd = doc
                .new_document
                .get_object_mut(page)
                .unwrap()
                .as_dict_mut()
                .unwrap();
            pd.set("Contents", lopdf::Object::Reference(content));
        },
    );
    for (input, out) in [
        ("filled.pdf", "issued.pdf"),
        ("filled-tampered.pdf", "issued-tampered.pdf"),
    ] {
        lab.kyso_ok(&[
            "sign",
            &p(input),
            "-o",
            &p(out),
            "--p12",
            &ec,
            "--field",
            "seal",
        ]);
    }
    let kinds = |v: &serde_json::Value, i: usize| -> Vec<(String, bool)> {
        v["signatures"][i]["later_revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap().to_string(),
                    r["allowed"].as_bool().unwrap(),
                )
            })
            .collect()
    };

    let (ok, t) = lab.peers.pyhanko(&d.path("issued.pdf")).unwrap();
    assert!(ok, "pyhanko issued.pdf: {t}");
    let (code, v) = verify_json(&lab, &d.path("issued.pdf"), &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        kinds(&v, 0),
        vec![("form-filling".into(), true), ("signature".into(), true)],
        "{v:#}"
    );
    assert!(kinds(&v, 1).is_empty(), "{v:#}");
    let revs = v["signatures"][0]["later_revisions"].as_array().unwrap();
    assert!(revs[1]["message_en"]
        .as_str()
        .unwrap()
        .contains("existing empty field 'seal'"));
    assert!(revs[0]["message_vi"]
        .as_str()
        .unwrap()
        .contains("điền biểu mẫu"));
    // Revisions follow each other: each update starts where the one before ended.
    assert_eq!(revs[0]["end"], revs[1]["start"]);
    // (the signed revision, up to its `%%EOF` and end of line)
    let signed = v["signatures"][0]["signed_revision_length"]
        .as_u64()
        .unwrap();
    let start = revs[0]["start"].as_u64().unwrap();
    assert!(start >= signed && start - signed <= 2, "{v:#}");
    // Every change is attributed to its revision.
    for m in v["signatures"][0]["modifications"].as_array().unwrap() {
        assert!(m["revision"].as_u64().is_some(), "{m}");
    }

    let (ok, t) = lab.peers.pyhanko(&d.path("issued-tampered.pdf")).unwrap();
    assert!(!ok, "pyhanko accepted the rewritten page: {t}");
    let (code, v) = verify_json(&lab, &d.path("issued-tampered.pdf"), &[]);
    assert_eq!(code, 2, "{v:#}");
    assert_ne!(v["indication"], "TOTAL-PASSED");
    assert_eq!(
        verdict(&v, 0),
        ("TOTAL-FAILED".into(), "DISALLOWED_MODIFICATION".into()),
        "{v:#}"
    );
    assert_eq!(
        kinds(&v, 0),
        vec![
            ("form-filling".into(), true),
            ("page-content".into(), false),
            ("signature".into(), true)
        ],
        "{v:#}"
    );
    let bad = &v["signatures"][0]["later_revisions"][1];
    assert!(
        v["signatures"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains(&format!("Revision {}", bad["revision"])),
        "{v:#}"
    );
    // The seal came after the rewrite and covers it.
    assert_eq!(verdict(&v, 1).0, "TOTAL-PASSED", "{v:#}");
    // The text form gives one sentence per revision.
    let o = lab.kyso(&[
        "verify",
        &p("issued-tampered.pdf"),
        "--trust",
        s(&lab.path("root.pem")),
        "--certs",
        s(&lab.path("issuing.pem")),
    ]);
    let t = text(&o);
    assert!(
        t.contains("page content changed") && t.contains("KHÔNG được phép"),
        "{t}"
    );
}

/// `kyso verify` exits 3 when the file cannot be read at all, whatever
/// the reason, as docs/verify-report.md says, and prints why; a PDF
/// without signatures is read (exit 2, "no signature").
#[test]
fn unreadable_files_exit_3() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("no-data");
    let pdf = hand_pdf();
    let eof = pdf.windows(5).rposition(|w| w == b"%%EOF").unwrap();
    let files: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("missing.pdf", None),
        ("empty.pdf", Some(Vec::new())),
        (
            "image.png",
            Some(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".repeat(20)),
        ),
        ("truncated.pdf", Some(pdf[..eof / 2].to_vec())),
        ("cut-before-eof.pdf", Some(pdf[..eof].to_vec())),
        (
            "no-catalog.pdf",
            Some(
                b"%PDF-1.7\n1 0 obj\n<< /Type /Font >>\nendobj\ntrailer\n<< /Size 2 >>\n%%EOF\n"
                    .to_vec(),
            ),
        ),
    ];
    for (name, bytes) in &files {
        let path = d.path().join(name);
        if let Some(b) = bytes {
            std::fs::write(&path, b).unwrap();
        }
        for extra in [&[][..], &["--json"][..]] {
            let o = std::process::Command::new(KYSO)
                .args(["--data", data.to_str().unwrap(), "verify"])
                .arg(&path)
                .args(["--offline"])
                .args(extra)
                .env("KYSO_LOG", "error")
                .output()
                .unwrap();
            let t = text(&o);
            assert_eq!(o.status.code(), Some(3), "{name} {extra:?}: {t}");
            assert!(t.contains("cannot read"), "{name}: {t}");
        }
    }
    // A directory is not a file.
    let o = std::process::Command::new(KYSO)
        .args(["--data", data.to_str().unwrap(), "verify"])
        .arg(d.path())
        .env("KYSO_LOG", "error")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    // An unsigned PDF is read: exit 2, no signature.
    let plain = d.path().join("plain.pdf");
    std::fs::write(&plain, &pdf).unwrap();
    let o = std::process::Command::new(KYSO)
        .args(["--data", data.to_str().unwrap(), "verify"])
        .arg(&plain)
        .args(["--offline", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signatures"].as_array().unwrap().len(), 0);
    assert!(!data.exists());
}
