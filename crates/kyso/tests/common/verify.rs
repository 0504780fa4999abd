//! Shared helpers of the verifier tests: PDFs signed by pyHanko from the
//! Lab's keys, `kyso verify --json`, and incremental updates written with
//! lopdf (to build attacks).
#![allow(clippy::disallowed_methods)] // tests read their own trusted outputs whole
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::lab::*;

/// Signs with pyHanko's API; one process makes every file (pyHanko start
/// up costs ~1 s). Arguments: dir, TSA URL, p12 password, then jobs
/// `kind:in:out` where kind is bb, bt, blt, blta, certify2 (EC key,
/// DocMDP P=2), certify1, approve (RSA, new field), doc-ts, leafonly (RSA,
/// the CMS carries the signer's certificate only: no issuing CA), leafdup
/// (as leafonly, the signer's certificate listed twice).
pub const PYHANKO_SIGN: &str = r#"
import sys
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter, MDPPerm
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder

d, tsa_url, pw = sys.argv[1], sys.argv[2], sys.argv[3].encode()
rsa = signers.SimpleSigner.load_pkcs12(f'{d}/rsa.p12', passphrase=pw)
ec = signers.SimpleSigner.load_pkcs12(f'{d}/ec.p12', passphrase=pw)
root = load_cert_from_pemder(f'{d}/root.pem')
issuing = load_cert_from_pemder(f'{d}/issuing.pem')
tst = timestamps.HTTPTimeStamper(tsa_url)

def vc():
    return ValidationContext(trust_roots=[root], other_certs=[issuing], allow_fetching=True)

def count_sigs(path):
    from pyhanko.pdf_utils.reader import PdfFileReader
    with open(path, 'rb') as f:
        return len(PdfFileReader(f).embedded_signatures)

for job in sys.argv[4:]:
    kind, inp, out = job.split(':')
    n = count_sigs(inp) + 1
    with open(inp, 'rb') as f:
        w = IncrementalPdfFileWriter(f)
        with open(out, 'wb') as o:
            if kind == 'doc-ts':
                signers.PdfTimeStamper(tst).timestamp_pdf(w, 'sha256', output=o)
                continue
            kw = dict(field_name=f'Sig{n}', subfilter=SigSeedSubFilter.PADES, md_algorithm='sha256')
            signer, ts = rsa, None
            if kind in ('leafonly', 'leafdup'):
                # leafdup: the signer's certificate also in the registry,
                # so pyHanko lists it twice in SignedData.certificates.
                from pyhanko_certvalidator.registry import SimpleCertificateStore
                signer = signers.SimpleSigner(
                    signing_cert=rsa.signing_cert, signing_key=rsa.signing_key,
                    cert_registry=SimpleCertificateStore.from_certs(
                        [rsa.signing_cert] if kind == 'leafdup' else []))
            if kind in ('bt', 'blt', 'blta', 'approve'):
                ts = tst
            if kind in ('blt', 'blta'):
                kw.update(embed_validation_info=True, validation_context=vc())
            if kind == 'blta':
                kw.update(use_pades_lta=True)
            if kind.startswith('certify'):
                signer = ec
                kw.update(certify=True, docmdp_permissions={'certify1': MDPPerm.NO_CHANGES, 'certify2': MDPPerm.FILL_FORMS, 'certify3': MDPPerm.ANNOTATE}[kind])
            signers.sign_pdf(w, signers.PdfSignatureMetadata(**kw), signer=signer, timestamper=ts, output=o)
"#;

/// Runs [`PYHANKO_SIGN`] for `jobs` (`kind:in:out`, names in the Lab dir).
/// None when the pyHanko venv is missing (and peers are not required).
pub fn pyhanko_sign(lab: &Lab, jobs: &[&str]) -> Option<()> {
    let python = lab.peers.python.as_ref()?;
    let o = Command::new(python)
        .current_dir(&lab.peers.dir)
        .arg("-c")
        .arg(PYHANKO_SIGN)
        .arg(lab.peers.dir.to_str().unwrap())
        .arg(&lab.tsa)
        .arg(P12_PASSWORD)
        .args(jobs)
        .output()
        .expect("python");
    assert!(o.status.success(), "pyhanko signing: {}", text(&o));
    Some(())
}

/// `kyso verify FILE --trust root.pem --certs issuing.pem --json [extra]`
/// (the same inputs pyHanko gets): (exit code, report).
pub fn verify_json(lab: &Lab, file: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let root = lab.path("root.pem");
    let issuing = lab.path("issuing.pem");
    let mut args = vec![
        "verify",
        s(file),
        "--trust",
        s(&root),
        "--certs",
        s(&issuing),
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = lab.kyso(&args);
    let code = o.status.code().unwrap_or(-1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("kyso verify {}: {e}: {}", file.display(), text(&o)));
    (code, v)
}

/// The (indication, sub-indication) of signature `i` (0-based).
pub fn verdict(v: &serde_json::Value, i: usize) -> (String, String) {
    let s = &v["signatures"][i];
    (
        s["indication"].as_str().unwrap_or("").to_string(),
        s["sub_indication"].as_str().unwrap_or("").to_string(),
    )
}

/// Appends an incremental update made by `edit` on a lopdf
/// IncrementalDocument of `input`; writes `output`.
pub fn incremental(
    input: &Path,
    output: &PathBuf,
    edit: impl FnOnce(&mut ::lopdf::IncrementalDocument),
) {
    let bytes = std::fs::read(input).unwrap();
    let prev = ::lopdf::Document::load_mem(&bytes).unwrap();
    let mut doc = ::lopdf::IncrementalDocument::create_from(bytes.clone(), prev);
    edit(&mut doc);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    std::fs::write(output, out).unwrap();
}

/// First page object id of the previous revisions.
pub fn first_page(doc: &::lopdf::IncrementalDocument) -> lopdf::ObjectId {
    *doc.get_prev_documents()
        .get_pages()
        .values()
        .next()
        .unwrap()
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
