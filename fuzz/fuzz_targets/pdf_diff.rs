//! The modification analysis on arbitrary input, never a panic: a whole
//! file when the input starts with `%PDF` (every update checked and
//! analysed), else an update to a fixed signed-looking form document
//! whose objects are the input's parts (separated by NUL bytes, numbered
//! from their first byte), analysed under each DocMDP level.
#![no_main]
use kyso_pdf::diff::{self, DiffPolicy};
use kyso_pdf::revision::Revisions;
use libfuzzer_sys::fuzz_target;

const BASE: &[&str] = &[
    "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [7 0 R 9 0 R 10 0 R] >>",
    "<< /Length 65 >>\nstream\nBT /F1 24 Tf 72 700 Td (Hello) Tj ET 0 0 1 rg 100 100 200 50 re f\nendstream",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "<< /Fields [8 0 R 9 0 R] /DA (/Helv 0 Tf 0 g) >>",
    "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (note) >>",
    "<< /FT /Tx /T (parent) /Kids [10 0 R] >>",
    "<< /FT /Sig /T (seal) /Subtype /Widget /Rect [400 100 500 150] /P 3 0 R /V 11 0 R >>",
    "<< /T (child) /Parent 8 0 R /Subtype /Widget /Rect [300 600 500 620] /P 3 0 R >>",
    "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00> >>",
];

fn base() -> Vec<u8> {
    let numbered: Vec<String> = BASE
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} 0 obj\n{o}\nendobj", i + 1))
        .collect();
    let refs: Vec<&[u8]> = numbered.iter().map(|o| o.as_bytes()).collect();
    kyso_pdf::test_support::write_pdf(&refs, "")
}

fn analyse_all(bytes: &[u8]) {
    let Ok(revs) = Revisions::from_bytes(bytes) else {
        return;
    };
    let _ = revs.tail_problems();
    let marks = revs.marks().to_vec();
    for w in marks.windows(2).take(8) {
        let problems = revs.check_update(&w[0], &w[1]).unwrap_or_default();
        for p in [None, Some(1), Some(2), Some(3)] {
            let (Ok(mut old), Ok(mut new)) = (revs.revision_at(w[0].startxref), revs.revision_at(w[1].startxref)) else {
                return;
            };
            let policy = DiffPolicy {
                doc_mdp: p,
                locks: vec![kyso_pdf::FieldLock::Include(vec!["parent".into()])],
            };
            let changes = diff::analyse(&mut old, &mut new, &w[1], &problems, &policy);
            for c in &changes {
                let _ = c.finding.code();
                let _ = c.finding.covers();
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"%PDF") {
        analyse_all(data);
        return;
    }
    let mut objects = Vec::new();
    for part in data.split(|b| *b == 0).take(16) {
        let Some((&n, body)) = part.split_first() else {
            continue;
        };
        let mut o = format!("{} 0 obj\n", 1 + n % 16).into_bytes();
        o.extend_from_slice(body);
        o.extend_from_slice(b"\nendobj");
        objects.push(o);
    }
    let refs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    let updated = kyso_pdf::test_support::append_update_bytes(&base(), &refs, "");
    analyse_all(&updated);
});
