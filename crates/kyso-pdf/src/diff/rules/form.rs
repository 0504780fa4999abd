//! The interactive form (ISO 32000-1 §12.7): the AcroForm dictionary,
//! fields added to `/Fields`, and existing fields and widgets changed.
//!
//! - A new signature field — signed (a signature or a document
//!   time-stamp) or empty — is form-filling level (a document time-stamp
//!   DSS level), except on a certified document when it has a visible
//!   widget: the certifying revision did not create it, and a visible
//!   signature added later is how the "signature-based" certification
//!   attack paints over the certified content. An invisible one is
//!   allowed.
//! - An empty signature field signed: its `/V` set to a new signature
//!   dictionary with its appearance (`/AP`, `/AS`, `/MK`).
//! - Form filling: a field's `/V` with its `/DV` and the appearances
//!   (`/AP`, `/AS`) of the field and its widgets.
//! - A FieldMDP transform or `/Lock` naming a field (or its parent)
//!   forbids both.
//! - Anything else about fields (a new non-signature field, a field
//!   removed, a signature value replaced, a rectangle or flag changed) is
//!   disallowed. `/SigFlags` changes nothing; `/DR`, `/DA` and
//!   `/NeedAppearances` are form filling, except `/DR` and `/DA` of a
//!   form the update creates (a document without a form signed).
use lopdf::{Dictionary, Object, ObjectId};

use super::{field_name, field_type, page_tree::page_number, shown};
use crate::diff::{dict_of, name_of, paint::painted_area, Ctx, Finding, Level, RuleResult};

/// Whether `d` is a form field or a widget annotation.
pub(crate) fn is_field_or_widget(d: &Dictionary) -> bool {
    let subtype = name_of(d, b"Subtype");
    let widget = subtype.as_deref() == Some(b"Widget");
    if subtype.is_some() && !widget {
        return false;
    }
    if matches!(name_of(d, b"Type").as_deref(), Some(b"Page" | b"Pages")) {
        return false;
    }
    widget || d.has(b"FT") || d.has(b"T") || d.has(b"Parent")
}

fn is_doc_timestamp(d: &Dictionary) -> bool {
    name_of(d, b"Type").as_deref() == Some(b"DocTimeStamp")
        || name_of(d, b"SubFilter").as_deref() == Some(b"ETSI.RFC3161")
}

/// The references in an `/AP` dictionary (its `/N`, `/D`, `/R`, and
/// their appearance states).
fn appearance_refs(cx: &mut Ctx<'_>, ap: Option<&Object>, new: bool) -> Vec<ObjectId> {
    let mut out = Vec::new();
    let v = ap.and_then(|a| match new {
        true => cx.new_val(a),
        false => cx.old_val(a),
    });
    let Some(Object::Dictionary(d)) = v else {
        return out;
    };
    for (_, x) in d.iter() {
        match x {
            Object::Reference(r) => {
                let inner = match new {
                    true => cx.new_obj(*r),
                    false => cx.old_obj(*r),
                };
                match inner {
                    Some(Object::Dictionary(states)) => {
                        out.extend(states.iter().filter_map(|(_, s)| s.as_reference().ok()));
                        out.push(*r);
                    }
                    _ => out.push(*r),
                }
            }
            Object::Dictionary(states) => {
                out.extend(states.iter().filter_map(|(_, s)| s.as_reference().ok()))
            }
            _ => {}
        }
    }
    out
}

/// Claim the appearance objects of a widget: the new ones, and the
/// existing ones rewritten in place that its old appearance used too
/// (unless the page draws them as content).
fn claim_appearance(cx: &mut Ctx<'_>, old: &Dictionary, new: &Dictionary) {
    let before = appearance_refs(cx, old.get(b"AP").ok(), false);
    let after = appearance_refs(cx, new.get(b"AP").ok(), true);
    let contents: Vec<ObjectId> = new
        .get(b"P")
        .ok()
        .cloned()
        .and_then(|p| cx.new_dict(&p))
        .and_then(|pd| pd.get(b"Contents").ok().cloned())
        .map(|c| {
            let mut v = Vec::new();
            crate::loader::references(&c, &mut v);
            v
        })
        .unwrap_or_default();
    for r in after {
        if before.contains(&r) && cx.changed(r) && !contents.contains(&r) {
            cx.claim(r);
        }
    }
    if let Ok(ap) = new.get(b"AP") {
        let ap = ap.clone();
        cx.claim_ref(&ap);
    }
}

/// The widgets of field `d` (itself when merged), with their ids.
fn widgets(
    cx: &mut Ctx<'_>,
    id: Option<ObjectId>,
    d: &Dictionary,
) -> Vec<(Option<ObjectId>, Dictionary)> {
    if name_of(d, b"Subtype").as_deref() == Some(b"Widget") || d.has(b"Rect") {
        return vec![(id, d.clone())];
    }
    let kids = match cx.new_entry(d, b"Kids") {
        Some(Object::Array(k)) => k,
        _ => Vec::new(),
    };
    kids.iter()
        .take(1000)
        .filter_map(|k| {
            let kd = cx.new_dict(k)?;
            (!kd.has(b"T")).then(|| (k.as_reference().ok(), kd))
        })
        .collect()
}

/// Where a widget is: its page (from `/P`, else the page that gained it
/// in this update), page number, rectangle when shown, and what of the
/// page's content its appearance covers.
type Place = (Option<u32>, Option<crate::Rect>, Option<crate::Rect>, bool);

fn place(cx: &mut Ctx<'_>, id: Option<ObjectId>, w: &Dictionary) -> Place {
    let page = w.get(b"P").and_then(Object::as_reference).ok().or_else(|| {
        let id = id?;
        cx.annots
            .iter()
            .find(|c| c.added.contains(&Object::Reference(id)))
            .and_then(|c| c.page)
    });
    let has_ap = w.has(b"AP");
    let rect = shown(w);
    let visible = rect.is_some() && has_ap;
    let number = page.and_then(|p| page_number(cx, p));
    let covers = match (visible, page, rect) {
        (true, Some(p), Some(r)) => painted_area(cx.new, p, r),
        _ => None,
    };
    (number, rect, covers, visible)
}

/// A field added to `/Fields` (and its descendants).
fn new_field(cx: &mut Ctx<'_>, o: &Object, depth: u32) {
    let Some(d) = cx.new_dict(o) else {
        return;
    };
    let id = o.as_reference().ok();
    cx.claim_ref(o);
    let name = field_name(cx, &d);
    let kids: Vec<Object> = match cx.new_entry(&d, b"Kids") {
        Some(Object::Array(k)) => k,
        _ => Vec::new(),
    };
    let child_fields: Vec<Object> = kids
        .into_iter()
        .filter(|k| cx.new_dict(k).is_some_and(|kd| kd.has(b"T")))
        .collect();
    if !child_fields.is_empty() && depth < 8 {
        for k in child_fields {
            new_field(cx, &k, depth + 1);
        }
        return;
    }
    if field_type(cx, &d).as_deref() != Some(b"Sig") {
        cx.push(
            id,
            Level::Disallowed,
            Finding::FormFieldAdded { field: name },
        );
        return;
    }
    let ws = widgets(cx, id, &d);
    let mut visible_place: Option<Place> = None;
    for (wid, w) in &ws {
        if let Some(wid) = wid {
            cx.handled.insert(*wid);
            cx.claim_ref(&Object::Reference(*wid));
        }
        let p = place(cx, *wid, w);
        if p.3 && visible_place.is_none() {
            visible_place = Some(p);
        }
    }
    let (page, rect, covers, visible) = visible_place.unwrap_or((None, None, None, false));
    let value = d.get(b"V").ok().cloned();
    if let Some(Object::Reference(v)) = &value {
        if !cx.is_new(*v) {
            cx.push(
                id,
                Level::Disallowed,
                Finding::SignatureChanged { field: Some(name) },
            );
            return;
        }
    }
    if cx.policy.certified() && visible {
        cx.push(
            id,
            Level::Disallowed,
            Finding::NewVisibleSignatureField {
                field: name,
                page,
                rect,
            },
        );
        return;
    }
    let sig = value.as_ref().and_then(|v| cx.new_dict(v));
    match sig {
        Some(s) if is_doc_timestamp(&s) => {
            cx.push(id, Level::Dss, Finding::DocumentTimeStamp { field: name })
        }
        Some(_) => cx.push(
            id,
            Level::FormFilling,
            Finding::SignatureAdded {
                field: name,
                new_field: true,
                visible,
                page,
                rect,
                covers,
            },
        ),
        None => cx.push(
            id,
            Level::FormFilling,
            Finding::SignatureFieldAdded {
                field: name,
                visible,
                page,
                rect,
                covers,
            },
        ),
    }
}

/// `/Fields` of the AcroForm changed.
fn fields(cx: &mut Ctx<'_>, old: Option<&Object>, new: Option<&Object>) {
    if let Some(Object::Reference(r)) = new {
        if cx.changed(*r) || cx.is_new(*r) {
            cx.claim(*r);
        }
    }
    let old_list = match old.and_then(|o| cx.old_val(o)) {
        Some(Object::Array(a)) => a,
        _ => Vec::new(),
    };
    let new_list = match new.and_then(|o| cx.new_val(o)) {
        Some(Object::Array(a)) => a,
        _ => Vec::new(),
    };
    for o in &old_list {
        if !new_list.contains(o) {
            let name = cx
                .old_dict(o)
                .and_then(|d| match d.get(b"T") {
                    Ok(Object::String(t, _)) => Some(crate::signature_dict::decode_text(t)),
                    _ => None,
                })
                .unwrap_or_default();
            cx.push(
                o.as_reference().ok(),
                Level::Disallowed,
                Finding::FormFieldRemoved { field: name },
            );
        }
    }
    for o in &new_list {
        if !old_list.contains(o) {
            new_field(cx, o, 0);
        }
    }
}

/// Fill keys of a field or widget.
const FILL: &[&[u8]] = &[b"V", b"DV", b"AP", b"AS"];
/// What signing an empty signature field writes.
const SIGNING: &[&[u8]] = &[b"V", b"AP", b"AS", b"MK", b"Lock", b"SV"];

/// An existing field or widget `id` changed from `a` to `b`.
fn field_changed(cx: &mut Ctx<'_>, id: ObjectId, a: &Dictionary, b: &Dictionary) {
    cx.claim(id);
    let name = field_name(cx, b);
    let keys = cx.changed_keys(a, b);
    let ft = field_type(cx, b);
    let bad = |cx: &mut Ctx<'_>, key: &[u8]| {
        if key == b"StructParent" {
            cx.push(Some(id), Level::FormFilling, Finding::StructureTree);
        } else {
            cx.push(
                Some(id),
                Level::Disallowed,
                Finding::FieldChanged {
                    field: name.clone(),
                    key: String::from_utf8_lossy(key).into_owned(),
                },
            );
        }
    };
    if ft.as_deref() == Some(b"Sig") {
        let had = matches!(a.get(b"V"), Ok(v) if !matches!(v, Object::Null));
        let has = matches!(b.get(b"V"), Ok(v) if !matches!(v, Object::Null));
        if !had && has {
            for k in keys.iter().filter(|k| !SIGNING.contains(&k.as_slice())) {
                bad(cx, k);
            }
            let v = b.get(b"V").ok().cloned().unwrap_or(Object::Null);
            if let Object::Reference(r) = v {
                if !cx.is_new(r) {
                    cx.push(
                        Some(id),
                        Level::Disallowed,
                        Finding::SignatureChanged { field: Some(name) },
                    );
                    return;
                }
            }
            claim_appearance(cx, a, b);
            cx.claim_new(&v);
            cx.handled.insert(id);
            if cx.policy.locked(&name) {
                cx.push(
                    Some(id),
                    Level::Disallowed,
                    Finding::FieldLocked { field: name },
                );
                return;
            }
            let sig = cx.new_dict(&v);
            let (page, rect, covers, visible) = place(cx, Some(id), b);
            match sig {
                Some(s) if is_doc_timestamp(&s) => cx.push(
                    Some(id),
                    Level::Dss,
                    Finding::DocumentTimeStamp { field: name },
                ),
                _ => cx.push(
                    Some(id),
                    Level::FormFilling,
                    Finding::SignatureAdded {
                        field: name,
                        new_field: false,
                        visible,
                        page,
                        rect,
                        covers,
                    },
                ),
            }
            return;
        }
        for k in &keys {
            if k == b"V" {
                cx.push(
                    Some(id),
                    Level::Disallowed,
                    Finding::SignatureChanged {
                        field: Some(name.clone()),
                    },
                );
            } else {
                bad(cx, k);
            }
        }
        return;
    }
    // Form filling: the value with its appearances; a widget's appearance
    // goes with its parent's value.
    let parent_value_changed = match b.get(b"Parent") {
        Ok(Object::Reference(p)) => {
            let p = *p;
            match (cx.old_obj(p), cx.new_obj(p)) {
                (Some(x), Some(y)) => {
                    let x = dict_of(&x)
                        .and_then(|d| d.get(b"V").ok().cloned())
                        .unwrap_or(Object::Null);
                    let y = dict_of(&y)
                        .and_then(|d| d.get(b"V").ok().cloned())
                        .unwrap_or(Object::Null);
                    !cx.same(&x, &y)
                }
                _ => false,
            }
        }
        _ => false,
    };
    let value_changed = keys.iter().any(|k| k == b"V" || k == b"DV") || parent_value_changed;
    let mut filled = false;
    for k in &keys {
        if FILL.contains(&k.as_slice()) && value_changed {
            filled = true;
        } else {
            bad(cx, k);
        }
    }
    if filled {
        claim_appearance(cx, a, b);
        for k in [&b"V"[..], b"DV"] {
            if let Ok(v) = b.get(k) {
                let v = v.clone();
                cx.claim_ref(&v);
            }
        }
        if cx.policy.locked(&name) {
            cx.push(
                Some(id),
                Level::Disallowed,
                Finding::FieldLocked { field: name },
            );
        } else {
            cx.push(
                Some(id),
                Level::FormFilling,
                Finding::FormFilled { field: name },
            );
        }
    }
}

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let (old_cat, new_cat) = cx.catalogs();
    let old_af = old_cat
        .as_ref()
        .and_then(|c| c.get(b"AcroForm").ok().cloned());
    let new_af = new_cat
        .as_ref()
        .and_then(|c| c.get(b"AcroForm").ok().cloned());
    if let Some(Object::Reference(r)) = &new_af {
        if cx.changed(*r) || cx.is_new(*r) {
            cx.claim(*r);
        }
    }
    let a = old_af.as_ref().and_then(|o| cx.old_dict(o));
    let b = new_af.as_ref().and_then(|o| cx.new_dict(o));
    match (a, b) {
        (Some(_), None) => cx.push(
            None,
            Level::Disallowed,
            Finding::AcroFormChanged {
                key: "AcroForm".into(),
            },
        ),
        (a, Some(b)) => {
            // A form created by this update (the first signature of a
            // document without one): its default resources and
            // appearance serve only the fields it brings.
            let created = a.is_none();
            let a = a.unwrap_or_default();
            for key in cx.changed_keys(&a, &b) {
                match key.as_slice() {
                    k @ (b"DR" | b"DA") if created => {
                        if let Ok(v) = b.get(k) {
                            let v = v.clone();
                            cx.claim_ref(&v);
                        }
                    }
                    b"Fields" => {
                        let (o, n) = (
                            a.get(b"Fields").ok().cloned(),
                            b.get(b"Fields").ok().cloned(),
                        );
                        fields(cx, o.as_ref(), n.as_ref());
                    }
                    b"SigFlags" => {}
                    k @ (b"DR" | b"DA" | b"NeedAppearances") => {
                        if let Ok(v) = b.get(k) {
                            let v = v.clone();
                            cx.claim_ref(&v);
                        }
                        cx.push(
                            None,
                            Level::FormFilling,
                            Finding::AcroFormChanged {
                                key: String::from_utf8_lossy(k).into_owned(),
                            },
                        );
                    }
                    k => cx.push(
                        None,
                        Level::Disallowed,
                        Finding::AcroFormChanged {
                            key: String::from_utf8_lossy(k).into_owned(),
                        },
                    ),
                }
            }
            // An indirect /Fields array extended in place.
            if let Some(Object::Reference(r)) = b.get(b"Fields").ok().cloned() {
                if cx.changed(r) && !cx.claimed.contains(&r.0) {
                    let o = a.get(b"Fields").ok().cloned();
                    fields(cx, o.as_ref(), Some(&Object::Reference(r)));
                }
            }
        }
        (None, None) => {}
    }
    let items: Vec<(ObjectId, Dictionary, Dictionary)> = cx
        .delta
        .iter()
        .filter(|(n, _)| !cx.claimed.contains(n))
        .filter_map(|(_, d)| {
            let (a, b) = (
                d.old.as_ref().and_then(dict_of)?,
                d.new.as_ref().and_then(dict_of)?,
            );
            (is_field_or_widget(a) || is_field_or_widget(b))
                .then_some(d.new_id?)
                .map(|id| (id, a.clone(), b.clone()))
        })
        .collect();
    for (id, a, b) in items {
        field_changed(cx, id, &a, &b);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;
    use crate::diff::{Finding, Level};
    use crate::signature_dict::FieldLock;

    #[test]
    fn filling_a_field_with_its_appearance_is_form_filling() {
        let f = Fixture::base();
        let c = f.update(&[FILL_CHILD, FILL_AP], "");
        assert_eq!(codes(&c), vec!["form-fill"], "{c:#?}");
        assert!(matches!(&c[0].finding, Finding::FormFilled { field } if field == "parent.child"));
        assert!(c[0].allowed);
        // Not under P1.
        let c = f.certified(1).update(&[FILL_CHILD, FILL_AP], "");
        assert!(!c[0].allowed);
        assert!(f.certified(2).update(&[FILL_CHILD, FILL_AP], "")[0].allowed);
        // An appearance alone, without a value: not filling.
        let c = f.update(&["10 0 obj << /T (child) /Parent 8 0 R /Subtype /Widget /Rect [300 600 500 620] /P 3 0 R /AP << /N 13 0 R >> >> endobj", FILL_AP], "");
        assert_eq!(codes(&c), vec!["field-changed"]);
        // A rectangle moved: not filling.
        let c = f.update(&["10 0 obj << /T (child) /Parent 8 0 R /Subtype /Widget /Rect [0 0 612 792] /P 3 0 R /V (x) >> endobj"], "");
        assert!(codes(&c).contains(&"field-changed"), "{c:#?}");
    }

    #[test]
    fn a_lock_on_the_parent_covers_its_kids() {
        let f = Fixture::base().locked(vec![FieldLock::Include(vec!["parent".into()])]);
        let c = f.update(&[FILL_CHILD, FILL_AP], "");
        assert_eq!(codes(&c), vec!["field-locked"]);
        assert!(!c[0].allowed);
        let f = Fixture::base().locked(vec![FieldLock::Include(vec!["parent.other".into()])]);
        assert_eq!(
            codes(&f.update(&[FILL_CHILD, FILL_AP], "")),
            vec!["form-fill"]
        );
    }

    #[test]
    fn signing_the_empty_field_and_adding_signature_fields() {
        let f = Fixture::base().certified(2);
        // The existing empty field signed, with its appearance.
        let c = f.update(&[SIGN_SEAL, SIG_DICT, SEAL_AP], "");
        assert_eq!(codes(&c), vec!["signature-field-signed"], "{c:#?}");
        assert!(c[0].allowed);
        // A new invisible signature field on the certified document: allowed.
        let c = f.update(
            &[
                &acroform("/Fields [8 0 R 9 0 R 14 0 R]"),
                NEW_INVISIBLE_SIG,
                SIG_DICT,
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["signature-field-added"], "{c:#?}");
        assert!(c[0].allowed);
        // A new visible one: the signature-based certification attack.
        let c = f.update(
            &[
                &acroform("/Fields [8 0 R 9 0 R 14 0 R]"),
                NEW_VISIBLE_SIG,
                SIG_DICT,
                SEAL_AP,
                &page("/Annots [7 0 R 9 0 R 10 0 R 14 0 R]"),
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["new-visible-signature-field"], "{c:#?}");
        assert!(!c[0].allowed);
        // The same on a document that is not certified: allowed, and the
        // part of the page content it covers reported.
        let c = Fixture::base().update(
            &[
                &acroform("/Fields [8 0 R 9 0 R 14 0 R]"),
                NEW_VISIBLE_SIG,
                SIG_DICT,
                SEAL_AP,
                &page("/Annots [7 0 R 9 0 R 10 0 R 14 0 R]"),
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["signature-field-added"], "{c:#?}");
        match &c[0].finding {
            Finding::SignatureAdded {
                page: Some(1),
                covers: Some(r),
                visible: true,
                ..
            } => {
                assert!(r.x1 >= 100.0 && r.x2 <= 300.0, "{r:?}")
            }
            f => panic!("{f:?}"),
        }
        // A new text field: disallowed.
        let c = f.update(
            &[
                &acroform("/Fields [8 0 R 9 0 R 14 0 R]"),
                "14 0 obj << /FT /Tx /T (extra) >> endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["form-field-added"]);
        // A field removed: disallowed.
        let c = f.update(&[&acroform("/Fields [8 0 R]")], "");
        assert_eq!(codes(&c), vec!["form-field-removed"]);
    }

    #[test]
    fn a_form_created_for_a_signature_is_form_filling() {
        // The document without a form, then signed: the catalog gains
        // /AcroForm with the new signature field, /SigFlags, /DA and /DR.
        let f = Fixture::base().then(
            &[
                "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
                &page("/Annots [7 0 R]"),
            ],
            "",
        );
        let c = f.update(
            &[
                &catalog(""),
                "6 0 obj << /Fields [14 0 R] /SigFlags 3 /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >> endobj",
                NEW_INVISIBLE_SIG,
                SIG_DICT,
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["signature-field-added"], "{c:#?}");
        assert!(c[0].allowed);
        assert!(
            f.certified(2).update(
                &[
                    &catalog(""),
                    "6 0 obj << /Fields [14 0 R] /SigFlags 3 >> endobj",
                    NEW_INVISIBLE_SIG,
                    SIG_DICT,
                ],
                "",
            )[0]
            .allowed
        );
        // An existing form's /DR changed is form filling, not nothing.
        let c = Fixture::base()
            .certified(1)
            .update(&[&acroform("/DR << /Font << /Helv 5 0 R >> >>")], "");
        assert_eq!(codes(&c), vec!["acroform-changed"]);
        assert!(!c[0].allowed);
    }

    #[test]
    fn an_indirect_fields_array_extended_by_a_signature_is_no_removal() {
        let f = Fixture::base().then(
            &[&acroform("/Fields 20 0 R"), "20 0 obj [8 0 R 9 0 R] endobj"],
            "",
        );
        let c = f.update(
            &[
                "20 0 obj [8 0 R 9 0 R 14 0 R] endobj",
                NEW_INVISIBLE_SIG,
                SIG_DICT,
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["signature-field-added"], "{c:#?}");
        assert_eq!(c[0].level, Level::FormFilling);
    }

    #[test]
    fn a_signature_value_replaced_is_disallowed() {
        let f = Fixture::base().then(&[SIGN_SEAL, SIG_DICT, SEAL_AP], "");
        let c = f.update(&["9 0 obj << /FT /Sig /T (seal) /Subtype /Widget /Rect [400 100 500 150] /P 3 0 R /V 16 0 R /AP << /N 13 0 R >> >> endobj",
                           "16 0 obj << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <02> >> endobj"], "");
        assert_eq!(codes(&c), vec!["signature-changed"]);
        // A copy with the same content under another number is the same.
        let c = f.update(&["9 0 obj << /FT /Sig /T (seal) /Subtype /Widget /Rect [400 100 500 150] /P 3 0 R /V 16 0 R /AP << /N 13 0 R >> >> endobj",
                           "16 0 obj << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00> >> endobj"], "");
        assert!(c.is_empty(), "{c:#?}");
        // The signature dictionary itself rewritten.
        let c = f.update(&["12 0 obj << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <01> >> endobj"], "");
        assert_eq!(codes(&c), vec!["signature-changed"]);
        assert_eq!(c[0].level, Level::Disallowed);
        // A document time-stamp written without /Type, rewritten: the
        // same (DSS test files have such time-stamps).
        let g = Fixture::base().then(&[SIGN_SEAL, "12 0 obj << /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <00> >> endobj", SEAL_AP], "");
        let c = g.update(&["12 0 obj << /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 4] /Contents <00> >> endobj"], "");
        assert_eq!(codes(&c), vec!["signature-changed"]);
    }
}
