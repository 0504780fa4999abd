//! Modification analysis per revision (DESIGN §7): each incremental
//! update after the first signature is compared with the revision just
//! before it (not the signed revision with the final file in one step),
//! classified (DSS/VRI, document time-stamp, form filling, a signature,
//! annotations, page content, metadata, other) and judged against the
//! strictest DocMDP and FieldMDP/Lock in force when it was made: the
//! certification and the locks of every signature whose revision it
//! follows.
use kyso_pdf::diff::{self, Change, DiffPolicy};
use kyso_pdf::lopdf::Document;
use kyso_pdf::revision;
use kyso_pdf::signature_dict::{FieldLock, SignatureKind};

use super::report::{ModificationInfo, RevisionInfo};

/// At most this many revisions are compared one by one; the rest are
/// compared with the final file in one step (with a warning).
pub const MAX_REVISION_STEPS: usize = 100;

/// What the analysis needs to know about one signature.
pub(super) struct SignatureMark<'a> {
    /// End of the revision it signs (from its `/ByteRange`), if usable.
    pub end: Option<usize>,
    pub kind: SignatureKind,
    pub field: &'a str,
    /// DocMDP /P of a certification signature.
    pub doc_mdp: Option<u8>,
    /// Its FieldMDP transform and its field's `/Lock`.
    pub locks: Vec<FieldLock>,
}

/// The policy in force for an update that starts at byte `start`: the
/// certification (the earliest) and the locks of every signature whose
/// revision ends at or before `start`.
fn policy_at(marks: &[SignatureMark<'_>], start: usize) -> DiffPolicy {
    let before = || {
        marks
            .iter()
            .filter(move |m| m.end.is_some_and(|e| e <= start))
    };
    DiffPolicy {
        doc_mdp: before()
            .filter(|m| m.doc_mdp.is_some())
            .min_by_key(|m| m.end)
            .and_then(|m| m.doc_mdp),
        locks: before().flat_map(|m| m.locks.iter().cloned()).collect(),
    }
}

/// Every revision after the first signed one (those that parse), each
/// compared with the one before it. The last step ends at the end of the
/// file and uses `doc`, the document as a whole. Warnings go to `warnings`.
pub(super) fn analyse(
    bytes: &[u8],
    doc: &Document,
    marks: &[SignatureMark<'_>],
    warnings: &mut Vec<String>,
) -> Vec<RevisionInfo> {
    let ends = revision::revision_ends(bytes);
    // A /ByteRange may stop before the end-of-line after `%%EOF`; the
    // revision boundary is the one right after it.
    let boundary = |end: usize| {
        ends.iter()
            .copied()
            .find(|e| *e >= end && *e - end <= 2)
            .unwrap_or(end)
    };
    let marks: Vec<SignatureMark<'_>> = marks
        .iter()
        .map(|m| SignatureMark {
            end: m.end.map(boundary),
            kind: m.kind,
            field: m.field,
            doc_mdp: m.doc_mdp,
            locks: m.locks.clone(),
        })
        .collect();
    let marks = marks.as_slice();
    let Some(first) = marks.iter().filter_map(|m| m.end).min() else {
        return Vec::new();
    };
    let is_last = |e: usize| {
        bytes
            .get(e..)
            .is_none_or(|t| t.iter().all(u8::is_ascii_whitespace))
    };
    // (revision number, end) of the boundaries from the first signed
    // revision on; the end of the file is always the last one.
    let mut bounds: Vec<(usize, usize)> = ends
        .iter()
        .enumerate()
        .filter(|(_, e)| **e >= first && **e <= bytes.len())
        .map(|(i, e)| (i + 1, *e))
        .collect();
    match bounds.iter().position(|(_, e)| is_last(*e)) {
        Some(p) => bounds.truncate(p + 1),
        None => bounds.push((ends.len() + 1, bytes.len())),
    }
    if bounds.len() < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The revision before the current update.
    let Ok(mut prev) = Document::load_mem(&bytes[..bounds[0].1]) else {
        return Vec::new();
    };
    let mut prev_end = bounds[0].1;
    let mut skipped = false;
    for (k, &(number, end)) in bounds.iter().enumerate().skip(1) {
        let last = k == bounds.len() - 1;
        if !last && out.len() + 1 >= MAX_REVISION_STEPS {
            skipped = true;
            continue; // compared with the final file below
        }
        let owned = if last {
            None
        } else {
            match Document::load_mem(&bytes[..end]) {
                Ok(d) => Some(d),
                // A `%%EOF` that does not end a readable revision (inside
                // a stream, say): the update continues to the next one.
                Err(_) => continue,
            }
        };
        let cur: &Document = owned.as_ref().unwrap_or(doc);
        if last && skipped {
            warnings.push(format!(
                "hơn {MAX_REVISION_STEPS} phiên bản: các phiên bản cuối được so sánh gộp / more than {MAX_REVISION_STEPS} revisions: the last ones are compared in one step"
            ));
        }
        let policy = policy_at(marks, prev_end);
        let changes = diff::analyse(&prev, cur, &policy);
        out.push(describe(number, prev_end, end, &changes, marks));
        match owned {
            Some(d) => prev = d,
            None => break,
        }
        prev_end = end;
    }
    out
}

/// The kind of an update and its sentence.
fn describe(
    number: usize,
    start: usize,
    end: usize,
    changes: &[Change],
    marks: &[SignatureMark<'_>],
) -> RevisionInfo {
    let has = |code: &str| changes.iter().any(|c| c.code == code);
    let bad: Vec<&Change> = changes.iter().filter(|c| !c.allowed).collect();
    let new_sig = marks.iter().find(|m| m.end == Some(end));
    let (kind, vi, en): (&str, String, String) = if !bad.is_empty() {
        let any = |codes: &[&str]| bad.iter().any(|c| codes.contains(&c.code));
        if any(&["page-changed", "pages-changed", "object-changed"]) {
            (
                "page-content",
                "thay đổi nội dung trang (nội dung, tài nguyên, phông, hình hoặc số trang)".into(),
                "page content changed (content, resources, fonts, images or pages)".into(),
            )
        } else if any(&["annotation-added", "annotation-changed"]) {
            (
                "annotation",
                "thêm hoặc sửa chú thích trên trang".into(),
                "annotations added or changed on a page".into(),
            )
        } else {
            ("other", "thay đổi khác".into(), "other changes".into())
        }
    } else if let Some(m) = new_sig {
        if m.kind == SignatureKind::DocTimeStamp {
            (
                "document-timestamp",
                "thêm dấu thời gian tài liệu".into(),
                "a document time-stamp was added".into(),
            )
        } else if has("signature-field-signed") {
            (
                "signature",
                format!("ký chữ ký mới vào trường chữ ký trống có sẵn '{}'", m.field),
                format!("a new signature in the existing empty field '{}'", m.field),
            )
        } else {
            (
                "signature",
                format!("thêm chữ ký mới trong trường mới '{}'", m.field),
                format!("a new signature in a new field '{}'", m.field),
            )
        }
    } else if has("form-fill") {
        (
            "form-filling",
            "điền biểu mẫu vào các trường để ngỏ".into(),
            "form filling of fields left open".into(),
        )
    } else if has("dss") {
        (
            "dss",
            "thêm dữ liệu kiểm tra dài hạn (DSS/VRI)".into(),
            "long-term validation data (DSS/VRI) added".into(),
        )
    } else if changes.is_empty() {
        (
            "no-change",
            "không thay đổi nội dung tài liệu".into(),
            "no change to the document's content".into(),
        )
    } else if changes.iter().all(|c| c.code == "metadata") {
        (
            "metadata",
            "cập nhật siêu dữ liệu".into(),
            "metadata updated".into(),
        )
    } else {
        ("other", "thay đổi khác".into(), "other changes".into())
    };
    let (verdict_vi, verdict_en) = if bad.is_empty() {
        ("được phép".to_string(), "allowed".to_string())
    } else {
        let (v, e): (Vec<&str>, Vec<&str>) = bad
            .iter()
            .map(|c| c.reason.split_once(" / ").unwrap_or((&c.reason, &c.reason)))
            .unzip();
        (
            format!("KHÔNG được phép: {}", v.join("; ")),
            format!("NOT allowed: {}", e.join("; ")),
        )
    };
    RevisionInfo {
        revision: number,
        start: start as u64,
        end: end as u64,
        kind: kind.into(),
        allowed: bad.is_empty(),
        message_vi: format!("Phiên bản {number}: {vi} — {verdict_vi}."),
        message_en: format!("Revision {number}: {en} — {verdict_en}."),
        changes: changes
            .iter()
            .map(|c| ModificationInfo {
                object: c.object.map(|(n, g)| format!("{n} {g}")),
                allowed: c.allowed,
                code: c.code.into(),
                reason: c.reason.clone(),
                revision: Some(number),
            })
            .collect(),
    }
}
