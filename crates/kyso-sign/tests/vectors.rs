//! Attack and edge-case vectors (issue 9, DESIGN §7): PDF files under
//! `tests/vectors/`, each with its expected verdict in the table of
//! `tests/vectors/README.md`, checked here in-process without any peer
//! tool. The published attack classes are all there — universal signature
//! forgery, signature wrapping, incremental saving attacks, shadow
//! attacks (hide, replace, hide-and-replace), evil annotations,
//! certification attacks — beside the changes that must stay allowed.
//!
//! The files are made by [`generate_vectors`] from a hand-written page
//! and kyso's own signer (RSA PKCS#1 v1.5, deterministic, at a fixed
//! time, with the committed key of `tests/vectors/signer.key`):
//!
//! ```sh
//! cargo test -p kyso-sign --test vectors -- --ignored generate_vectors
//! ```
#![allow(clippy::disallowed_methods)] // flate2's encoder makes the bomb
use std::io::Write;
use std::path::{Path, PathBuf};

use kyso_crypto::{KeySpec, SignatureAlgorithm, Signer, SoftwareKey};
use kyso_pdf::lopdf::{self, Object};
use kyso_pdf::test_support::{append_update, append_update_bytes, object_text, rewrite, write_pdf};
use kyso_pdf::{
    Appearance, DocMdp, FieldLock, Font, Item, NewField, NewFieldKind, Placement, Rect, Rgb,
};
use kyso_pki::certificate::{issue, CertificateTemplate};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_pki::trust::TrustStore;
use kyso_sign::validate::{validate_pdf_file, ValidateError, ValidationContext, ValidationReport};
use kyso_sign::SignOptions;
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::Certificate;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// When the vectors are validated (inside the signer's validity).
const NOW: OffsetDateTime = datetime!(2027-06-01 00:00 UTC);
/// When they were signed.
const SIGNED: OffsetDateTime = datetime!(2027-01-15 09:00 +7);

/// One row of the table in README.md.
#[derive(Debug)]
struct Row {
    file: String,
    signature: usize,
    indication: String,
    sub: String,
    code: String,
}

fn table() -> Vec<Row> {
    let text = std::fs::read_to_string(dir().join("README.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let c: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|x| x.trim().trim_matches('`').to_string())
                .collect();
            Row {
                file: c[0].clone(),
                signature: c[2].parse().unwrap(),
                indication: c[3].clone(),
                sub: c[4].clone(),
                code: c[5].clone(),
            }
        })
        .collect()
}

fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_pem_bundle(&std::fs::read(dir().join("signer.pem")).unwrap(), "vectors")
        .unwrap();
    t
}

fn validate(path: &Path, trust: &TrustStore) -> Result<ValidationReport, ValidateError> {
    let ctx = ValidationContext {
        trust,
        extra_certificates: Vec::new(),
        fetch: None,
        fetch_issuer: None,
        now: NOW,
        document_date: None,
    };
    validate_pdf_file(path, &ctx)
}

#[test]
fn vectors_have_their_expected_verdicts() {
    let trust = trust();
    let rows = table();
    assert!(rows.len() >= 35, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let path = dir().join(&row.file);
        let got = validate(&path, &trust);
        let ok = match (&got, row.indication.as_str()) {
            (Err(ValidateError::Unreadable(_)), "unreadable") => true,
            (Ok(rep), _) => {
                let s = &rep.signatures[row.signature - 1];
                let sub = s.sub_indication.map_or("—", |x| x.as_str());
                let codes: Vec<&str> = s.modifications.iter().map(|m| m.code.as_str()).collect();
                let code_ok = match row.code.as_str() {
                    "—" => s.modifications.iter().all(|m| m.allowed),
                    // An allowed change that paints over signed content:
                    // reported, and warned about.
                    c if c.ends_with("+covers") => {
                        let c = c.trim_end_matches("+covers");
                        s.modifications
                            .iter()
                            .any(|m| m.code == c && m.allowed && m.covers.is_some())
                            && s.warnings
                                .iter()
                                .any(|w| w.contains("covering signed content"))
                    }
                    c => codes.contains(&c),
                };
                s.indication.as_str() == row.indication && sub == row.sub && code_ok
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: expected {row:?}, got {got:#?}", row.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every file of the directory is in the table.
    for e in std::fs::read_dir(dir()).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".pdf") {
            assert!(
                rows.iter().any(|r| r.file == name),
                "{name} is not in README.md"
            );
        }
    }
}

/// Issue 9 §2: a disallowed change fails the signature whatever its
/// certificate's status — with no trust anchor at all, every vector whose
/// verdict is DISALLOWED_MODIFICATION keeps it, while the intact ones
/// become INDETERMINATE (their chain is unknown), never TOTAL-PASSED.
#[test]
fn disallowed_changes_fail_whatever_the_certificate_status() {
    let untrusted = TrustStore::new();
    let rows = table();
    let disallowed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.sub == "DISALLOWED_MODIFICATION")
        .collect();
    assert!(disallowed.len() >= 15, "{}", disallowed.len());
    for row in disallowed {
        let rep = validate(&dir().join(&row.file), &untrusted).unwrap();
        let s = &rep.signatures[row.signature - 1];
        assert_eq!(s.indication.as_str(), "TOTAL-FAILED", "{}", row.file);
        assert_eq!(
            s.sub_indication.map(|x| x.as_str()),
            Some("DISALLOWED_MODIFICATION"),
            "{}",
            row.file
        );
    }
    let rep = validate(&dir().join("valid-b-b.pdf"), &untrusted).unwrap();
    assert_eq!(rep.signatures[0].indication.as_str(), "INDETERMINATE");
}

// ---------------------------------------------------------------------
// The generator.

/// The hand-written page: "Hello kyso" at (72, 700) and a blue box at
/// x 100–300, y 100–150. `extra_page` and `extra_catalog` add entries;
/// `more` adds objects from number 6 on.
fn base(extra_page: &str, extra_catalog: &str, more: &[&str]) -> Vec<u8> {
    page_with("4 0 R", extra_page, extra_catalog, more)
}

/// A page whose content refers to object 30, which no revision defines
/// (lenient readers draw nothing for it).
fn base_with_dangling() -> Vec<u8> {
    page_with("[4 0 R 30 0 R]", "", "", &[])
}

/// A form with a text field `so` whose kid `ky_hieu` is its widget.
fn base_with_parent_field() -> Vec<u8> {
    base(
        "/Annots [8 0 R]",
        "/AcroForm 6 0 R",
        &[
            "6 0 obj\n<< /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 9 0 R >> >> >>\nendobj",
            "7 0 obj\n<< /FT /Tx /T (so) /Kids [8 0 R] >>\nendobj",
            "8 0 obj\n<< /T (ky_hieu) /Parent 7 0 R /Subtype /Widget /Rect [72 760 272 780] /P 3 0 R /DA (/Helv 12 Tf 0 g) /F 4 >>\nendobj",
            "9 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj",
        ],
    )
}

fn page_with(contents: &str, extra_page: &str, extra_catalog: &str, more: &[&str]) -> Vec<u8> {
    let content = "BT /F1 24 Tf 72 700 Td (Hello kyso) Tj ET 0 0 1 rg 100 100 200 50 re f";
    let mut objects = vec![
        format!("1 0 obj\n<< /Type /Catalog /Pages 2 0 R {extra_catalog} >>\nendobj"),
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj".to_string(),
        format!("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {contents} /Resources << /Font << /F1 5 0 R >> >> {extra_page} >>\nendobj"),
        format!("4 0 obj\n<< /Length {} >>\nstream\n{content}\nendstream\nendobj", content.len()),
        "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj".to_string(),
    ];
    objects.extend(more.iter().map(|s| s.to_string()));
    let objects: Vec<&[u8]> = objects.iter().map(|o| o.as_bytes()).collect();
    write_pdf(&objects, "")
}

struct Gen {
    key: SoftwareKey,
    cert: Certificate,
    tmp: tempfile::TempDir,
}

impl Gen {
    /// The committed key and certificate, made once.
    fn new() -> Gen {
        let key_path = dir().join("signer.key");
        let cert_path = dir().join("signer.pem");
        let (key, cert) = if key_path.exists() {
            let key = SoftwareKey::from_pkcs8_der(
                &std::fs::read(&key_path).unwrap(),
                Some(SignatureAlgorithm::RsaPkcs1Sha256),
            )
            .unwrap();
            let cert =
                kyso_pki::certificate::parse_certificate(&std::fs::read(&cert_path).unwrap())
                    .unwrap();
            (key, cert)
        } else {
            let key = SoftwareKey::generate(KeySpec::Rsa2048).unwrap();
            let key = SoftwareKey::from_pkcs8_der(
                key.pkcs8_der(),
                Some(SignatureAlgorithm::RsaPkcs1Sha256),
            )
            .unwrap();
            let subject = SubjectName {
                common_name: "Nguyễn Văn An (vectors)".into(),
                organization: Some("kyso test vectors".into()),
                ..Default::default()
            };
            let template = CertificateTemplate {
                profile: Profile::RootCa,
                subject: subject.to_name().unwrap(),
                subject_public_key_info: key.public_key_der().to_vec(),
                serial: vec![0x01, 0x09],
                not_before: datetime!(2026-01-01 00:00 UTC),
                not_after: datetime!(2046-01-01 00:00 UTC),
                policy_oids: Vec::new(),
                ocsp_url: None,
                ca_issuers_url: None,
                crl_url: None,
                path_len: None,
                email_san: None,
            };
            let cert = issue(&template, None, &key).unwrap();
            std::fs::write(&key_path, key.pkcs8_der()).unwrap();
            std::fs::write(&cert_path, kyso_pki::certificate::to_pem(&cert)).unwrap();
            (key, cert)
        };
        Gen {
            key,
            cert,
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn options(&self) -> SignOptions {
        let mut o = SignOptions::new(self.cert.clone(), SignatureAlgorithm::RsaPkcs1Sha256);
        o.signing_time = Some(SIGNED);
        // Room for the CMS, not more: the files stay small.
        o.contents_size = 4096;
        o
    }

    /// `input` signed with `options`.
    fn sign(&self, input: &[u8], options: &SignOptions) -> Vec<u8> {
        let i = self.tmp.path().join("in.pdf");
        let o = self.tmp.path().join("out.pdf");
        std::fs::write(&i, input).unwrap();
        kyso_sign::sign_pdf(&i, &o, &self.key, &[], options, None).unwrap();
        std::fs::read(&o).unwrap()
    }

    fn certified(&self, input: &[u8], p: DocMdp) -> Vec<u8> {
        let mut o = self.options();
        o.certify = Some(p);
        self.sign(input, &o)
    }

    fn fill(&self, input: &[u8], values: &[(&str, &str)]) -> Vec<u8> {
        let i = self.tmp.path().join("fill-in.pdf");
        let o = self.tmp.path().join("fill-out.pdf");
        std::fs::write(&i, input).unwrap();
        let v: Vec<(String, String)> = values
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        kyso_pdf::fill(&i, &o, &v, kyso_pdf::FillPolicy::Force).unwrap();
        std::fs::read(&o).unwrap()
    }
}

/// The `/ByteRange` numbers of the first signature and where they are.
fn byte_range(b: &[u8]) -> (usize, usize, Vec<usize>) {
    let p = b.windows(10).position(|w| w == b"/ByteRange").unwrap();
    let open = p + b[p..].iter().position(|c| *c == b'[').unwrap() + 1;
    let close = open + b[open..].iter().position(|c| *c == b']').unwrap();
    let v = std::str::from_utf8(&b[open..close])
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    (open, close, v)
}

/// `b` with the `/ByteRange` numbers rewritten in place (space padded).
fn set_byte_range(b: &[u8], values: &str) -> Vec<u8> {
    let (o, c, _) = byte_range(b);
    let mut out = b.to_vec();
    let mut v = values.as_bytes().to_vec();
    assert!(v.len() <= c - o, "{values} does not fit");
    v.resize(c - o, b' ');
    out[o..c].copy_from_slice(&v);
    out
}

/// The id of the (first) signature dictionary of the last revision.
fn signature_id(b: &[u8]) -> lopdf::ObjectId {
    let revs = kyso_pdf::revision::Revisions::from_bytes(b).unwrap();
    let mut last = revs.last().unwrap();
    last.load_catalog().unwrap();
    kyso_pdf::signature_dict::signature_fields(last.document()).unwrap()[0]
        .signature_id
        .unwrap()
}

/// The next free object number of the last revision.
fn next_id(b: &[u8]) -> u32 {
    let revs = kyso_pdf::revision::Revisions::from_bytes(b).unwrap();
    let last = revs.last().unwrap();
    last.trailer().get(b"Size").unwrap().as_i64().unwrap() as u32
}

/// A stream object as text.
fn stream(id: u32, dict: &str, data: &[u8]) -> String {
    format!(
        "{id} 0 obj\n<< {dict} /Length {} >>\nstream\n{}\nendstream\nendobj",
        data.len(),
        String::from_utf8_lossy(data)
    )
}

/// Add an annotation with an opaque appearance over the text line.
fn evil_annotation(b: &[u8], subtype: &str) -> Vec<u8> {
    let n = next_id(b);
    let page = rewrite(b, (3, 0), |o| {
        let d = o.as_dict_mut().unwrap();
        let mut a = d
            .get(b"Annots")
            .ok()
            .and_then(|a| a.as_array().ok())
            .cloned()
            .unwrap_or_default();
        a.push(Object::Reference((n, 0)));
        d.set("Annots", a);
    });
    let annot = format!("{n} 0 obj\n<< /Type /Annot /Subtype /{subtype} /Rect [50 650 550 750] /P 3 0 R /AP << /N {} 0 R >> >>\nendobj", n + 1);
    let ap = stream(
        n + 1,
        "/Type /XObject /Subtype /Form /BBox [0 0 500 100]",
        b"1 1 1 rg 0 0 500 100 re f 0 0 0 rg BT /Helv 20 Tf 10 40 Td (PAID) Tj ET",
    );
    append_update(b, &[&page, &annot, &ap], "")
}

/// A FlateDecode stream twice over: a few kilobytes that decode to
/// `size` zero bytes.
fn double_flate(size: usize) -> Vec<u8> {
    let mut inner = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        inner.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    let once = inner.finish().unwrap();
    let mut outer = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    outer.write_all(&once).unwrap();
    outer.finish().unwrap()
}

/// Rewrites every vector file (see the module documentation).
#[test]
#[ignore]
fn generate_vectors() {
    let g = Gen::new();
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    let plain = base("", "", &[]);
    let bb = g.sign(&plain, &g.options());
    files.push(("valid-b-b.pdf", bb.clone()));
    let (_, _, br) = byte_range(&bb);
    let (a, b, c) = (br[1], br[2], br[3]);

    // Universal signature forgery: /ByteRange and /Contents.
    files.push((
        "usf-byterange-not-revision-end.pdf",
        set_byte_range(&bb, &format!("0 {a} {b} {}", c - 20)),
    ));
    files.push((
        "usf-byterange-beyond-file.pdf",
        set_byte_range(&bb, &format!("0 {a} {b} {}", c + 1)),
    ));
    files.push((
        "usf-byterange-overlap.pdf",
        set_byte_range(&bb, &format!("0 {} {b} {c}", a + 10)),
    ));
    files.push((
        "usf-byterange-three-numbers.pdf",
        set_byte_range(&bb, &format!("0 {a} {b}")),
    ));
    let mut f = bb.clone();
    f[a + 1..b - 1].fill(b'0');
    files.push(("usf-contents-zeroed.pdf", f));
    let other = g.sign(
        &base("", "", &["6 0 obj\n<< /Note (another document) >>\nendobj"]),
        &g.options(),
    );
    let (_, _, obr) = byte_range(&other);
    let hex = &other[obr[1] + 1..obr[2] - 1];
    let mut f = bb.clone();
    f[a + 1..b - 1].fill(b'0');
    let n = hex.len().min(b - a - 2);
    f[a + 1..a + 1 + n].copy_from_slice(&hex[..n]);
    files.push(("usf-contents-of-another-document.pdf", f));
    let mut f = bb.clone();
    let k = f[..a].windows(9).rposition(|w| w == b"/Contents").unwrap();
    f[k..k + 9].copy_from_slice(b"/Contentz");
    files.push(("usf-contents-key-renamed.pdf", f));

    // Signature wrapping.
    let mut f = bb.clone();
    let junk = b"> 99 0 obj << /Type /Catalog >> endobj <";
    let at = b - 1 - junk.len() - 10;
    f[at..at + junk.len()].copy_from_slice(junk);
    files.push(("wrapping-objects-in-contents-gap.pdf", f));
    files.push((
        "wrapping-byterange-moved.pdf",
        set_byte_range(&bb, &format!("0 {} {b} {c}", a + 2)),
    ));

    // Incremental saving attacks.
    let n = next_id(&bb);
    let page = rewrite(&bb, (3, 0), |o| {
        o.as_dict_mut()
            .unwrap()
            .set("Contents", Object::Reference((n, 0)));
    });
    files.push((
        "isa-page-content-replaced.pdf",
        append_update(
            &bb,
            &[
                &page,
                &stream(n, "", b"BT /F1 24 Tf 72 700 Td (PAID 1000000 VND) Tj ET"),
            ],
            "",
        ),
    ));
    let pages = "2 0 obj\n<< /Type /Pages /Kids [3 0 R NEXT 0 R] /Count 2 >>\nendobj"
        .replace("NEXT", &n.to_string());
    let new_page =
        format!("{n} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj");
    files.push((
        "isa-page-added.pdf",
        append_update(&bb, &[&pages, &new_page], ""),
    ));
    files.push((
        "isa-page-removed.pdf",
        append_update(
            &bb,
            &["2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj"],
            "",
        ),
    ));
    let cat = rewrite(&bb, (1, 0), |o| {
        o.as_dict_mut()
            .unwrap()
            .set("OpenAction", Object::Reference((n, 0)));
    });
    files.push((
        "isa-catalog-openaction.pdf",
        append_update(
            &bb,
            &[
                &cat,
                &format!("{n} 0 obj\n<< /S /JavaScript /JS (app.alert\\('x'\\)) >>\nendobj"),
            ],
            "",
        ),
    ));
    let sig = signature_id(&bb);
    files.push((
        "isa-signature-dictionary-rewritten.pdf",
        append_update(
            &bb,
            &[&rewrite(&bb, sig, |o| {
                o.as_dict_mut()
                    .unwrap()
                    .set("Reason", Object::string_literal("rewritten"));
            })],
            "",
        ),
    ));
    let mut f = bb.clone();
    f.extend_from_slice(format!("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {n} 0 R >>\nendobj\n{}\n", stream(n, "", b"BT /F1 24 Tf 72 700 Td (PAID) Tj ET")).as_bytes());
    files.push(("isa-objects-appended-without-xref.pdf", f));
    let upd = append_update(
        &bb,
        &[
            &page,
            &stream(n, "", b"BT /F1 24 Tf 72 700 Td (PAID) Tj ET"),
        ],
        "",
    );
    files.push(("isa-trailer-points-at-no-table.pdf", {
        let mut f = bb.clone();
        f.extend_from_slice(&upd[bb.len()..upd.len()]);
        // The last startxref replaced by an offset where no table is.
        let p = f.windows(9).rposition(|w| w == b"startxref").unwrap();
        f.truncate(p);
        f.extend_from_slice(b"startxref\n10\n%%EOF\n");
        f
    }));
    let info = next_id(&bb);
    let upd = append_update(
        &bb,
        &[&format!("{info} 0 obj\n<< /Producer (x) >>\nendobj")],
        &format!("/Info {info} 0 R"),
    );
    let row = format!("{:010} 00000 n", bb.len());
    let at = upd
        .windows(row.len())
        .rposition(|w| w == row.as_bytes())
        .unwrap();
    let mut f = upd.clone();
    f[at..at + 10].copy_from_slice(format!("{:010}", bb.len() + 7).as_bytes());
    files.push(("isa-xref-offset-wrong.pdf", f));
    let with_ref = g.sign(&base_with_dangling(), &g.options());
    files.push((
        "isa-dangling-reference-defined.pdf",
        append_update(
            &with_ref,
            &[&stream(30, "", b"BT /F1 24 Tf 72 650 Td (PAID) Tj ET")],
            "",
        ),
    ));

    // Shadow attacks.
    files.push(("shadow-hide-optional-content.pdf", {
        let cat = rewrite(&bb, (1, 0), |o| {
            o.as_dict_mut().unwrap().set("OCProperties", lopdf::dictionary! {"OCGs" => vec![Object::Reference((n, 0))], "D" => lopdf::dictionary! {"OFF" => vec![Object::Reference((n, 0))]}});
        });
        append_update(&bb, &[&cat, &format!("{n} 0 obj\n<< /Type /OCG /Name (text) >>\nendobj")], "")
    }));
    files.push((
        "shadow-replace-content-object.pdf",
        append_update(
            &bb,
            &[&stream(4, "", b"BT /F1 24 Tf 72 700 Td (Replaced) Tj ET")],
            "",
        ),
    ));
    files.push(("shadow-hide-and-replace-resources.pdf", {
        let page = rewrite(&bb, (3, 0), |o| {
            o.as_dict_mut().unwrap().set("Resources", lopdf::dictionary! {"Font" => lopdf::dictionary! {"F1" => Object::Reference((n, 0))}});
        });
        append_update(&bb, &[&page, &format!("{n} 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>\nendobj")], "")
    }));

    // Evil annotations.
    let p1 = g.certified(&plain, DocMdp::NoChanges);
    let p2 = g.certified(&plain, DocMdp::FormFilling);
    let p3 = g.certified(&plain, DocMdp::Annotations);
    files.push((
        "eaa-freetext-not-certified.pdf",
        evil_annotation(&bb, "FreeText"),
    ));
    files.push(("eaa-freetext-p3.pdf", evil_annotation(&p3, "FreeText")));
    files.push(("eaa-stamp-p2.pdf", evil_annotation(&p2, "Stamp")));
    files.push(("eaa-freetext-p1.pdf", evil_annotation(&p1, "FreeText")));

    // Certification attacks (Rohlmann et al., S&P 2021) and what stays
    // allowed after a certification.
    let mut visible = g.options();
    let mut ap = Appearance::new(Font::liberation_serif());
    ap.items.push(Item::Text {
        x: 4.0,
        y: 20.0,
        size: 12.0,
        color: Rgb::BLACK,
        text: "Đã ký / signed".into(),
    });
    visible.placement = Placement::Visible {
        page: 1,
        rect: Rect {
            x1: 60.0,
            y1: 690.0,
            x2: 260.0,
            y2: 730.0,
        },
        appearance: Box::new(ap),
    };
    visible.field_name = Some("Signature2".into());
    files.push((
        "ssa-visible-signature-after-certification-p2.pdf",
        g.sign(&p2, &visible),
    ));
    let mut invisible = g.options();
    invisible.field_name = Some("Signature2".into());
    files.push((
        "certified-p2-invisible-second-signature.pdf",
        g.sign(&p2, &invisible),
    ));
    let mut with_fields = g.options();
    with_fields.certify = Some(DocMdp::FormFilling);
    with_fields.new_fields = vec![NewField {
        name: "so_ky_hieu".into(),
        kind: NewFieldKind::Text,
        page: 1,
        rect: Rect {
            x1: 72.0,
            y1: 760.0,
            x2: 272.0,
            y2: 780.0,
        },
    }];
    let approved = g.sign(&plain, &with_fields);
    files.push((
        "certified-p2-form-filled.pdf",
        g.fill(&approved, &[("so_ky_hieu", "123/QĐ-UBND")]),
    ));
    with_fields.certify = Some(DocMdp::NoChanges);
    let approved1 = g.sign(&plain, &with_fields);
    files.push((
        "certified-p1-form-filled.pdf",
        g.fill(&approved1, &[("so_ky_hieu", "123/QĐ-UBND")]),
    ));
    let mut locked = g.options();
    locked.lock = Some(FieldLock::Include(vec!["so".into()]));
    let form = g.sign(&base_with_parent_field(), &locked);
    files.push((
        "fieldmdp-parent-locked-kid-filled.pdf",
        g.fill(&form, &[("so.ky_hieu", "123")]),
    ));
    locked.lock = Some(FieldLock::Include(vec!["ngay".into()]));
    let form = g.sign(&base_with_parent_field(), &locked);
    files.push((
        "fieldmdp-other-field-locked-kid-filled.pdf",
        g.fill(&form, &[("so.ky_hieu", "123")]),
    ));

    // Equal values are equal.
    files.push((
        "equal-page-rewritten-with-reals.pdf",
        append_update(
            &bb,
            &[&rewrite(&bb, (3, 0), |o| {
                o.as_dict_mut().unwrap().set(
                    "MediaBox",
                    vec![Object::Real(0.0), 0.into(), Object::Real(612.0), 792.into()],
                );
            })],
            "",
        ),
    ));
    files.push(("equal-catalog-renumbered.pdf", {
        let revs = kyso_pdf::revision::Revisions::from_bytes(&bb).unwrap();
        let mut last = revs.last().unwrap();
        let cat = last.object((1, 0)).unwrap().unwrap().clone();
        append_update(
            &bb,
            &[&object_text((n, 0), &cat)],
            &format!("/Root {n} 0 R"),
        )
    }));
    files.push((
        "equal-trailer-id-only.pdf",
        append_update(&bb, &[], "/ID [<0102> <0304>]"),
    ));
    let cat = rewrite(&bb, (1, 0), |o| {
        o.as_dict_mut().unwrap().set("Extensions", lopdf::dictionary! {"ADBE" => lopdf::dictionary! {"BaseVersion" => Object::Name(b"1.7".to_vec()), "ExtensionLevel" => 8}});
    });
    files.push((
        "equal-catalog-gains-extensions.pdf",
        append_update(&bb, &[&cat], ""),
    ));

    // A DSS whose certificate stream is a deflate bomb (1 GiB in a few
    // kilobytes): the DSS update is allowed, the item unreadable, the
    // memory bounded.
    let bomb = double_flate(1 << 30);
    let cat = rewrite(&bb, (1, 0), |o| {
        o.as_dict_mut()
            .unwrap()
            .set("DSS", Object::Reference((n, 0)));
    });
    let dss = format!(
        "{n} 0 obj\n<< /Certs [{} 0 R] /CRLs [{} 0 R] >>\nendobj",
        n + 1,
        n + 2
    );
    let mut objs = vec![cat.into_bytes(), dss.into_bytes()];
    for k in 1..=2 {
        let mut s = format!(
            "{} 0 obj\n<< /Filter [/FlateDecode /FlateDecode] /Length {} >>\nstream\n",
            n + k,
            bomb.len()
        )
        .into_bytes();
        s.extend_from_slice(&bomb);
        s.extend_from_slice(b"\nendstream\nendobj");
        objs.push(s);
    }
    let refs: Vec<&[u8]> = objs.iter().map(Vec::as_slice).collect();
    files.push(("dss-deflate-bomb.pdf", append_update_bytes(&bb, &refs, "")));

    files.push(("not-a-pdf.pdf", b"<html>not a PDF</html>\n".to_vec()));
    for (name, bytes) in files {
        std::fs::write(dir().join(name), bytes).unwrap();
    }
}
