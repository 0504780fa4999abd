//! The two-signature flow of DESIGN §6 end to end: the approver (RSA key,
//! a person) certifies with DocMDP P2 and creates, in the same revision,
//! the number and date text fields and the empty seal field; the clerk
//! fills number and date and seals with the organization's EC key into
//! the existing field. pyHanko must find both signatures valid and the
//! changes after the certification allowed (FORM_FILLING); pdfsig and
//! qpdf must accept every file. Negative cases: a P1 certification
//! forbids the fill (kyso refuses, and a forced fill is reported by
//! pyHanko as not allowed); locked, unknown and signature fields are
//! refused with the input untouched.
mod common;

use std::path::Path;

use common::lab::*;

const NUMBER: &str = "123/QĐ-UBND";
const DATE: &str = "22/11/2026";
/// pyHanko's words for a FORM_FILLING modification level that the
/// certification allows.
const FORM_FILLING_OK: &str = "All modifications relate to signing and form filling operations, and they appear to be compatible with the current document modification policy.";

/// The approver's flags: certification or lock, the two text fields and
/// the seal field, a visible signature box.
fn approver_args<'a>(input: &'a str, out: &'a str, p12: &'a str, mdp: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "sign",
        input,
        "-o",
        out,
        "--p12",
        p12,
        "--reason",
        "Phê duyệt văn bản",
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
    ];
    a.extend_from_slice(mdp);
    a
}

/// The `/V` of a field as qpdf's JSON reports it.
fn field_value(pdf: &Path, name: &str) -> Option<String> {
    let o = std::process::Command::new("qpdf")
        .args(["--json", "--json-key=acroform", s(pdf)])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["acroform"]["fields"]
        .as_array()?
        .iter()
        .find(|f| f["fullname"] == name)
        // qpdf's JSON v2 marks text strings with "u:".
        .and_then(|f| {
            f["value"]
                .as_str()
                .map(|v| v.trim_start_matches("u:").to_string())
        })
}

fn pyhanko_ok(lab: &Lab, pdf: &Path, n: usize) -> Option<String> {
    let (ok, t) = lab.peers.pyhanko(pdf)?;
    assert!(ok, "pyhanko {}: {t}", pdf.display());
    assert_eq!(
        t.matches("The signature is judged VALID.").count(),
        n,
        "pyhanko {}: {t}",
        pdf.display()
    );
    Some(t)
}

#[test]
fn approver_certifies_clerk_fills_and_seals() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let draft = lab.path("draft.pdf");
    std::fs::write(&draft, hand_pdf()).unwrap();
    let (approved, filled, issued, issued1) = (
        lab.path("approved.pdf"),
        lab.path("filled.pdf"),
        lab.path("issued.pdf"),
        lab.path("issued-one-step.pdf"),
    );
    let (rsa, ec) = (s(&lab.rsa).to_string(), s(&lab.ec).to_string());

    // 1. The approver certifies (P2, time-stamped) and prepares the fields.
    lab.kyso_ok(&approver_args(
        s(&draft),
        s(&approved),
        &rsa,
        &["--certify", "P2", "--tsa", &lab.tsa],
    ));
    lab.peers.all_valid(&approved, 1, true);
    let pdfsig = lab.peers.pdfsig(&approved);
    assert!(
        pdfsig.contains("seal") || pdfsig.matches("Signature #").count() >= 1,
        "{pdfsig}"
    );
    // A second certification, and a certification of a signed file, are refused.
    let o = lab.kyso(&[
        "sign",
        s(&approved),
        "-o",
        s(&lab.path("twice.pdf")),
        "--p12",
        &ec,
        "--certify",
        "P2",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("certification"), "{}", text(&o));
    assert!(!lab.path("twice.pdf").exists());

    // 2. The clerk fills number and date, then seals into the existing field.
    let before = std::fs::read(&approved).unwrap();
    for (bad, why) in [
        ("khong_co=1", "no such field"),
        ("seal=x", "signature field"),
        ("Signature1=x", "signature field"),
    ] {
        let o = lab.kyso(&[
            "fill",
            s(&approved),
            "-o",
            s(&lab.path("bad.pdf")),
            "--set",
            bad,
        ]);
        assert!(!o.status.success(), "fill {bad}");
        assert!(text(&o).contains(why), "fill {bad}: {}", text(&o));
        assert!(!lab.path("bad.pdf").exists());
    }
    assert_eq!(std::fs::read(&approved).unwrap(), before);
    let o = lab.kyso_ok(&[
        "fill",
        s(&approved),
        "-o",
        s(&filled),
        "--set",
        &format!("so_ky_hieu={NUMBER}"),
        "--set",
        &format!("ngay_ban_hanh={DATE}"),
    ]);
    assert!(text(&o).contains("Đã điền / filled"), "{}", text(&o));
    assert!(std::fs::read(&filled).unwrap().starts_with(&before));
    assert_eq!(field_value(&filled, "so_ky_hieu").as_deref(), Some(NUMBER));
    assert_eq!(field_value(&filled, "ngay_ban_hanh").as_deref(), Some(DATE));
    let annots_before = lab.d.path("approved.pdf");
    lab.kyso_ok(&[
        "sign",
        s(&filled),
        "-o",
        s(&issued),
        "--p12",
        &ec,
        "--field",
        "seal",
        "--tsa",
        &lab.tsa,
    ]);
    lab.peers.all_valid(&issued, 2, true);
    if let Some(t) = pyhanko_ok(&lab, &issued, 2) {
        assert!(t.contains(FORM_FILLING_OK), "pyhanko: {t}");
    }
    // The seal went into the existing field: no new field or annotation.
    let count = |pdf: &Path, what: &str| {
        let o = std::process::Command::new("qpdf")
            .args(["--json", "--json-key=acroform", s(pdf)])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["acroform"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| what.is_empty() || f["fieldtype"] == what)
            .count()
    };
    assert_eq!(count(&issued, ""), count(&annots_before, ""));
    assert_eq!(count(&issued, "/Sig"), 2);
    // Signing the now signed seal field again is refused.
    let o = lab.kyso(&[
        "sign",
        s(&issued),
        "-o",
        s(&lab.path("again.pdf")),
        "--p12",
        &ec,
        "--field",
        "seal",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already signed"), "{}", text(&o));

    // 3. The one-command form: fill and seal in one revision.
    lab.kyso_ok(&[
        "sign",
        s(&approved),
        "-o",
        s(&issued1),
        "--p12",
        &ec,
        "--field",
        "seal",
        "--set",
        &format!("so_ky_hieu={NUMBER}"),
        "--set",
        &format!("ngay_ban_hanh={DATE}"),
    ]);
    lab.peers.all_valid(&issued1, 2, false);
    assert_eq!(field_value(&issued1, "so_ky_hieu").as_deref(), Some(NUMBER));
    if let Some(t) = pyhanko_ok(&lab, &issued1, 2) {
        assert!(t.contains(FORM_FILLING_OK), "pyhanko: {t}");
    }
    // The number is drawn in the field's appearance exactly as written
    // (Đ included: the appearance uses the embedded Vietnamese font).
    let o = std::process::Command::new("pdftotext")
        .args([s(&issued1), "-"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains(DATE), "pdftotext: {shown}");
    assert!(shown.contains(NUMBER), "pdftotext: {shown}");
}

#[test]
fn p1_forbids_the_fill_and_field_locks_hold() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let draft = lab.path("draft.pdf");
    std::fs::write(&draft, hand_pdf()).unwrap();
    let (rsa, ec) = (s(&lab.rsa).to_string(), s(&lab.ec).to_string());

    // P1: no change allowed.
    let p1 = lab.path("p1.pdf");
    lab.kyso_ok(&approver_args(
        s(&draft),
        s(&p1),
        &rsa,
        &["--certify", "P1"],
    ));
    lab.peers.all_valid(&p1, 1, false);
    let set = format!("so_ky_hieu={NUMBER}");
    let o = lab.kyso(&[
        "fill",
        s(&p1),
        "-o",
        s(&lab.path("p1-x.pdf")),
        "--set",
        &set,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("certified P1"), "{}", text(&o));
    let o = lab.kyso(&[
        "sign",
        s(&p1),
        "-o",
        s(&lab.path("p1-x.pdf")),
        "--p12",
        &ec,
        "--field",
        "seal",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("certified P1"), "{}", text(&o));
    assert!(!lab.path("p1-x.pdf").exists());
    // Forced, the fill is what pyHanko reports as not allowed.
    let forced = lab.path("p1-forced.pdf");
    lab.kyso_ok(&["fill", s(&p1), "-o", s(&forced), "--set", &set, "--force"]);
    if let Some((ok, t)) = lab.peers.pyhanko(&forced) {
        assert!(!ok, "pyhanko accepted a change to a P1 document: {t}");
        assert!(
            t.contains("incompatible with the current document modification policy"),
            "{t}"
        );
        assert!(t.contains("The signature is judged INVALID."), "{t}");
    }

    // An approval signature with a FieldMDP lock leaving number, date and
    // seal open: the clerk's fill and seal are allowed, the locked field not.
    let locked = lab.path("locked.pdf");
    let mut args = approver_args(
        s(&draft),
        s(&locked),
        &rsa,
        &["--lock-fields", "except:so_ky_hieu,ngay_ban_hanh,seal"],
    );
    args.extend_from_slice(&["--text-field", "ghi_chu@1:72,740,272,760"]);
    lab.kyso_ok(&args);
    lab.peers.all_valid(&locked, 1, false);
    let o = lab.kyso(&[
        "fill",
        s(&locked),
        "-o",
        s(&lab.path("locked-x.pdf")),
        "--set",
        "ghi_chu=x",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("locked by a signature"), "{}", text(&o));
    let sealed = lab.path("locked-sealed.pdf");
    lab.kyso_ok(&[
        "sign",
        s(&locked),
        "-o",
        s(&sealed),
        "--p12",
        &ec,
        "--field",
        "seal",
        "--set",
        &set,
        "--set",
        &format!("ngay_ban_hanh={DATE}"),
    ]);
    lab.peers.all_valid(&sealed, 2, false);
    if let Some(t) = pyhanko_ok(&lab, &sealed, 2) {
        assert!(t.contains(FORM_FILLING_OK), "pyhanko: {t}");
    }
}
