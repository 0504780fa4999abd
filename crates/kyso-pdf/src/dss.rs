//! The Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1
//! §5.4): certificates, OCSP responses and CRLs kept in the document so
//! that its signatures can be validated long after the services that
//! answered are gone (PAdES B-LT), written as an incremental update.
//!
//! An existing DSS is extended, never rewritten: its entries stay (the
//! same objects), new material is added once (byte-identical items are
//! not stored twice), and `/VRI` gets one entry per signature keyed by
//! the upper-case hex SHA-1 of the signature's `/Contents` string.
use std::collections::HashMap;
use std::path::Path;

use kyso_crypto::DigestAlgorithm;
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};
use time::OffsetDateTime;

use crate::decode::{Budget, Limits};
use crate::open::{open, OpenedPdf};
use crate::section::write_update;
use crate::{pdf_date, PdfError};
use tempfile::NamedTempFile;

/// DER certificates, OCSP responses (full `OCSPResponse`) and CRLs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DssMaterial {
    pub certs: Vec<Vec<u8>>,
    pub ocsps: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}

impl DssMaterial {
    /// Add `other`'s items that are not there yet.
    pub fn merge(&mut self, other: &DssMaterial) {
        for (mine, theirs) in [
            (&mut self.certs, &other.certs),
            (&mut self.ocsps, &other.ocsps),
            (&mut self.crls, &other.crls),
        ] {
            for item in theirs {
                if !mine.contains(item) {
                    mine.push(item.clone());
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty() && self.ocsps.is_empty() && self.crls.is_empty()
    }
}

/// The validation material of one signature, for its `/VRI` entry.
#[derive(Clone, Debug)]
pub struct VriEntry {
    /// The signature's `/Contents` string as stored (with its padding).
    pub signature_contents: Vec<u8>,
    pub material: DssMaterial,
}

impl VriEntry {
    /// The `/VRI` key: upper-case hex SHA-1 of the `/Contents` bytes.
    pub fn key(&self) -> String {
        vri_key(&self.signature_contents)
    }
}

/// The `/VRI` key of a signature whose `/Contents` string is `contents`.
pub fn vri_key(contents: &[u8]) -> String {
    hex::encode_upper(kyso_crypto::digest(DigestAlgorithm::Sha1, contents))
}

/// What to add to the DSS.
#[derive(Clone, Debug)]
pub struct DssUpdate {
    /// Material for the DSS arrays (the VRI entries' material is added
    /// too).
    pub material: DssMaterial,
    pub vri: Vec<VriEntry>,
    /// `/TU` of the new VRI entries.
    pub time: OffsetDateTime,
}

/// What [`append_dss`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DssOutcome {
    /// New certificate streams (items already in the DSS not counted).
    pub certs_added: usize,
    pub ocsps_added: usize,
    pub crls_added: usize,
    /// New or extended `/VRI` entries.
    pub vri_added: usize,
    /// Size of the incremental update; 0 when nothing was new and the
    /// input was copied unchanged.
    pub bytes_added: u64,
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

/// The DSS dictionary of `doc`, and its object id when indirect.
fn dss_of(doc: &Document) -> Option<(Option<ObjectId>, Dictionary)> {
    let catalog = doc.catalog().ok()?;
    match catalog.get(b"DSS").ok()? {
        Object::Reference(id) => match doc.get_object(*id).ok()? {
            Object::Dictionary(d) => Some((Some(*id), d.clone())),
            _ => None,
        },
        Object::Dictionary(d) => Some((None, d.clone())),
        _ => None,
    }
}

/// The elements of the DSS array `key`, each with its decoded bytes when
/// readable.
fn dss_items(
    doc: &Document,
    dss: &Dictionary,
    key: &[u8],
    budget: &mut Budget,
) -> Vec<(Object, Option<Vec<u8>>)> {
    let Ok(arr) = dss.get(key) else {
        return Vec::new();
    };
    let Object::Array(arr) = resolve(doc, arr) else {
        return Vec::new();
    };
    arr.iter()
        .map(|o| {
            let bytes = match resolve(doc, o) {
                Object::Stream(s) => budget.decode(s).ok(),
                _ => None,
            };
            (o.clone(), bytes)
        })
        .collect()
}

/// The material of the document's DSS (readable items only), decoded
/// within `budget` (a deflate bomb in the DSS is an unreadable item).
/// Items whose payload was left on disk must have been read first
/// (`OpenedPdf::dss` does).
pub fn read_dss(doc: &Document, budget: &mut Budget) -> DssMaterial {
    let mut m = DssMaterial::default();
    if let Some((_, dss)) = dss_of(doc) {
        for (key, list) in [
            (&b"Certs"[..], &mut m.certs),
            (b"OCSPs", &mut m.ocsps),
            (b"CRLs", &mut m.crls),
        ] {
            list.extend(
                dss_items(doc, &dss, key, budget)
                    .into_iter()
                    .filter_map(|(_, b)| b),
            );
        }
    }
    m
}

/// The stream payloads of the DSS arrays that were left on disk (a big
/// CRL), as ids.
pub(crate) fn dss_streams_on_disk(
    doc: &Document,
    on_disk: impl Fn(ObjectId) -> bool,
) -> Vec<ObjectId> {
    match dss_of(doc) {
        Some((_, d)) => [&b"Certs"[..], b"OCSPs", b"CRLs"]
            .iter()
            .filter_map(|k| d.get(k).ok())
            .filter_map(|o| resolve(doc, o).as_array().ok())
            .flatten()
            .filter_map(|o| o.as_reference().ok())
            .filter(|id| on_disk(*id))
            .collect(),
        None => Vec::new(),
    }
}

impl OpenedPdf {
    /// Read the DSS items left on disk into the document.
    pub(crate) fn load_dss_from_disk(&mut self) -> Result<(), PdfError> {
        let ids = dss_streams_on_disk(self.document(), |id| self.is_on_disk(id));
        self.load_from_disk(&ids)
    }

    /// The material of the document's DSS, decoded within the document's
    /// bounded decoder.
    pub fn dss(&mut self) -> Result<DssMaterial, PdfError> {
        self.load_dss_from_disk()?;
        Ok(self.with_budget(read_dss))
    }
}

/// The `/VRI` keys present in the document's DSS.
pub fn read_vri_keys(doc: &Document) -> Vec<String> {
    let Some((_, dss)) = dss_of(doc) else {
        return Vec::new();
    };
    match dss.get(b"VRI").map(|v| resolve(doc, v)) {
        Ok(Object::Dictionary(vri)) => vri
            .iter()
            .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// One DSS array being extended: its elements and a map from content to
/// the reference that holds it.
struct DssArray {
    elements: Vec<Object>,
    by_content: HashMap<Vec<u8>, Object>,
    added: usize,
}

impl DssArray {
    fn read(doc: &Document, dss: &Dictionary, key: &[u8], budget: &mut Budget) -> Self {
        let mut a = DssArray {
            elements: Vec::new(),
            by_content: HashMap::new(),
            added: 0,
        };
        for (o, bytes) in dss_items(doc, dss, key, budget) {
            if let Some(b) = bytes {
                a.by_content.entry(b).or_insert_with(|| o.clone());
            }
            a.elements.push(o);
        }
        a
    }

    /// The reference to a stream holding `item`, added when new.
    fn reference(&mut self, new: &mut Document, item: &[u8]) -> Object {
        if let Some(o) = self.by_content.get(item) {
            return o.clone();
        }
        let mut stream = Stream::new(Dictionary::new(), item.to_vec());
        // Compression can only fail on I/O to a Vec; keep it plain then.
        let _ = stream.compress();
        let r = Object::Reference(new.add_object(stream));
        self.by_content.insert(item.to_vec(), r.clone());
        self.elements.push(r.clone());
        self.added += 1;
        r
    }
}

fn union(existing: Option<&Object>, new: Vec<Object>) -> Vec<Object> {
    let mut out = match existing {
        Some(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    for o in new {
        if !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

/// Write `update` into the DSS of `input` as an incremental update saved
/// at `output` (through a temporary file beside it; `output` may be
/// `input`). When everything is already there, nothing is appended and
/// the input is copied as is.
pub fn append_dss(input: &Path, output: &Path, update: &DssUpdate) -> Result<DssOutcome, PdfError> {
    let mut opened = open(input)?;
    // Items left on disk (a big CRL) are read so that they are not added twice.
    opened.load_dss_from_disk()?;
    let mut budget = Budget::new(Limits::SIGN);
    let mut section = opened.into_update();
    let inc = &mut section.inc;
    let prev = inc.get_prev_documents();
    let root_id = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| PdfError::Malformed(format!("trailer /Root: {e}")))?;
    let (dss_id, mut dss) = dss_of(prev).unwrap_or_else(|| (None, dictionary! {}));
    let mut certs = DssArray::read(prev, &dss, b"Certs", &mut budget);
    let mut ocsps = DssArray::read(prev, &dss, b"OCSPs", &mut budget);
    let mut crls = DssArray::read(prev, &dss, b"CRLs", &mut budget);
    let (vri_id, mut vri) = match dss.get(b"VRI") {
        Ok(Object::Reference(id)) => match prev.get_object(*id) {
            Ok(Object::Dictionary(d)) => (Some(*id), d.clone()),
            _ => (None, Dictionary::new()),
        },
        Ok(Object::Dictionary(d)) => (None, d.clone()),
        _ => (None, Dictionary::new()),
    };
    let resolved_vri: HashMap<Vec<u8>, Dictionary> = vri
        .iter()
        .filter_map(|(k, v)| match resolve(prev, v) {
            Object::Dictionary(d) => Some((k.clone(), d.clone())),
            _ => None,
        })
        .collect();

    let new = &mut inc.new_document;
    let mut all = update.material.clone();
    for e in &update.vri {
        all.merge(&e.material);
    }
    for c in &all.certs {
        certs.reference(new, c);
    }
    for o in &all.ocsps {
        ocsps.reference(new, o);
    }
    for c in &all.crls {
        crls.reference(new, c);
    }
    let mut vri_added = 0;
    for e in &update.vri {
        let key = e.key().into_bytes();
        let old = resolved_vri.get(&key);
        let refs = |arr: &mut DssArray, new: &mut Document, items: &[Vec<u8>]| -> Vec<Object> {
            items.iter().map(|i| arr.reference(new, i)).collect()
        };
        let c = union(
            old.and_then(|d| d.get(b"Cert").ok()),
            refs(&mut certs, &mut *new, &e.material.certs),
        );
        let o = union(
            old.and_then(|d| d.get(b"OCSP").ok()),
            refs(&mut ocsps, &mut *new, &e.material.ocsps),
        );
        let r = union(
            old.and_then(|d| d.get(b"CRL").ok()),
            refs(&mut crls, &mut *new, &e.material.crls),
        );
        let unchanged = old.is_some_and(|d| {
            d.get(b"Cert").ok() == Some(&Object::Array(c.clone()))
                && d.get(b"OCSP")
                    .ok()
                    .cloned()
                    .unwrap_or(Object::Array(vec![]))
                    == Object::Array(o.clone())
                && d.get(b"CRL").ok().cloned().unwrap_or(Object::Array(vec![]))
                    == Object::Array(r.clone())
        });
        if unchanged {
            continue;
        }
        let mut entry = dictionary! {
            "Type" => "VRI",
            "Cert" => c,
            "TU" => Object::string_literal(pdf_date(update.time)),
        };
        if !o.is_empty() {
            entry.set("OCSP", o);
        }
        if !r.is_empty() {
            entry.set("CRL", r);
        }
        vri.set(key, entry);
        vri_added += 1;
    }

    let outcome = DssOutcome {
        certs_added: certs.added,
        ocsps_added: ocsps.added,
        crls_added: crls.added,
        vri_added,
        bytes_added: 0,
    };
    if outcome.certs_added + outcome.ocsps_added + outcome.crls_added + vri_added == 0 {
        drop(section);
        if input != output {
            std::fs::copy(input, output)?;
        }
        return Ok(outcome);
    }

    dss.set("Type", "DSS");
    for (key, arr) in [("Certs", certs), ("OCSPs", ocsps), ("CRLs", crls)] {
        if !arr.elements.is_empty() {
            dss.set(key, arr.elements);
        }
    }
    if !vri.is_empty() {
        let vri_ref = match vri_id {
            Some(id) => {
                inc.new_document.set_object(id, vri);
                id
            }
            None => inc.new_document.add_object(vri),
        };
        dss.set("VRI", vri_ref);
    }
    match dss_id {
        Some(id) => inc.new_document.set_object(id, dss),
        None => {
            let id = inc.new_document.add_object(dss);
            inc.opt_clone_object_to_new_document(root_id)?;
            inc.new_document
                .get_object_mut(root_id)
                .and_then(Object::as_dict_mut)?
                .set("DSS", id);
        }
    }
    let prev_len = section.len;
    let tmp = write_update(&section, output, ".kyso-dss-")?;
    drop(section);
    let total = persist(tmp, output)?;
    Ok(DssOutcome {
        bytes_added: total.saturating_sub(prev_len),
        ..outcome
    })
}

/// Sync `tmp` and rename it to `output`; the file's length.
pub(crate) fn persist(tmp: NamedTempFile, output: &Path) -> Result<u64, PdfError> {
    let file = tmp.as_file();
    file.sync_all()?;
    let total = file.metadata()?.len();
    tmp.persist(output).map_err(|e| PdfError::Io(e.error))?;
    Ok(total)
}
