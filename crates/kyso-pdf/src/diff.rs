//! Modification analysis (DESIGN §7): what changed between the revision a
//! signature covers and the document as it is now, object by object, and
//! whether each change is allowed.
//!
//! Allowed: the DSS and its VRI (B-LT/B-LTA evidence), document
//! time-stamps, later signature fields with their widgets and AcroForm
//! `/Fields` additions, signing an empty signature field, form filling
//! (`/V`, `/AS`, the filled field's appearance) when the DocMDP level
//! permits it and no FieldMDP lock covers the field, the document
//! information dictionary and XMP metadata. Everything else is not:
//! page content, resources, fonts, images, optional content, new or
//! changed annotations (they may paint over the signed content), catalog
//! entries (`/Names`, `/OpenAction`, JavaScript …), pages added or removed,
//! a replaced catalog, objects removed, and objects the signed revision
//! referred to but only a later revision defines.
use std::collections::{BTreeMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::signature_dict::FieldLock;

/// At most this many objects are compared per document.
pub const MAX_OBJECTS: usize = 2_000_000;

/// What a signature's permissions allow after it.
#[derive(Clone, Debug, Default)]
pub struct DiffPolicy {
    /// DocMDP /P of a certification signature in force (1, 2 or 3).
    pub doc_mdp: Option<u8>,
    /// FieldMDP locks in force (from this and earlier signatures).
    pub locks: Vec<FieldLock>,
}

/// One change after a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Object number and generation, when the change is about one object.
    pub object: Option<ObjectId>,
    pub allowed: bool,
    /// Stable code: `dss`, `document-timestamp`, `signature-field-added`,
    /// `signature-field-signed`, `form-fill`, `metadata`,
    /// `catalog-changed`, `catalog-replaced`, `page-changed`,
    /// `pages-changed`, `annotation-added`, `annotation-changed`,
    /// `field-changed`, `form-field-added`, `object-changed`,
    /// `object-removed`, `dangling-reference-defined`,
    /// `signature-changed`, `acroform-changed`.
    pub code: &'static str,
    /// A plain sentence, Vietnamese / English.
    pub reason: String,
}

fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Stream(x), Object::Stream(y)) => x.dict == y.dict && x.content == y.content,
        _ => a == b,
    }
}

fn name_of(d: &Dictionary, key: &[u8]) -> Option<Vec<u8>> {
    d.get(key)
        .ok()
        .and_then(|o| o.as_name().ok())
        .map(<[u8]>::to_vec)
}

fn dict(doc: &Document, id: ObjectId) -> Option<&Dictionary> {
    match doc.objects.get(&id)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn deref_dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match doc.dereference(o).ok()?.1 {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn collect_refs(o: &Object, out: &mut HashSet<ObjectId>) {
    match o {
        Object::Reference(id) => {
            out.insert(*id);
        }
        Object::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, x)| collect_refs(x, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, x)| collect_refs(x, out)),
        _ => {}
    }
}

/// Fully qualified name of a field (walking `/Parent`).
fn field_name(doc: &Document, id: ObjectId) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(id);
    let mut depth = 0;
    while let (Some(c), true) = (cur, depth < 32) {
        let Some(d) = dict(doc, c) else { break };
        if let Ok(Object::String(t, _)) = d.get(b"T") {
            parts.push(crate::signature_dict::decode_text(t));
        }
        cur = d.get(b"Parent").ok().and_then(|p| p.as_reference().ok());
        depth += 1;
    }
    parts.reverse();
    parts.join(".")
}

/// The field type, inherited through `/Parent`.
fn field_type(doc: &Document, d: &Dictionary) -> Option<Vec<u8>> {
    let mut cur = d;
    for _ in 0..32 {
        if let Some(ft) = name_of(cur, b"FT") {
            return Some(ft);
        }
        cur = cur.get(b"Parent").ok().and_then(|p| deref_dict(doc, p))?;
    }
    None
}

fn is_field_or_widget(d: &Dictionary) -> bool {
    d.has(b"FT")
        || d.has(b"T")
        || d.has(b"Parent")
        || name_of(d, b"Subtype").as_deref() == Some(b"Widget")
}

/// Keys of `a` and `b` whose values differ.
fn changed_keys(a: &Dictionary, b: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = a.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in b.iter() {
        if !a.has(k) {
            keys.push(k.clone());
        }
    }
    keys.into_iter()
        .filter(|k| match (a.get(k).ok(), b.get(k).ok()) {
            (Some(x), Some(y)) => !same(x, y),
            _ => true,
        })
        .collect()
}

fn show(k: &[u8]) -> String {
    format!("/{}", String::from_utf8_lossy(k))
}

struct Ctx<'a> {
    old: &'a Document,
    new: &'a Document,
    policy: &'a DiffPolicy,
    out: Vec<Change>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        object: Option<ObjectId>,
        allowed: bool,
        code: &'static str,
        reason: String,
    ) {
        self.out.push(Change {
            object,
            allowed,
            code,
            reason,
        });
    }

    fn form_changes_allowed(&self) -> bool {
        !matches!(self.policy.doc_mdp, Some(1))
    }

    fn locked(&self, name: &str) -> bool {
        self.policy.locks.iter().any(|l| l.locks(name))
    }

    /// An annotation added to a page: only widgets of new signature
    /// fields are allowed.
    fn added_annotation(&mut self, page: ObjectId, annot: &Object) {
        let id = annot.as_reference().ok();
        let Some(d) = deref_dict(self.new, annot) else {
            self.push(
                id,
                false,
                "annotation-added",
                "một chú thích không hợp lệ được thêm vào trang / an unreadable annotation was added to a page".into(),
            );
            return;
        };
        let subtype = name_of(d, b"Subtype").unwrap_or_default();
        if subtype == b"Widget" {
            let ft = field_type(self.new, d);
            if ft.as_deref() == Some(b"Sig") {
                let existed = id.is_some_and(|i| self.old.objects.contains_key(&i));
                if !existed {
                    let ok = self.form_changes_allowed();
                    self.push(
                        id,
                        ok,
                        "signature-field-added",
                        if ok {
                            "thêm trường chữ ký mới / a new signature field was added".into()
                        } else {
                            "thêm trường chữ ký mới trong khi chữ ký chứng thực không cho phép thay đổi (DocMDP P=1) / a new signature field was added although the certification signature allows no changes (DocMDP P=1)".into()
                        },
                    );
                }
                return;
            }
            self.push(
                id,
                false,
                "form-field-added",
                format!("một trường biểu mẫu mới được thêm vào trang (đối tượng {page:?}) / a new form field widget was added to page object {} {}", page.0, page.1),
            );
            return;
        }
        let sub = String::from_utf8_lossy(&subtype).into_owned();
        self.push(
            id,
            false,
            "annotation-added",
            format!("chú thích {sub} được thêm sau khi ký, có thể che nội dung đã ký / a {sub} annotation was added after signing and may paint over the signed content"),
        );
    }

    fn catalog(&mut self, id: ObjectId, a: &Dictionary, b: &Dictionary) {
        for k in changed_keys(a, b) {
            let (allowed, code, reason) = match k.as_slice() {
                b"DSS" => (true, "dss", "thêm/cập nhật DSS (dữ liệu kiểm tra dài hạn) / the DSS (long-term validation data) was added or updated".to_string()),
                b"Extensions" | b"Version" => (true, "catalog-changed", format!("cập nhật phiên bản/phần mở rộng PDF / PDF version or extensions updated ({})", show(&k))),
                b"Metadata" => (true, "metadata", "cập nhật siêu dữ liệu XMP / XMP metadata updated".to_string()),
                b"AcroForm" => {
                    // A new AcroForm dictionary (first signature field): its
                    // contents are checked through the fields and pages.
                    (self.form_changes_allowed(), "acroform-changed", "tạo/cập nhật biểu mẫu (AcroForm) / the interactive form (AcroForm) was created or updated".to_string())
                }
                _ => (false, "catalog-changed", format!("mục {} của danh mục tài liệu bị thay đổi sau khi ký / the catalog entry {} was changed after signing", show(&k), show(&k))),
            };
            self.push(Some(id), allowed, code, reason);
        }
    }

    fn acroform(&mut self, id: ObjectId, a: &Dictionary, b: &Dictionary) {
        for k in changed_keys(a, b) {
            match k.as_slice() {
                b"Fields" => {
                    let old: HashSet<_> = match a.get(b"Fields").ok().and_then(|o| self.old.dereference(o).ok()) {
                        Some((_, Object::Array(v))) => v.iter().filter_map(|o| o.as_reference().ok()).collect(),
                        _ => HashSet::new(),
                    };
                    let new: Vec<Object> = match b.get(b"Fields").ok().and_then(|o| self.new.dereference(o).ok()) {
                        Some((_, Object::Array(v))) => v.clone(),
                        _ => Vec::new(),
                    };
                    let new_ids: HashSet<_> = new.iter().filter_map(|o| o.as_reference().ok()).collect();
                    if old.iter().any(|o| !new_ids.contains(o)) {
                        self.push(Some(id), false, "acroform-changed", "trường biểu mẫu bị xóa khỏi AcroForm / a form field was removed from the AcroForm".into());
                    }
                    for f in new.iter().filter(|o| o.as_reference().map(|r| !old.contains(&r)).unwrap_or(true)) {
                        let d = deref_dict(self.new, f);
                        let is_sig = d.and_then(|d| field_type(self.new, d)).as_deref() == Some(b"Sig");
                        if is_sig {
                            // Reported with its widget (signature-field-added).
                            if !self.form_changes_allowed() {
                                self.push(f.as_reference().ok(), false, "signature-field-added", "thêm trường chữ ký trong khi DocMDP P=1 / a signature field was added although DocMDP P=1 allows no changes".into());
                            }
                        } else {
                            self.push(f.as_reference().ok(), false, "form-field-added", "một trường biểu mẫu mới (không phải chữ ký) được thêm sau khi ký / a new (non-signature) form field was added after signing".into());
                        }
                    }
                }
                b"SigFlags" | b"DR" | b"DA" => self.push(Some(id), true, "acroform-changed", format!("cập nhật {} của AcroForm / AcroForm {} updated", show(&k), show(&k))),
                _ => self.push(Some(id), false, "acroform-changed", format!("{} của AcroForm bị thay đổi sau khi ký / AcroForm {} changed after signing", show(&k), show(&k))),
            }
        }
    }

    fn page(&mut self, id: ObjectId, a: &Dictionary, b: &Dictionary) {
        for k in changed_keys(a, b) {
            if k == b"Annots" {
                let arr = |doc: &Document, d: &Dictionary| -> Vec<Object> {
                    match d.get(b"Annots").ok().and_then(|o| doc.dereference(o).ok()) {
                        Some((_, Object::Array(v))) => v.clone(),
                        _ => Vec::new(),
                    }
                };
                let old = arr(self.old, a);
                let new = arr(self.new, b);
                for o in &old {
                    if !new.contains(o) {
                        self.push(o.as_reference().ok(), false, "annotation-changed", "chú thích bị xóa khỏi trang sau khi ký / an annotation was removed from a page after signing".into());
                    }
                }
                for n in &new {
                    if !old.contains(n) {
                        self.added_annotation(id, n);
                    }
                }
            } else {
                self.push(Some(id), false, "page-changed", format!("trang (đối tượng {} {}) bị thay đổi: {} / page object {} {} changed after signing: {}", id.0, id.1, show(&k), id.0, id.1, show(&k)));
            }
        }
    }

    fn field(&mut self, id: ObjectId, a: &Dictionary, b: &Dictionary) {
        let ft = field_type(self.new, b);
        let name = field_name(self.new, id);
        let keys = changed_keys(a, b);
        let v_changed = keys.iter().any(|k| k == b"V");
        if ft.as_deref() == Some(b"Sig") {
            let was_empty = !a.has(b"V");
            for k in keys {
                let ok = was_empty
                    && v_changed
                    && matches!(k.as_slice(), b"V" | b"AP" | b"AS" | b"Lock" | b"SV" | b"MK")
                    && self.form_changes_allowed();
                let (code, reason) = if ok {
                    ("signature-field-signed", format!("ký vào trường chữ ký trống '{name}' / the empty signature field '{name}' was signed"))
                } else if k == b"V" {
                    ("signature-changed", format!("chữ ký của trường '{name}' bị thay thế / the signature value of field '{name}' was replaced"))
                } else {
                    ("field-changed", format!("trường chữ ký '{name}' bị thay đổi ({}) sau khi ký / signature field '{name}' was changed ({}) after signing", show(&k), show(&k)))
                };
                self.push(Some(id), ok, code, reason);
            }
            return;
        }
        for k in keys {
            let fill_key = matches!(k.as_slice(), b"V" | b"AS" | b"AP");
            // An appearance change counts as filling only together with a
            // value change of the same field (or its parent).
            let value_changed = v_changed || self.parent_value_changed(b);
            let ok =
                fill_key && value_changed && self.form_changes_allowed() && !self.locked(&name);
            let reason = if ok {
                format!(
                    "điền biểu mẫu: trường '{name}' ({}) / form filling: field '{name}' ({})",
                    show(&k),
                    show(&k)
                )
            } else if fill_key && self.locked(&name) {
                format!("trường '{name}' bị khóa (FieldMDP) nhưng đã bị điền/sửa / field '{name}' is locked (FieldMDP) but was changed")
            } else if fill_key && !self.form_changes_allowed() {
                format!("trường '{name}' bị điền trong khi chữ ký chứng thực không cho phép thay đổi (DocMDP P=1) / field '{name}' was filled although DocMDP P=1 allows no changes")
            } else {
                format!("trường '{name}' bị thay đổi ({}) sau khi ký — có thể vẽ đè lên nội dung / field or widget '{name}' changed ({}) after signing and may paint over the content", show(&k), show(&k))
            };
            self.push(
                Some(id),
                ok,
                if ok { "form-fill" } else { "field-changed" },
                reason,
            );
        }
    }

    fn parent_value_changed(&self, b: &Dictionary) -> bool {
        let Some(p) = b.get(b"Parent").ok().and_then(|p| p.as_reference().ok()) else {
            return false;
        };
        match (dict(self.old, p), dict(self.new, p)) {
            (Some(x), Some(y)) => match (x.get(b"V").ok(), y.get(b"V").ok()) {
                (Some(u), Some(v)) => !same(u, v),
                (None, None) => false,
                _ => true,
            },
            _ => false,
        }
    }
}

/// Compares `old` (the revision a signature covers) with `new` (a later
/// revision, normally the whole document) under `policy`.
pub fn analyse(old: &Document, new: &Document, policy: &DiffPolicy) -> Vec<Change> {
    let mut cx = Ctx {
        old,
        new,
        policy,
        out: Vec::new(),
    };
    if old.objects.len() > MAX_OBJECTS || new.objects.len() > MAX_OBJECTS {
        cx.push(None, false, "object-changed", format!("tài liệu có quá nhiều đối tượng để phân tích / too many objects to analyse (limit {MAX_OBJECTS})"));
        return cx.out;
    }
    let old_root = old
        .trailer
        .get(b"Root")
        .ok()
        .and_then(|o| o.as_reference().ok());
    let new_root = new
        .trailer
        .get(b"Root")
        .ok()
        .and_then(|o| o.as_reference().ok());
    if old_root != new_root {
        cx.push(new_root, false, "catalog-replaced", "danh mục tài liệu (/Root) bị thay bằng đối tượng khác sau khi ký / the document catalog (/Root) was replaced after signing".into());
    }
    let info = new
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| o.as_reference().ok());
    let page_ids: HashSet<ObjectId> = new.get_pages().values().copied().collect();
    let old_pages: BTreeMap<u32, ObjectId> = old.get_pages();
    if old_pages.len() != page_ids.len() || old_pages.values().any(|p| !page_ids.contains(p)) {
        cx.push(None, false, "pages-changed", format!("số trang hoặc thứ tự trang thay đổi ({} → {}) / pages were added, removed or reordered after signing ({} → {} pages)", old_pages.len(), page_ids.len(), old_pages.len(), page_ids.len()));
    }
    let acroform_id = new_root
        .and_then(|r| dict(new, r))
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|o| o.as_reference().ok());
    let dss_related: HashSet<ObjectId> = {
        let mut s = HashSet::new();
        if let Some(dss) = new_root
            .and_then(|r| dict(new, r))
            .and_then(|c| c.get(b"DSS").ok())
        {
            collect_refs(dss, &mut s);
            if let Some(d) = deref_dict(new, dss) {
                d.iter().for_each(|(_, o)| collect_refs(o, &mut s));
                if let Some(vri) = d.get(b"VRI").ok().and_then(|v| deref_dict(new, v)) {
                    vri.iter().for_each(|(_, o)| {
                        collect_refs(o, &mut s);
                        if let Some(e) = deref_dict(new, o) {
                            e.iter().for_each(|(_, x)| collect_refs(x, &mut s));
                        }
                    });
                }
            }
            // Arrays held indirectly.
            let more: Vec<ObjectId> = s.iter().copied().collect();
            for id in more {
                if let Some(Object::Array(a)) = new.objects.get(&id) {
                    a.iter().for_each(|x| collect_refs(x, &mut s));
                }
            }
        }
        s
    };

    for (id, a) in &old.objects {
        let Some(b) = new.objects.get(id) else {
            cx.push(
                Some(*id),
                false,
                "object-removed",
                format!(
                    "đối tượng {} {} bị xóa sau khi ký / object {} {} was removed after signing",
                    id.0, id.1, id.0, id.1
                ),
            );
            continue;
        };
        if same(a, b) {
            continue;
        }
        let (da, db) = match (a, b) {
            (Object::Dictionary(x), Object::Dictionary(y)) => (Some(x), Some(y)),
            (Object::Stream(x), Object::Stream(y)) => (Some(&x.dict), Some(&y.dict)),
            _ => (None, None),
        };
        let ty = db.and_then(|d| name_of(d, b"Type"));
        if matches!(ty.as_deref(), Some(b"XRef") | Some(b"ObjStm")) {
            continue;
        }
        if Some(*id) == info {
            cx.push(
                Some(*id),
                true,
                "metadata",
                "cập nhật thông tin tài liệu (/Info) / document information (/Info) updated".into(),
            );
            continue;
        }
        if dss_related.contains(id) {
            cx.push(Some(*id), true, "dss", "cập nhật DSS / DSS updated".into());
            continue;
        }
        let (Some(da), Some(db)) = (da, db) else {
            cx.push(Some(*id), false, "object-changed", format!("đối tượng {} {} bị thay đổi sau khi ký / object {} {} was changed after signing", id.0, id.1, id.0, id.1));
            continue;
        };
        if Some(*id) == new_root {
            cx.catalog(*id, da, db);
        } else if Some(*id) == acroform_id {
            cx.acroform(*id, da, db);
        } else if page_ids.contains(id) {
            cx.page(*id, da, db);
        } else if ty.as_deref() == Some(b"Pages") {
            cx.push(Some(*id), false, "pages-changed", format!("cây trang (đối tượng {} {}) bị thay đổi / the page tree node {} {} was changed after signing", id.0, id.1, id.0, id.1));
        } else if ty.as_deref() == Some(b"Metadata") {
            cx.push(
                Some(*id),
                true,
                "metadata",
                "cập nhật siêu dữ liệu XMP / XMP metadata updated".into(),
            );
        } else if matches!(ty.as_deref(), Some(b"Sig") | Some(b"DocTimeStamp")) {
            cx.push(Some(*id), false, "signature-changed", format!("từ điển chữ ký {} {} bị thay đổi sau khi ký / signature dictionary {} {} was changed after signing", id.0, id.1, id.0, id.1));
        } else if is_field_or_widget(db) {
            cx.field(*id, da, db);
        } else if name_of(db, b"Subtype").is_some() && db.has(b"Rect") {
            cx.push(Some(*id), false, "annotation-changed", format!("chú thích (đối tượng {} {}) bị thay đổi, có thể che nội dung đã ký / annotation object {} {} was changed after signing and may paint over the signed content", id.0, id.1, id.0, id.1));
        } else {
            let what = describe(db, matches!(b, Object::Stream(_)));
            cx.push(Some(*id), false, "object-changed", format!("{what} (đối tượng {} {}) bị thay đổi sau khi ký / {} (object {} {}) was changed after signing", id.0, id.1, english(db, matches!(b, Object::Stream(_))), id.0, id.1));
        }
    }

    // Objects only a later revision defines but the signed revision
    // already referred to (a dangling reference made to point somewhere).
    let mut old_refs = HashSet::new();
    for o in old.objects.values() {
        collect_refs(o, &mut old_refs);
    }
    collect_refs(&Object::Dictionary(old.trailer.clone()), &mut old_refs);
    for id in new.objects.keys() {
        if !old.objects.contains_key(id) && old_refs.contains(id) {
            cx.push(Some(*id), false, "dangling-reference-defined", format!("đối tượng {} {} được bản ký tham chiếu nhưng chỉ được định nghĩa sau khi ký / object {} {} was referenced by the signed revision but defined only after signing", id.0, id.1, id.0, id.1));
        }
    }
    cx.out
}

fn describe(d: &Dictionary, stream: bool) -> &'static str {
    match (
        name_of(d, b"Type").as_deref(),
        name_of(d, b"Subtype").as_deref(),
    ) {
        (Some(b"Font"), _) | (Some(b"FontDescriptor"), _) => "phông chữ",
        (Some(b"OCG"), _) | (Some(b"OCMD"), _) => "nội dung tùy chọn (OCG)",
        (_, Some(b"Image")) => "hình ảnh",
        (_, Some(b"Form")) => "XObject dạng form",
        (Some(b"ExtGState"), _) => "trạng thái đồ họa",
        _ if stream => "luồng nội dung (nội dung trang, phông hoặc hình)",
        _ => "từ điển",
    }
}

fn english(d: &Dictionary, stream: bool) -> &'static str {
    match (
        name_of(d, b"Type").as_deref(),
        name_of(d, b"Subtype").as_deref(),
    ) {
        (Some(b"Font"), _) | (Some(b"FontDescriptor"), _) => "a font",
        (Some(b"OCG"), _) | (Some(b"OCMD"), _) => "optional content (OCG)",
        (_, Some(b"Image")) => "an image",
        (_, Some(b"Form")) => "a form XObject",
        (Some(b"ExtGState"), _) => "a graphics state",
        _ if stream => "a content stream (page content, font or image)",
        _ => "a dictionary",
    }
}
