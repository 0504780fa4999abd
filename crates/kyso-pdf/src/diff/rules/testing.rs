//! A small form document and hand-written incremental updates to it, for
//! the tests of each rule.
use crate::diff::{analyse, Change, DiffPolicy};
use crate::revision::Revisions;
use crate::signature_dict::FieldLock;

/// Objects of the base document: a page with text and a blue box
/// (x 100–300, y 100–150), a text annotation, a text field `parent.child`
/// (a parent with a merged field-and-widget kid), an empty signature
/// field `seal`, an information dictionary.
const BASE: &[&str] = &[
    "1 0 obj << /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >> endobj",
    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [7 0 R 9 0 R 10 0 R] >> endobj",
    "4 0 obj << /Length 65 >> stream\nBT /F1 24 Tf 72 700 Td (Hello) Tj ET 0 0 1 rg 100 100 200 50 re f\nendstream endobj",
    "5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj",
    "6 0 obj << /Fields [8 0 R 9 0 R] /DA (/Helv 0 Tf 0 g) >> endobj",
    "7 0 obj << /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (note) >> endobj",
    "8 0 obj << /FT /Tx /T (parent) /Kids [10 0 R] >> endobj",
    "9 0 obj << /FT /Sig /T (seal) /Subtype /Widget /Rect [400 100 500 150] /P 3 0 R >> endobj",
    "10 0 obj << /T (child) /Parent 8 0 R /Subtype /Widget /Rect [300 600 500 620] /P 3 0 R >> endobj",
    "11 0 obj << /Producer (test) >> endobj",
];

/// The child field filled, with a new appearance (object 13).
pub(crate) const FILL_CHILD: &str = "10 0 obj << /T (child) /Parent 8 0 R /Subtype /Widget /Rect [300 600 500 620] /P 3 0 R /V (123/QĐ) /AP << /N 13 0 R >> >> endobj";
pub(crate) const FILL_AP: &str = "13 0 obj << /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Length 10 >> stream\n/Tx BMC EMC\nendstream endobj";
/// The seal field signed with signature dictionary 12 and appearance 13.
pub(crate) const SIGN_SEAL: &str = "9 0 obj << /FT /Sig /T (seal) /Subtype /Widget /Rect [400 100 500 150] /P 3 0 R /V 12 0 R /AP << /N 13 0 R >> >> endobj";
pub(crate) const SIG_DICT: &str = "12 0 obj << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00> >> endobj";
pub(crate) const SEAL_AP: &str = "13 0 obj << /Type /XObject /Subtype /Form /BBox [0 0 100 50] /Length 20 >> stream\n0 0 100 50 re f     \nendstream endobj";
/// A new signature field (object 14), invisible or visible over the box.
pub(crate) const NEW_INVISIBLE_SIG: &str = "14 0 obj << /FT /Sig /T (sig2) /Subtype /Widget /Rect [0 0 0 0] /F 132 /P 3 0 R /V 12 0 R >> endobj";
pub(crate) const NEW_VISIBLE_SIG: &str = "14 0 obj << /FT /Sig /T (sig2) /Subtype /Widget /Rect [150 90 250 160] /P 3 0 R /V 12 0 R /AP << /N 13 0 R >> >> endobj";

/// The catalog with `extra` entries.
pub(crate) fn catalog(extra: &str) -> String {
    format!("1 0 obj << /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R {extra} >> endobj")
}

pub(crate) fn catalog_with_pages(pages: &str) -> String {
    format!("1 0 obj << /Type /Catalog /Pages {pages} /AcroForm 6 0 R >> endobj")
}

/// The page with `extra` entries (overriding its own).
pub(crate) fn page(extra: &str) -> String {
    format!("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [7 0 R 9 0 R 10 0 R] {extra} >> endobj")
}

/// The AcroForm with `extra` entries.
pub(crate) fn acroform(extra: &str) -> String {
    format!("6 0 obj << /Fields [8 0 R 9 0 R] /DA (/Helv 0 Tf 0 g) {extra} >> endobj")
}

/// `bytes` with an incremental update holding `objects` (each `N 0 obj …
/// endobj`, or `free N`) and a trailer with `extra` entries.
pub(crate) fn append(bytes: &[u8], objects: &[&str], extra: &str) -> Vec<u8> {
    crate::test_support::append_update(bytes, objects, extra)
}

/// The base document as a file.
pub(crate) fn base_pdf() -> Vec<u8> {
    let objects: Vec<&[u8]> = BASE.iter().map(|o| o.as_bytes()).collect();
    crate::test_support::write_pdf(&objects, "/Info 11 0 R")
}

/// A document and the policy its next update is judged under.
#[derive(Clone)]
pub(crate) struct Fixture {
    pub(crate) bytes: Vec<u8>,
    pub(crate) policy: DiffPolicy,
}

impl Fixture {
    pub(crate) fn base() -> Fixture {
        Fixture {
            bytes: base_pdf(),
            policy: DiffPolicy::default(),
        }
    }

    /// Judged as after a certification with DocMDP `p`.
    pub(crate) fn certified(&self, p: u8) -> Fixture {
        let mut f = self.clone();
        f.policy.doc_mdp = Some(p);
        f
    }

    pub(crate) fn locked(&self, locks: Vec<FieldLock>) -> Fixture {
        let mut f = self.clone();
        f.policy.locks = locks;
        f
    }

    /// The document with one more (unjudged) update.
    pub(crate) fn then(&self, objects: &[&str], extra: &str) -> Fixture {
        Fixture {
            bytes: append(&self.bytes, objects, extra),
            policy: self.policy.clone(),
        }
    }

    /// Append an update and analyse it against the last revision.
    pub(crate) fn update(&self, objects: &[&str], extra: &str) -> Vec<Change> {
        analyse_last(&append(&self.bytes, objects, extra), &self.policy)
    }
}

/// The changes of the last update of `bytes`.
pub(crate) fn analyse_last(bytes: &[u8], policy: &DiffPolicy) -> Vec<Change> {
    let revs = Revisions::from_bytes(bytes).unwrap();
    let marks = revs.marks().to_vec();
    assert!(marks.len() >= 2, "{marks:?}");
    let (p, n) = (&marks[marks.len() - 2], &marks[marks.len() - 1]);
    let problems = revs.check_update(p, n).unwrap();
    let mut old = revs.revision_at(p.startxref).unwrap();
    let mut new = revs.revision_at(n.startxref).unwrap();
    analyse(&mut old, &mut new, n, &problems, policy)
}

pub(crate) fn codes(c: &[Change]) -> Vec<&'static str> {
    c.iter().map(|c| c.finding.code()).collect()
}
