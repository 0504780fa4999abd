//! Modification analysis (DESIGN §7): what one incremental update changed
//! in the document, judged by meaning rather than by object numbers or
//! bytes, as a list of rules in the manner of pyHanko's `diff_analysis`.
//!
//! The update's cross-reference sections list the objects it wrote.
//! Those whose value is the same by meaning ([`compare`]: `612` =
//! `612.0`, a renumbered copy, a re-written identical object) are no
//! change. Each rule then explains the changes it knows — the trailer,
//! the catalog, the DSS, metadata, the structure tree, the page tree, the
//! form and its signature fields, annotations — with a [`Finding`] at a
//! [`Level`]; the objects a rule explains (and the new objects only they
//! refer to) are claimed. An existing object that changed and that no
//! rule claims is a disallowed change, described by what it is (a font,
//! a content stream, …). A new object no rule claims is harmless unless
//! the revision before the update already referred to it (a dangling
//! reference made to point somewhere).
//!
//! Levels are ordered: none < DSS and time-stamps < form filling <
//! annotations < disallowed. What a signature allows ([`DiffPolicy`]):
//! DocMDP P1 allows DSS and document time-stamps, P2 form filling and
//! signing, P3 and documents that are not certified annotations too;
//! a FieldMDP or `/Lock` makes a change of the fields it names (and
//! their kids) disallowed. The findings are typed: the sentences a
//! report shows (Vietnamese and English) are written by the caller.
pub(crate) mod compare;
mod paint;
pub(crate) mod rules;

use std::collections::{BTreeMap, HashSet};

use lopdf::{Dictionary, Object, ObjectId};

use crate::revision::{Revision, RevisionMark, UpdateProblem};
use crate::signature_dict::FieldLock;
use crate::{PdfError, Rect};

use compare::Same;

pub use paint::painted_area;

/// How far a change goes, in the order of what permissions allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Nothing a viewer sees (trailer entries, producer markers).
    None,
    /// DSS, VRI, document time-stamps, metadata.
    Dss,
    /// Form filling and signing (fields left open, signature fields).
    FormFilling,
    /// Annotations added, changed or removed.
    Annotations,
    /// Never allowed after a signature.
    Disallowed,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Dss => "dss",
            Level::FormFilling => "form-filling",
            Level::Annotations => "annotations",
            Level::Disallowed => "disallowed",
        }
    }
}

/// What kind of object a disallowed change touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Font,
    OptionalContent,
    Image,
    FormXObject,
    GraphicsState,
    ContentStream,
    SignatureDictionary,
    Annotation,
    Dictionary,
    Other,
}

/// One thing an update did.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// The DSS or its VRI was added or updated.
    Dss,
    /// A document time-stamp was added in field `field`.
    DocumentTimeStamp {
        field: String,
    },
    /// The document information dictionary or the XMP metadata changed.
    Metadata,
    /// The logical structure (tagged PDF) was updated.
    StructureTree,
    /// A signature was added: in a new field, or in an existing empty one.
    SignatureAdded {
        field: String,
        new_field: bool,
        visible: bool,
        page: Option<u32>,
        rect: Option<Rect>,
        /// The part of the signed page content its appearance covers.
        covers: Option<Rect>,
    },
    /// An empty signature field was added.
    SignatureFieldAdded {
        field: String,
        visible: bool,
        page: Option<u32>,
        rect: Option<Rect>,
        covers: Option<Rect>,
    },
    /// A form field left open was filled (`/V`, with `/AP`, `/DV`).
    FormFilled {
        field: String,
    },
    /// An annotation was added (`subtype`: `/FreeText`, `/Stamp`, …).
    AnnotationAdded {
        subtype: String,
        page: Option<u32>,
        rect: Option<Rect>,
        covers: Option<Rect>,
    },
    AnnotationChanged {
        subtype: String,
        page: Option<u32>,
        rect: Option<Rect>,
        covers: Option<Rect>,
    },
    AnnotationRemoved {
        subtype: String,
        page: Option<u32>,
    },
    /// On a certified document, a new signature field with a visible
    /// appearance that the certifying revision did not create.
    NewVisibleSignatureField {
        field: String,
        page: Option<u32>,
        rect: Option<Rect>,
    },
    /// A field a FieldMDP transform or `/Lock` covers was changed.
    FieldLocked {
        field: String,
    },
    /// A field or widget entry other than filling changed.
    FieldChanged {
        field: String,
        key: String,
    },
    /// A form field that is not a signature field was added.
    FormFieldAdded {
        field: String,
    },
    FormFieldRemoved {
        field: String,
    },
    /// A signature dictionary or a field's signature value was rewritten.
    SignatureChanged {
        field: Option<String>,
    },
    /// Pages added, removed or reordered (page counts before and after).
    PagesChanged {
        before: u64,
        after: u64,
    },
    /// An entry of a page other than its annotations changed.
    PageChanged {
        page: Option<u32>,
        key: String,
    },
    CatalogChanged {
        key: String,
    },
    TrailerChanged {
        key: String,
    },
    AcroFormChanged {
        key: String,
    },
    /// An object no rule explains changed.
    ObjectChanged {
        kind: ObjectKind,
    },
    ObjectRemoved,
    /// The revision before referred to an object that only this update
    /// defines.
    DanglingReferenceDefined,
    /// The bytes of the update are not a valid incremental update.
    InvalidUpdate(UpdateProblem),
    /// The update could not be analysed (too large, unreadable).
    Unanalysable {
        why: String,
    },
}

impl Finding {
    /// Stable code (docs/verify-report.md).
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Dss => "dss",
            Finding::DocumentTimeStamp { .. } => "document-timestamp",
            Finding::Metadata => "metadata",
            Finding::StructureTree => "structure-tree",
            Finding::SignatureAdded {
                new_field: true, ..
            } => "signature-field-added",
            Finding::SignatureAdded { .. } => "signature-field-signed",
            Finding::SignatureFieldAdded { .. } => "empty-signature-field-added",
            Finding::FormFilled { .. } => "form-fill",
            Finding::AnnotationAdded { .. } => "annotation-added",
            Finding::AnnotationChanged { .. } => "annotation-changed",
            Finding::AnnotationRemoved { .. } => "annotation-removed",
            Finding::NewVisibleSignatureField { .. } => "new-visible-signature-field",
            Finding::FieldLocked { .. } => "field-locked",
            Finding::FieldChanged { .. } => "field-changed",
            Finding::FormFieldAdded { .. } => "form-field-added",
            Finding::FormFieldRemoved { .. } => "form-field-removed",
            Finding::SignatureChanged { .. } => "signature-changed",
            Finding::PagesChanged { .. } => "pages-changed",
            Finding::PageChanged { .. } => "page-changed",
            Finding::CatalogChanged { .. } => "catalog-changed",
            Finding::TrailerChanged { .. } => "trailer-changed",
            Finding::AcroFormChanged { .. } => "acroform-changed",
            Finding::ObjectChanged { .. } => "object-changed",
            Finding::ObjectRemoved => "object-removed",
            Finding::DanglingReferenceDefined => "dangling-reference-defined",
            Finding::InvalidUpdate(_) => "invalid-update",
            Finding::Unanalysable { .. } => "unanalysable",
        }
    }

    /// The page and the part of its signed content this change paints
    /// over, when it does.
    pub fn covers(&self) -> Option<(Option<u32>, Rect)> {
        match self {
            Finding::SignatureAdded { page, covers, .. }
            | Finding::SignatureFieldAdded { page, covers, .. }
            | Finding::AnnotationAdded { page, covers, .. }
            | Finding::AnnotationChanged { page, covers, .. } => covers.map(|c| (*page, c)),
            _ => None,
        }
    }
}

/// What a signature's permissions allow after it.
#[derive(Clone, Debug, Default)]
pub struct DiffPolicy {
    /// DocMDP /P of a certification signature in force (1, 2 or 3).
    pub doc_mdp: Option<u8>,
    /// FieldMDP locks and field `/Lock`s in force.
    pub locks: Vec<FieldLock>,
}

impl DiffPolicy {
    /// The highest level allowed.
    pub fn allows(&self) -> Level {
        match self.doc_mdp {
            Some(1) => Level::Dss,
            Some(2) => Level::FormFilling,
            _ => Level::Annotations,
        }
    }

    pub fn certified(&self) -> bool {
        self.doc_mdp.is_some()
    }

    /// Whether a lock covers the field `name` (fully qualified).
    pub fn locked(&self, name: &str) -> bool {
        self.locks.iter().any(|l| l.locks(name))
    }
}

/// One change of an update.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The object it is about, in the new revision (or the old one for a
    /// removal).
    pub object: Option<ObjectId>,
    pub level: Level,
    pub finding: Finding,
    /// Whether the policy it was judged under allows it.
    pub allowed: bool,
}

/// One object the update wrote.
#[derive(Clone, Debug)]
pub(crate) struct Delta {
    pub(crate) old_id: Option<ObjectId>,
    pub(crate) new_id: Option<ObjectId>,
    pub(crate) old: Option<Object>,
    pub(crate) new: Option<Object>,
}

/// What the rules work on.
pub(crate) struct Ctx<'a> {
    pub(crate) old: &'a mut Revision,
    pub(crate) new: &'a mut Revision,
    pub(crate) policy: &'a DiffPolicy,
    /// The objects the update changed (not the same by meaning), by number.
    pub(crate) delta: BTreeMap<u32, Delta>,
    claimed: HashSet<u32>,
    out: Vec<(Option<ObjectId>, Level, Finding)>,
    same: Same,
    /// Annotations each changed page gained and lost (page-tree rule).
    pub(crate) annots: Vec<rules::AnnotsChange>,
    /// Widgets the form rule explained (the annotation rule skips them).
    pub(crate) handled: HashSet<ObjectId>,
}

/// Most objects claimed through the references of one new object.
const MAX_CLAIM: usize = 100_000;

pub(crate) fn name_of(d: &Dictionary, key: &[u8]) -> Option<Vec<u8>> {
    d.get(key)
        .ok()
        .and_then(|o| o.as_name().ok())
        .map(<[u8]>::to_vec)
}

pub(crate) fn dict_of(o: &Object) -> Option<&Dictionary> {
    match o {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

impl Ctx<'_> {
    pub(crate) fn push(&mut self, object: Option<ObjectId>, level: Level, finding: Finding) {
        self.out.push((object, level, finding));
    }

    /// Object `id` of the old revision.
    pub(crate) fn old_obj(&mut self, id: ObjectId) -> Option<Object> {
        self.old.object(id).ok().flatten().cloned()
    }

    /// Object `id` of the new revision.
    pub(crate) fn new_obj(&mut self, id: ObjectId) -> Option<Object> {
        self.new.object(id).ok().flatten().cloned()
    }

    /// `o` with a reference followed, in the old revision.
    pub(crate) fn old_val(&mut self, o: &Object) -> Option<Object> {
        match o {
            Object::Reference(id) => self.old_obj(*id),
            o => Some(o.clone()),
        }
    }

    pub(crate) fn new_val(&mut self, o: &Object) -> Option<Object> {
        match o {
            Object::Reference(id) => self.new_obj(*id),
            o => Some(o.clone()),
        }
    }

    pub(crate) fn old_dict(&mut self, o: &Object) -> Option<Dictionary> {
        self.old_val(o).as_ref().and_then(dict_of).cloned()
    }

    pub(crate) fn new_dict(&mut self, o: &Object) -> Option<Dictionary> {
        self.new_val(o).as_ref().and_then(dict_of).cloned()
    }

    /// Entry `key` of `d` followed in the new revision.
    pub(crate) fn new_entry(&mut self, d: &Dictionary, key: &[u8]) -> Option<Object> {
        d.get(key).ok().cloned().and_then(|o| self.new_val(&o))
    }

    /// Whether `a` (old) and `b` (new) mean the same.
    pub(crate) fn same(&mut self, a: &Object, b: &Object) -> bool {
        self.same.values(self.old, self.new, a, b)
    }

    /// Keys of `a` (old) and `b` (new) whose values differ.
    pub(crate) fn changed_keys(&mut self, a: &Dictionary, b: &Dictionary) -> Vec<Vec<u8>> {
        self.same.changed_keys(self.old, self.new, a, b)
    }

    /// Whether the update changed object `id` (of the new revision).
    pub(crate) fn changed(&self, id: ObjectId) -> bool {
        self.delta
            .get(&id.0)
            .is_some_and(|d| d.new_id == Some(id) || d.old_id == Some(id))
    }

    /// Whether `id` is not in use in the old revision (a new object).
    pub(crate) fn is_new(&self, id: ObjectId) -> bool {
        !self.old.in_use(id.0)
            || self
                .delta
                .get(&id.0)
                .is_some_and(|d| d.old_id != Some(id) && d.new_id == Some(id))
    }

    /// Mark `id` explained.
    pub(crate) fn claim(&mut self, id: ObjectId) {
        self.claimed.insert(id.0);
    }

    /// Claim `o`'s references that are new objects, and theirs, in the
    /// new revision (what a new annotation, field or signature brings).
    pub(crate) fn claim_new(&mut self, o: &Object) {
        let mut todo = Vec::new();
        crate::loader::references(o, &mut todo);
        let mut n = 0;
        while let Some(id) = todo.pop() {
            n += 1;
            if n > MAX_CLAIM || !self.is_new(id) || !self.claimed.insert(id.0) {
                continue;
            }
            if let Some(v) = self.new_obj(id) {
                crate::loader::references(&v, &mut todo);
            }
        }
    }

    /// Claim `id` when it is new (with what it refers to), or when it
    /// changed.
    pub(crate) fn claim_ref(&mut self, o: &Object) {
        if let Object::Reference(id) = o {
            if self.changed(*id) {
                self.claim(*id);
            }
        }
        self.claim_new(o);
    }

    pub(crate) fn old_root(&self) -> Option<ObjectId> {
        self.old
            .document()
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .ok()
    }

    pub(crate) fn new_root(&self) -> Option<ObjectId> {
        self.new
            .document()
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .ok()
    }

    /// The catalog dictionaries of both revisions.
    pub(crate) fn catalogs(&mut self) -> (Option<Dictionary>, Option<Dictionary>) {
        let a = self.old_root().and_then(|r| self.old_obj(r));
        let b = self.new_root().and_then(|r| self.new_obj(r));
        (
            a.as_ref().and_then(dict_of).cloned(),
            b.as_ref().and_then(dict_of).cloned(),
        )
    }
}

/// The objects `update`'s sections list, each with its old and new
/// value, those that mean the same left out.
fn deltas(
    old: &mut Revision,
    new: &mut Revision,
    sections: &[u64],
    same: &mut Same,
) -> BTreeMap<u32, Delta> {
    let mut out = BTreeMap::new();
    for (num, in_use) in new.listed_in(sections) {
        let new_id = if in_use { new.object_id(num) } else { None };
        let old_id = old.object_id(num);
        let a = old_id.and_then(|id| old.object(id).ok().flatten().cloned());
        let b = new_id.and_then(|id| new.object(id).ok().flatten().cloned());
        // Containers of other objects.
        let container = |o: &Option<Object>| {
            o.as_ref()
                .and_then(dict_of)
                .is_some_and(|d| d.has_type(b"XRef") || d.has_type(b"ObjStm"))
        };
        if container(&b) && (a.is_none() || container(&a)) {
            continue;
        }
        if a.is_none() && b.is_none() {
            continue;
        }
        if let (Some(x), Some(y)) = (old_id, new_id) {
            if x == y && same.objects(old, new, x, y) {
                continue;
            }
        }
        out.insert(
            num,
            Delta {
                old_id: old_id.filter(|_| a.is_some()),
                new_id: new_id.filter(|_| b.is_some()),
                old: a,
                new: b,
            },
        );
    }
    out
}

/// Analyse the update from `old` (the revision before) to `new` (the
/// revision after it, whose own cross-reference sections are
/// `update.sections`) under `policy`. `problems`: what
/// [`crate::revision::Revisions::check_update`] found in its bytes.
pub fn analyse(
    old: &mut Revision,
    new: &mut Revision,
    update: &RevisionMark,
    problems: &[UpdateProblem],
    policy: &DiffPolicy,
) -> Vec<Change> {
    let mut same = Same::default();
    let delta = deltas(old, new, &update.sections, &mut same);
    let mut cx = Ctx {
        old,
        new,
        policy,
        delta,
        claimed: HashSet::new(),
        out: Vec::new(),
        same,
        annots: Vec::new(),
        handled: HashSet::new(),
    };
    for p in problems {
        cx.push(None, Level::Disallowed, Finding::InvalidUpdate(p.clone()));
    }
    for rule in rules::RULES {
        if let Err(e) = (rule.apply)(&mut cx) {
            cx.push(
                None,
                Level::Disallowed,
                Finding::Unanalysable {
                    why: format!("{}: {e}", rule.name),
                },
            );
        }
    }
    rules::unexplained(&mut cx);
    let allows = policy.allows();
    let mut out: Vec<Change> = Vec::new();
    for (object, level, finding) in cx.out {
        if level == Level::None || out.iter().any(|c| c.finding == finding && c.level == level) {
            continue;
        }
        out.push(Change {
            object,
            allowed: level <= allows && level < Level::Disallowed,
            level,
            finding,
        });
    }
    out
}

/// [`analyse`] without the file: `old` and `new` given as revisions of
/// one file, the update being everything `new` lists in `sections`.
pub fn analyse_revisions(
    old: &mut Revision,
    new: &mut Revision,
    sections: &[u64],
    policy: &DiffPolicy,
) -> Vec<Change> {
    let mark = RevisionMark {
        number: 0,
        start: 0,
        end: 0,
        startxref: sections.first().copied().unwrap_or(0),
        sections: sections.to_vec(),
    };
    analyse(old, new, &mark, &[], policy)
}

/// The worst level among `changes` (None when there are none).
pub fn level_of(changes: &[Change]) -> Level {
    changes.iter().map(|c| c.level).max().unwrap_or(Level::None)
}

/// Errors of reading are findings, not failures of the analysis.
pub(crate) type RuleResult = Result<(), PdfError>;
