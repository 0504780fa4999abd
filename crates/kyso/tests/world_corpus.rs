//! The world corpus (issue 9, acceptance 1): signed PDFs that other
//! producers made, each with its expected verdict in
//! `tests/world/expected.tsv`, one row per signature.
//!
//! - `dss/…`: files from the test suite of the EU DSS project (LGPL-2.1,
//!   see tests/world/README.md): national and commercial signers, BER
//!   CMS, document time-stamps with `/Type /Sig` or none, repeated
//!   SignerInfos and time-stamps, plain-ECDSA on brainpool, broken files.
//!   Verified offline with no trust anchor: a sound signature is
//!   INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND with `integrity: true`.
//!   Needs no peer tool.
//! - `made/…`: built here from the test Lab's CA and TSA by openssl (`cms
//!   -sign -stream`: BER, spliced into a PDF signature placeholder; SHA-1,
//!   RSA-1024, brainpool), pyHanko (adbe.pkcs7.detached, document
//!   time-stamps with `/Type /Sig` or none, a signature time-stamp copied
//!   from another signature) and endesive (adbe.pkcs7.detached, with its
//!   OCSP response as an RFC 5940 entry of SignedData.crls), verified with
//!   the Lab's root trusted.
//! - `made/pyhanko-*pypdf*`: a form signed by pyHanko (not certified,
//!   certified P2 and P3) and then filled, annotated or given a page by
//!   pypdf in an incremental update; `tests/world/changes.tsv` gives the
//!   later revisions kyso reports and pyHanko's difference analysis of
//!   each (checked too, disagreements explained there).
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::lab::*;
use common::verify::*;
use common::*;

/// One row of tests/world/expected.tsv.
#[derive(Debug)]
struct Row {
    file: String,
    sig: usize,
    kind: String,
    indication: String,
    sub_indication: String,
    integrity: String,
    notes: Vec<String>,
    refused: Vec<String>,
    level: String,
}

fn list(s: &str) -> Vec<String> {
    if s == "-" {
        return Vec::new();
    }
    s.split(',').map(str::to_string).collect()
}

fn table() -> Vec<Row> {
    include_str!("world/expected.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 9, "expected.tsv: {l}");
            Row {
                file: c[0].into(),
                sig: c[1].parse().unwrap(),
                kind: c[2].into(),
                indication: c[3].into(),
                sub_indication: c[4].into(),
                integrity: c[5].into(),
                notes: list(c[6]),
                refused: list(c[7]),
                level: c[8].into(),
            }
        })
        .collect()
}

fn rows_of<'a>(rows: &'a [Row], file: &str) -> Vec<&'a Row> {
    rows.iter().filter(|r| r.file == file).collect()
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Mismatches between the report `v` (exit status `code`) on `file` and
/// its rows.
fn check(file: &str, code: i32, v: &serde_json::Value, rows: &[&Row]) -> Vec<String> {
    let mut bad = Vec::new();
    let sigs = v["signatures"].as_array().cloned().unwrap_or_default();
    if sigs.len() != rows.len() {
        bad.push(format!(
            "{file}: {} signatures, the table has {}",
            sigs.len(),
            rows.len()
        ));
    }
    let mut worst = 0;
    for r in rows {
        let Some(s) = sigs.get(r.sig - 1) else {
            continue;
        };
        let notes: Vec<String> = s["cms_notes"]
            .as_array()
            .map(|a| a.iter().map(|n| text_of(&n["code"])).collect())
            .unwrap_or_default();
        let refused: Vec<String> = s["refused_algorithms"]
            .as_array()
            .map(|a| a.iter().map(text_of).collect())
            .unwrap_or_default();
        let got = [
            ("kind", text_of(&s["kind"]), r.kind.clone()),
            (
                "indication",
                text_of(&s["indication"]),
                r.indication.clone(),
            ),
            (
                "sub_indication",
                text_of(&s["sub_indication"]),
                r.sub_indication.clone(),
            ),
            ("integrity", text_of(&s["integrity"]), r.integrity.clone()),
            ("cms_notes", notes.join(","), r.notes.join(",")),
            ("refused_algorithms", refused.join(","), r.refused.join(",")),
            ("level", text_of(&s["level"]), r.level.clone()),
        ];
        for (what, got, want) in got {
            let want = if want.is_empty() { "-".into() } else { want };
            let got = if got.is_empty() { "-".into() } else { got };
            if got != want {
                bad.push(format!(
                    "{file} #{}: {what} is {got}, expected {want} ({})",
                    r.sig,
                    text_of(&s["message_en"])
                ));
            }
        }
        worst = worst.max(match r.indication.as_str() {
            "TOTAL-PASSED" => 0,
            "INDETERMINATE" => 1,
            _ => 2,
        });
    }
    if code != worst {
        bad.push(format!("{file}: exit status {code}, expected {worst}"));
    }
    bad
}

fn world_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/world")
}

#[test]
fn fixtures_from_other_projects_get_their_expected_verdicts() {
    let rows = table();
    let empty = tempfile::tempdir().unwrap();
    // No data directory: no trust anchor but the ones given (none).
    let data = empty.path().join("no-data");
    let mut files: Vec<&str> = rows
        .iter()
        .filter(|r| r.file.starts_with("dss/"))
        .map(|r| r.file.as_str())
        .collect();
    files.dedup();
    assert!(files.len() >= 15, "{files:?}");
    let mut bad = Vec::new();
    for f in &files {
        let path = world_dir().join(f);
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size < 200 * 1024, "{f}: fixtures stay under 200 KB");
        let o = Command::new(KYSO)
            .args(["--data", data.to_str().unwrap()])
            .args(["verify", path.to_str().unwrap(), "--offline", "--json"])
            .env("KYSO_LOG", "error")
            .output()
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{f}: {e}: {}", text(&o)));
        bad.extend(check(
            f,
            o.status.code().unwrap_or(-1),
            &v,
            &rows_of(&rows, f),
        ));
    }
    assert!(!data.exists(), "kyso verify created a data directory");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

// ------------------------------------------------------------ made here

/// A signed PDF's last signature: the `/ByteRange` gap `[a, b)` (the hex
/// `/Contents` string with its angle brackets).
fn contents_gap(pdf: &[u8]) -> (usize, usize) {
    let at = pdf
        .windows(11)
        .rposition(|w| w == b"/ByteRange ")
        .or_else(|| pdf.windows(11).rposition(|w| w == b"/ByteRange["))
        .expect("a /ByteRange");
    let rest = &pdf[at + 10..];
    let open = rest.iter().position(|b| *b == b'[').unwrap();
    let close = rest.iter().position(|b| *b == b']').unwrap();
    let nums: Vec<usize> = std::str::from_utf8(&rest[open + 1..close])
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    (nums[1], nums[2])
}

/// The bytes a signature with this gap covers.
fn signed_content(pdf: &[u8], (a, b): (usize, usize)) -> Vec<u8> {
    [&pdf[..a], &pdf[b..]].concat()
}

/// Writes `cms` (hex, zero-padded) into the gap.
fn splice(pdf: &mut [u8], (a, b): (usize, usize), cms: &[u8]) {
    let hex = hex::encode_upper(cms);
    assert!(hex.len() <= b - a - 2, "CMS larger than the placeholder");
    pdf[a + 1..b - 1].fill(b'0');
    pdf[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
}

/// Replaces `from` by `to` (padded with spaces to the same length) once.
fn patch(pdf: &mut [u8], from: &[u8], to: &[u8]) {
    assert!(to.len() <= from.len());
    let at = pdf
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(from)));
    let mut with = to.to_vec();
    with.resize(from.len(), b' ');
    pdf[at..at + from.len()].copy_from_slice(&with);
}

const DATA_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
];

/// The BER SignedData `cms` (as `openssl cms -sign -stream` writes it,
/// content encapsulated) with its eContent removed: a detached BER
/// signature, every other byte as openssl wrote it.
fn detach(cms: &[u8]) -> Vec<u8> {
    let encap = cms
        .windows(DATA_OID.len() + 2)
        .position(|w| w[..2] == [0x30, 0x80] && &w[2..] == DATA_OID)
        .expect("an indefinite-length EncapsulatedContentInfo");
    let e0 = encap + 2 + DATA_OID.len();
    assert_eq!(cms[e0], 0xa0, "eContent");
    let len = kyso_pki::ber::first_object(&cms[e0..]).unwrap().len();
    [&cms[..e0], &cms[e0 + len..]].concat()
}

/// `openssl cms -sign` over `content` (a file in `dir`) into `out`.
fn openssl_sign(dir: &Path, content: &str, out: &str, extra: &[&str]) {
    let mut args = vec![
        "cms", "-sign", "-binary", "-outform", "DER", "-in", content, "-out", out,
    ];
    args.extend_from_slice(extra);
    openssl(dir, &args);
}

/// A kyso-signed copy of plain.pdf, the placeholder the CMS of another
/// producer is spliced into, with its SubFilter set to `sub_filter`.
fn placeholder(lab: &Lab, name: &str, sub_filter: &[u8]) -> Vec<u8> {
    let out = lab.path(name);
    lab.kyso_ok(&[
        "sign",
        s(&lab.path("plain.pdf")),
        "-o",
        s(&out),
        "--p12",
        s(&lab.rsa),
    ]);
    let mut pdf = std::fs::read(&out).unwrap();
    let written: &[u8] = if pdf
        .windows(30)
        .any(|w| w == b"/SubFilter/ETSI.CAdES.detached")
    {
        b"/SubFilter/ETSI.CAdES.detached"
    } else {
        b"/SubFilter /ETSI.CAdES.detached"
    };
    patch(&mut pdf, written, sub_filter);
    pdf
}

/// Signs plain.pdf with openssl into the placeholder: `cms -sign` with
/// `extra` over the ByteRange content (`sha1_content`: over its SHA-1
/// digest, encapsulated, as adbe.pkcs7.sha1 wants), `detached`: the
/// content removed from the streamed output; `edit` changes the
/// placeholder first.
fn openssl_pdf(
    lab: &Lab,
    name: &str,
    sub_filter: &[u8],
    extra: &[&str],
    sha1_content: bool,
    detached: bool,
    edit: impl FnOnce(Vec<u8>) -> Vec<u8>,
) {
    let dir = &lab.peers.dir;
    let mut pdf = edit(placeholder(lab, name, sub_filter));
    let gap = contents_gap(&pdf);
    let content = signed_content(&pdf, gap);
    let content = if sha1_content {
        kyso_crypto::digest(kyso_crypto::DigestAlgorithm::Sha1, &content)
    } else {
        content
    };
    let input = format!("{name}.content");
    let cms_file = format!("{name}.p7s");
    std::fs::write(dir.join(&input), &content).unwrap();
    openssl_sign(dir, &input, &cms_file, extra);
    let mut cms = std::fs::read(dir.join(&cms_file)).unwrap();
    if detached {
        cms = detach(&cms);
    }
    splice(&mut pdf, gap, &cms);
    std::fs::write(dir.join(name), &pdf).unwrap();
}

/// `pdf` with ` /Encrypt null` added to its last trailer, the signature's
/// `/ByteRange` lengthened to cover it (it is signed afresh after).
fn with_encrypt_null(pdf: Vec<u8>) -> Vec<u8> {
    const ADD: &[u8] = b" /Encrypt null";
    let t = pdf.windows(7).rposition(|w| w == b"trailer").unwrap();
    let end = t + pdf[t..].windows(9).position(|w| w == b"startxref").unwrap();
    let close = t + pdf[t..end].windows(2).rposition(|w| w == b">>").unwrap();
    let mut out = [&pdf[..close], ADD, &pdf[close..]].concat();
    let br = out.windows(10).rposition(|w| w == b"/ByteRange").unwrap() + 10;
    let open = br + out[br..].iter().position(|b| *b == b'[').unwrap();
    let shut = br + out[br..].iter().position(|b| *b == b']').unwrap();
    let n: Vec<u64> = std::str::from_utf8(&out[open + 1..shut])
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let mut a = format!("[{} {} {} {}", n[0], n[1], n[2], n[3] + ADD.len() as u64).into_bytes();
    assert!(a.len() < shut - open);
    a.resize(shut - open, b' ');
    out[open..shut].copy_from_slice(&a);
    out
}

const PYHANKO_WORLD: &str = r#"
import sys
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import pdf_byterange
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.generic import pdf_name

d, tsa_url, pw = sys.argv[1], sys.argv[2], sys.argv[3].encode()
rsa = signers.SimpleSigner.load_pkcs12(f'{d}/rsa.p12', passphrase=pw)
tst = timestamps.HTTPTimeStamper(tsa_url)
orig = pdf_byterange.DocumentTimestamp.__init__
doc_ts_type = ['/DocTimeStamp']

def patched(self, *a, **k):
    orig(self, *a, **k)
    if doc_ts_type[0] is None:
        del self['/Type']
    else:
        self['/Type'] = pdf_name(doc_ts_type[0])

pdf_byterange.DocumentTimestamp.__init__ = patched

def open_writer(inp):
    return IncrementalPdfFileWriter(open(inp, 'rb'))

for job in sys.argv[4:]:
    kind, inp, out = job.split(':')
    w = open_writer(inp)
    with open(out, 'wb') as o:
        if kind in ('doc-ts-sig', 'doc-ts-none'):
            doc_ts_type[0] = '/Sig' if kind == 'doc-ts-sig' else None
            signers.PdfTimeStamper(tst).timestamp_pdf(w, 'sha256', output=o)
        elif kind == 'pkcs7':
            meta = signers.PdfSignatureMetadata(
                field_name='Sig1', subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
                md_algorithm='sha256')
            signers.sign_pdf(w, meta, signer=rsa, timestamper=tst, output=o)
"#;

/// A signature time-stamp copied from the last signature of `from` into
/// the last signature of `into` (asn1crypto, from pyHanko's venv).
const COPY_TIMESTAMP: &str = r#"
import sys, re
from asn1crypto import cms
src, dst, out = sys.argv[1:4]
def last_contents(data):
    m = list(re.finditer(rb'/Contents\s*<([0-9A-Fa-f]+)>', data))[-1]
    return m.start(1), m.end(1), bytes.fromhex(m.group(1).decode())
s = open(src, 'rb').read(); d = open(dst, 'rb').read()
_, _, sc = last_contents(s)
a, b, dc = last_contents(d)
stok = cms.ContentInfo.load(sc)['content']['signer_infos'][0]['unsigned_attrs']
dci = cms.ContentInfo.load(dc)
dci['content']['signer_infos'][0]['unsigned_attrs'] = stok
new = dci.dump(force=True).hex().upper().encode()
assert len(new) <= b - a
open(out, 'wb').write(d[:a] + new + b'0' * (b - a - len(new)) + d[b:])
"#;

/// endesive's signer. Its verifier is stubbed out: it imports oscrypto,
/// whose 1.3.0 release cannot read OpenSSL version strings with a
/// two-digit patch number (3.0.19) and fails at import; signing does not
/// use it.
const ENDESIVE: &str = r#"
import sys, types
stub = types.ModuleType('endesive.pdf.verify')
stub.PDFVerifier = stub.verify = None
sys.modules['endesive.pdf.verify'] = stub
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography import x509
from endesive.pdf import cms
d, pw, ocsp_url = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
key, cert, others = pkcs12.load_key_and_certificates(open(f'{d}/rsa.p12', 'rb').read(), pw)
issuing = x509.load_pem_x509_certificate(open(f'{d}/issuing.pem', 'rb').read())
for job in sys.argv[4:]:
    kind, inp, out = job.split(':')
    data = open(inp, 'rb').read()
    udct = {
        'sigflags': 3, 'contact': 'an@ninhbinh.gov.vn', 'location': 'Ninh Binh',
        'signingdate': "D:20260301080000+07'00'", 'reason': 'Phe duyet',
    }
    # With an OCSP URL endesive embeds the signer's OCSP response as an
    # RFC 5940 OtherRevocationInfoFormat in SignedData.crls.
    ocsp = ocsp_url if kind == 'ocsp' else None
    sig = cms.sign(data, udct, key, cert, [issuing], 'sha256', ocspurl=ocsp)
    open(out, 'wb').write(data + sig)
"#;

/// A one-page form (classic xref table, written by hand): a line of text
/// and a text field `HoTen` left empty, its widget on the page with an
/// empty appearance, for the form-filling and annotation files.
fn form_pdf() -> Vec<u8> {
    let content =
        b"BT /F1 18 Tf 72 760 Td (Don de nghi) Tj ET BT /F1 12 Tf 72 712 Td (Ho ten:) Tj ET";
    let ap = b"/Tx BMC EMC";
    let stream = |dict: &str, data: &[u8]| {
        [
            format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes(),
            data.to_vec(),
            b"\nendstream".to_vec(),
        ]
        .concat()
    };
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >> >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R] >>".to_vec(),
        stream("", content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /FT /Tx /T (HoTen) /V () /DA (/Helv 12 Tf 0 g) /Type /Annot /Subtype /Widget /Rect [130 705 400 725] /P 3 0 R /F 4 /AP << /N 7 0 R >> >>".to_vec(),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 270 20] /Resources << /Font << /Helv 5 0 R >> >>",
            ap,
        ),
    ];
    let objects: Vec<Vec<u8>> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| [format!("{} 0 obj\n", i + 1).as_bytes(), o, b"\nendobj"].concat())
        .collect();
    let objects: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    kyso_pdf::test_support::write_pdf(&objects, "")
}

/// Incremental updates by pypdf (`PdfWriter(FILE, incremental=True)`), a
/// producer other than the signer, on pyHanko-signed files: jobs
/// `kind:in:out`, kind `fill` (the text field filled, its appearance
/// regenerated by pypdf), `freetext` (a FreeText annotation beside the
/// text), `square` (a Square annotation over the signed text "Ho ten:"),
/// `addpage` (a blank page added).
const PYPDF_UPDATE: &str = r#"
import sys
from pypdf import PdfWriter
from pypdf.annotations import FreeText, Rectangle
for job in sys.argv[1:]:
    kind, inp, out = job.split(':')
    w = PdfWriter(inp, incremental=True)
    if kind == 'fill':
        w.update_page_form_field_values(w.pages[0], {'HoTen': 'Nguyen Van An'}, auto_regenerate=False)
    elif kind == 'freetext':
        w.add_annotation(0, FreeText(text='Da xem', rect=(300, 600, 450, 640)))
    elif kind == 'square':
        w.add_annotation(0, Rectangle(rect=(60, 700, 250, 740)))
    elif kind == 'addpage':
        w.add_blank_page(595, 842)
    else:
        raise SystemExit(f'unknown job {kind}')
    w.write(out)
"#;

/// pyHanko's difference analysis (its `DEFAULT_DIFF_POLICY`, what `pyhanko
/// sign validate` applies) of each file's first signature: one line
/// `FILE<TAB>LEVEL` per file, LEVEL a `ModificationLevel` name or
/// `SUSPICIOUS` when it raises `SuspiciousModification`.
const PYHANKO_DIFF: &str = r#"
import sys, logging
logging.disable(logging.CRITICAL)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.diff_analysis.policy_api import SuspiciousModification
for f in sys.argv[1:]:
    with open(f, 'rb') as inp:
        r = PdfFileReader(inp)
        s = r.embedded_signatures[0]
        res = DEFAULT_DIFF_POLICY.review_file(r, s.signed_revision)
        level = 'SUSPICIOUS' if isinstance(res, SuspiciousModification) else res.modification_level.name
        print(f'{f}\t{level}')
"#;

/// One row of tests/world/changes.tsv: what was changed after signature
/// `sig` of `file` and what pyHanko's difference analysis says.
#[derive(Debug)]
struct ChangeRow {
    file: String,
    sig: usize,
    revisions: String,
    codes: String,
    pyhanko: String,
}

fn changes_table() -> Vec<ChangeRow> {
    include_str!("world/changes.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 5, "changes.tsv: {l}");
            ChangeRow {
                file: c[0].into(),
                sig: c[1].parse().unwrap(),
                revisions: c[2].into(),
                codes: c[3].into(),
                pyhanko: c[4].into(),
            }
        })
        .collect()
}

/// The later revisions of signature `r.sig` as `kind:allowed|disallowed`
/// and its change codes (`+covers` when the change paints over signed
/// content), compared with the row.
fn check_changes(v: &serde_json::Value, r: &ChangeRow) -> Vec<String> {
    let s = &v["signatures"][r.sig - 1];
    let revs = s["later_revisions"].as_array().cloned().unwrap_or_default();
    let revisions: Vec<String> = revs
        .iter()
        .map(|rev| {
            let allowed = if rev["allowed"] == true {
                "allowed"
            } else {
                "disallowed"
            };
            format!("{}:{allowed}", text_of(&rev["kind"]))
        })
        .collect();
    let mut codes: Vec<String> = revs
        .iter()
        .flat_map(|rev| rev["changes"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            let covers = if c["covers"].is_null() { "" } else { "+covers" };
            format!("{}{covers}", text_of(&c["code"]))
        })
        .collect();
    codes.sort();
    codes.dedup();
    let mut bad = Vec::new();
    for (what, got, want) in [
        ("later revisions", revisions.join(","), &r.revisions),
        ("change codes", codes.join(","), &r.codes),
    ] {
        let got = if got.is_empty() { "-".into() } else { got };
        if &got != want {
            bad.push(format!(
                "{} #{}: {what} are {got}, expected {want} ({})",
                r.file,
                r.sig,
                text_of(&s["message_en"])
            ));
        }
    }
    bad
}

/// Runs `script` with the test venv's Python in the Lab directory.
fn python_run(lab: &Lab, script: &str, args: &[&str]) -> Option<()> {
    lab.peers.python.as_ref()?;
    python_out(lab, script, args);
    Some(())
}

/// Whether the test venv has the Python module `module` (scripts/test.sh
/// installs endesive and pypdf).
fn have_module(lab: &Lab, module: &str) -> bool {
    let Some(python) = lab.peers.python.as_ref() else {
        return false;
    };
    let ok = Command::new(python)
        .args(["-c", &format!("import {module}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("{module} is required in the test venv (scripts/test.sh installs it)");
        }
        eprintln!("SKIP: {module} not installed in the test venv");
    }
    ok
}

/// Runs `script` with the test venv's Python in the Lab directory and
/// returns its standard output.
fn python_out(lab: &Lab, script: &str, args: &[&str]) -> String {
    let python = lab.peers.python.as_ref().expect("the test venv");
    let o = Command::new(python)
        .current_dir(&lab.peers.dir)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "python: {}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// pyHanko-signed forms changed by pypdf in incremental updates (form
/// filling, annotations, a page added), signed again by pyHanko after the
/// filling; returns the files made. pyHanko's difference analysis of each
/// is compared with `changes.tsv` (where it disagrees with kyso, the row
/// says why).
fn pypdf_updates(lab: &Lab) -> Vec<&'static str> {
    std::fs::write(lab.path("form.pdf"), form_pdf()).unwrap();
    pyhanko_sign(
        lab,
        &[
            "bt:form.pdf:form-signed.pdf",
            "certify2:form.pdf:form-certified-p2.pdf",
            "certify3:form.pdf:form-certified-p3.pdf",
        ],
    )
    .unwrap();
    let jobs = [
        ("fill", "form-signed.pdf", "pyhanko-pypdf-filled.pdf"),
        (
            "fill",
            "form-certified-p2.pdf",
            "pyhanko-p2-pypdf-filled.pdf",
        ),
        ("freetext", "form-signed.pdf", "pyhanko-pypdf-freetext.pdf"),
        ("square", "form-signed.pdf", "pyhanko-pypdf-square.pdf"),
        (
            "square",
            "form-certified-p2.pdf",
            "pyhanko-p2-pypdf-square.pdf",
        ),
        (
            "freetext",
            "form-certified-p3.pdf",
            "pyhanko-p3-pypdf-freetext.pdf",
        ),
        ("addpage", "form-signed.pdf", "pyhanko-pypdf-page-added.pdf"),
        (
            "addpage",
            "form-certified-p2.pdf",
            "pyhanko-p2-pypdf-page-added.pdf",
        ),
    ];
    let args: Vec<String> = jobs
        .iter()
        .map(|(kind, inp, out)| format!("{kind}:{inp}:{out}"))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    python_run(lab, PYPDF_UPDATE, &args).unwrap();
    // The certified, filled form signed by a second signer in a new field.
    pyhanko_sign(
        lab,
        &["approve:pyhanko-p2-pypdf-filled.pdf:pyhanko-p2-pypdf-filled-approved.pdf"],
    )
    .unwrap();
    let mut made: Vec<&'static str> = jobs.iter().map(|j| j.2).collect();
    made.push("pyhanko-p2-pypdf-filled-approved.pdf");
    for c in changes_table() {
        let f = c.file.strip_prefix("made/").unwrap_or(&c.file);
        assert!(made.contains(&f), "{} in changes.tsv is not made", c.file);
    }
    made
}

/// pyHanko's difference analysis of `files` (their first signature),
/// compared with the `pyhanko` column of changes.tsv.
fn pyhanko_diff_agrees(lab: &Lab, files: &[&str]) -> Vec<String> {
    let out = python_out(lab, PYHANKO_DIFF, files);
    let rows = changes_table();
    let mut bad = Vec::new();
    for line in out.lines() {
        let (f, level) = line.split_once('\t').unwrap();
        let label = format!("made/{f}");
        let Some(r) = rows.iter().find(|r| r.file == label && r.sig == 1) else {
            bad.push(format!("{label} is not in changes.tsv"));
            continue;
        };
        if r.pyhanko != level {
            bad.push(format!(
                "{label}: pyHanko's difference analysis says {level}, changes.tsv {}",
                r.pyhanko
            ));
        }
    }
    bad
}

#[test]
fn signatures_made_by_other_producers_get_their_expected_verdicts() {
    let Some(lab) = Lab::start() else { return };
    let dir = lab.peers.dir.clone();
    std::fs::write(lab.path("plain.pdf"), hand_pdf()).unwrap();
    // The Lab's RSA key and certificate as openssl files.
    lab.openssl_key_files("rsa");
    let lab_key = [
        "-signer",
        "rsa.crt",
        "-inkey",
        "rsa.key",
        "-certfile",
        "issuing.pem",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v: Vec<&'static str> = lab_key.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let mut made: Vec<&str> = Vec::new();

    // openssl cms -sign -stream: BER, the content cut out (detached).
    openssl_pdf(
        &lab,
        "openssl-ber-detached.pdf",
        b"/SubFilter/adbe.pkcs7.detached",
        &with(&["-stream", "-nodetach", "-md", "sha256"]),
        false,
        true,
        std::convert::identity,
    );
    made.push("openssl-ber-detached.pdf");
    // adbe.pkcs7.sha1: BER, the SHA-1 of the ByteRange encapsulated.
    openssl_pdf(
        &lab,
        "openssl-ber-sha1.pdf",
        b"/SubFilter/adbe.pkcs7.sha1",
        &with(&["-stream", "-nodetach", "-md", "sha256"]),
        true,
        false,
        std::convert::identity,
    );
    made.push("openssl-ber-sha1.pdf");
    // The same with one signed byte changed: the digest no longer matches.
    let mut tampered = std::fs::read(dir.join("openssl-ber-sha1.pdf")).unwrap();
    patch(&mut tampered, b"Hello from", b"Hallo from");
    std::fs::write(dir.join("openssl-ber-sha1-tampered.pdf"), &tampered).unwrap();
    made.push("openssl-ber-sha1-tampered.pdf");
    // SHA-1 digest, DER, detached.
    openssl_pdf(
        &lab,
        "openssl-sha1.pdf",
        b"/SubFilter/adbe.pkcs7.detached",
        &with(&["-md", "sha1"]),
        false,
        false,
        std::convert::identity,
    );
    made.push("openssl-sha1.pdf");
    // RSA-1024 and brainpoolP256r1 keys (self-signed by openssl).
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "rsa1024.key",
            "-out",
            "rsa1024.crt",
            "-subj",
            "/CN=RSA 1024",
            "-days",
            "30",
        ],
    );
    openssl(
        &dir,
        &[
            "ecparam",
            "-name",
            "brainpoolP256r1",
            "-genkey",
            "-noout",
            "-out",
            "bp.key",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-key",
            "bp.key",
            "-out",
            "bp.crt",
            "-subj",
            "/CN=Brainpool",
            "-days",
            "30",
        ],
    );
    for (name, cert, key) in [
        ("openssl-rsa1024.pdf", "rsa1024.crt", "rsa1024.key"),
        ("openssl-brainpool.pdf", "bp.crt", "bp.key"),
    ] {
        openssl_pdf(
            &lab,
            name,
            b"/SubFilter/adbe.pkcs7.detached",
            &["-signer", cert, "-inkey", key, "-md", "sha256"],
            false,
            false,
            std::convert::identity,
        );
        made.push(name);
    }

    // A trailer saying /Encrypt null (not encryption).
    openssl_pdf(
        &lab,
        "openssl-encrypt-null.pdf",
        b"/SubFilter/adbe.pkcs7.detached",
        &with(&["-md", "sha256"]),
        false,
        false,
        with_encrypt_null,
    );
    let enc = std::fs::read(dir.join("openssl-encrypt-null.pdf")).unwrap();
    assert!(enc.windows(13).any(|w| w == b"/Encrypt null"));
    made.push("openssl-encrypt-null.pdf");

    // pyHanko.
    if lab.peers.python.is_some() {
        pyhanko_sign(&lab, &["bt:plain.pdf:bt-a.pdf", "bt:plain.pdf:bt-b.pdf"]).unwrap();
        let p = s(&dir);
        python_run(
            &lab,
            PYHANKO_WORLD,
            &[
                p,
                &lab.tsa,
                P12_PASSWORD,
                "pkcs7:plain.pdf:pyhanko-pkcs7-detached.pdf",
                "doc-ts-sig:bt-a.pdf:pyhanko-doc-ts-type-sig.pdf",
                "doc-ts-none:bt-a.pdf:pyhanko-doc-ts-no-type.pdf",
            ],
        )
        .unwrap();
        python_run(
            &lab,
            COPY_TIMESTAMP,
            &["bt-a.pdf", "bt-b.pdf", "pyhanko-copied-timestamp.pdf"],
        )
        .unwrap();
        made.extend([
            "pyhanko-pkcs7-detached.pdf",
            "pyhanko-doc-ts-type-sig.pdf",
            "pyhanko-doc-ts-no-type.pdf",
            "pyhanko-copied-timestamp.pdf",
        ]);
        // pyHanko agrees on the files of other producers it can read.
        for f in ["openssl-ber-detached.pdf", "pyhanko-pkcs7-detached.pdf"] {
            let (ok, t) = lab.peers.pyhanko(&dir.join(f)).unwrap();
            assert!(ok, "pyhanko {f}: {t}");
        }
        let (ok, t) = lab
            .peers
            .pyhanko(&dir.join("pyhanko-copied-timestamp.pdf"))
            .unwrap();
        assert!(
            !ok || !t.contains("timestamp token is cryptographically sound"),
            "pyhanko on a copied time-stamp: {t}"
        );
    }
    let mut bad = Vec::new();
    if have_module(&lab, "pypdf") {
        let files = pypdf_updates(&lab);
        bad.extend(pyhanko_diff_agrees(&lab, &files));
        made.extend(files);
    }
    if have_module(&lab, "endesive") {
        python_run(
            &lab,
            ENDESIVE,
            &[
                s(&dir),
                P12_PASSWORD,
                &format!("{}/ocsp", lab.d.base_url()),
                "plain:plain.pdf:endesive-detached.pdf",
                "ocsp:plain.pdf:endesive-ocsp.pdf",
            ],
        )
        .unwrap();
        made.extend(["endesive-detached.pdf", "endesive-ocsp.pdf"]);
    }

    let rows = table();
    let changes = changes_table();
    for f in &made {
        let (code, v) = verify_json(&lab, &dir.join(f), &[]);
        let label = format!("made/{f}");
        let r = rows_of(&rows, &label);
        assert!(!r.is_empty(), "{label} is not in expected.tsv");
        bad.extend(check(&label, code, &v, &r));
        for c in changes.iter().filter(|c| c.file == label) {
            bad.extend(check_changes(&v, c));
        }
    }

    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
