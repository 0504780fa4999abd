//! Modification analysis per revision (DESIGN §7): each incremental
//! update after the first signature is checked as an update (its bytes a
//! valid incremental update) and compared with the revision just before
//! it by kyso-pdf's rules ([`kyso_pdf::diff`]), judged against the
//! strictest DocMDP and FieldMDP/Lock in force when it was made: the
//! certification and the locks of every signature whose revision it
//! follows. The findings are typed; their sentences come from
//! [`super::render`].
use kyso_pdf::diff::{self, Change, DiffPolicy, Finding, Level};
use kyso_pdf::revision::{RevisionMark, Revisions, UpdateProblem};
use kyso_pdf::signature_dict::{FieldLock, SignatureKind};

use super::render;
use super::report::{ModificationInfo, RevisionInfo};

/// At most this many revisions are compared one by one; the rest are
/// compared with the final file in one step (with a warning).
pub const MAX_REVISION_STEPS: usize = 100;

/// What the analysis needs to know about one signature.
pub(super) struct SignatureMark<'a> {
    /// End of the revision it signs (from its `/ByteRange`), if usable.
    pub end: Option<u64>,
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
fn policy_at(marks: &[SignatureMark<'_>], start: u64) -> DiffPolicy {
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

/// Every update after the first signed revision, each compared with the
/// revision before it; then what follows the last readable revision
/// (not a valid update), and a signed revision the chain does not hold.
/// Warnings go to `warnings`.
pub(super) fn analyse(
    revs: &Revisions,
    marks: &[SignatureMark<'_>],
    warnings: &mut Vec<String>,
) -> Vec<RevisionInfo> {
    let chain = revs.marks();
    // Signature ends as revision ends (a /ByteRange may stop before the
    // end of line after `%%EOF`).
    let marks: Vec<SignatureMark<'_>> = marks
        .iter()
        .map(|m| SignatureMark {
            end: m.end.map(|e| revs.mark_ending_at(e).map_or(e, |r| r.end)),
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
    let mut out = Vec::new();
    // Signed revisions the cross-reference chain does not hold: whatever
    // came after them did not build on them.
    for m in marks {
        let Some(e) = m.end else { continue };
        if e <= revs.len() && !chain.iter().any(|r| r.end == e) {
            let problem = UpdateProblem::NotChained { offset: e };
            let changes = vec![problem_change(problem)];
            out.push(describe(chain.len() + 1, e, revs.len(), &changes, marks));
        }
    }
    let Some(k0) = chain.iter().position(|r| r.end >= first) else {
        return out;
    };
    let steps: Vec<&RevisionMark> = chain[k0..].iter().collect();
    if steps.len() > 1 {
        let mut prev_mark = steps[0];
        let mut prev = match revs.revision_at(prev_mark.startxref) {
            Ok(r) => r,
            Err(e) => {
                warnings.push(format!(
                    "không đọc được phiên bản được ký / the signed revision cannot be read: {e}"
                ));
                return out;
            }
        };
        let mut k = 1;
        while k < steps.len() {
            let many = k + 1 == MAX_REVISION_STEPS && steps.len() > MAX_REVISION_STEPS;
            let (cur_mark, sections): (&RevisionMark, Vec<u64>) = if many {
                warnings.push(format!(
                    "hơn {MAX_REVISION_STEPS} phiên bản: các phiên bản cuối được so sánh gộp / more than {MAX_REVISION_STEPS} revisions: the last ones are compared in one step"
                ));
                let last = steps[steps.len() - 1];
                let all = steps[k..].iter().flat_map(|m| m.sections.clone()).collect();
                (last, all)
            } else {
                (steps[k], steps[k].sections.clone())
            };
            let problems = match (many, revs.check_update(prev_mark, cur_mark)) {
                (true, _) => Vec::new(),
                (false, Ok(p)) => p,
                (false, Err(e)) => {
                    let n = cur_mark.number;
                    warnings.push(format!("phiên bản {n} / revision {n}: {e}"));
                    vec![UpdateProblem::Garbage {
                        offset: cur_mark.start,
                    }]
                }
            };
            let mut cur = match revs.revision_at(cur_mark.startxref) {
                Ok(r) => r,
                Err(e) => {
                    let changes = vec![Change {
                        object: None,
                        level: Level::Disallowed,
                        finding: Finding::Unanalysable { why: e.to_string() },
                        allowed: false,
                    }];
                    out.push(describe(
                        cur_mark.number,
                        prev_mark.end,
                        cur_mark.end,
                        &changes,
                        marks,
                    ));
                    break;
                }
            };
            let update = RevisionMark {
                sections,
                ..cur_mark.clone()
            };
            let policy = policy_at(marks, prev_mark.end);
            let changes = diff::analyse(&mut prev, &mut cur, &update, &problems, &policy);
            out.push(describe(
                cur_mark.number,
                prev_mark.end,
                cur_mark.end,
                &changes,
                marks,
            ));
            prev = cur;
            prev_mark = cur_mark;
            k = if many { steps.len() } else { k + 1 };
        }
    }
    // Bytes after the last readable revision.
    let tail = revs.tail_problems();
    if let (false, Some(last)) = (tail.is_empty(), chain.last()) {
        let changes: Vec<Change> = tail.into_iter().map(problem_change).collect();
        out.push(describe(
            chain.len() + 1,
            last.end,
            revs.len(),
            &changes,
            marks,
        ));
    }
    out.sort_by_key(|r| (r.start, r.end));
    out
}

fn problem_change(p: UpdateProblem) -> Change {
    Change {
        object: None,
        level: Level::Disallowed,
        finding: Finding::InvalidUpdate(p),
        allowed: false,
    }
}

fn is_annotation(f: &Finding) -> bool {
    matches!(
        f,
        Finding::AnnotationAdded { .. }
            | Finding::AnnotationChanged { .. }
            | Finding::AnnotationRemoved { .. }
    )
}

/// The kind of an update and its sentence.
fn describe(
    number: usize,
    start: u64,
    end: u64,
    changes: &[Change],
    marks: &[SignatureMark<'_>],
) -> RevisionInfo {
    let has = |f: &dyn Fn(&Finding) -> bool| changes.iter().any(|c| f(&c.finding));
    let bad: Vec<&Change> = changes.iter().filter(|c| !c.allowed).collect();
    let new_sig = marks.iter().find(|m| m.end == Some(end));
    let kind = if !bad.is_empty() {
        let any = |f: &dyn Fn(&Finding) -> bool| bad.iter().any(|c| f(&c.finding));
        if any(&|f| matches!(f, Finding::InvalidUpdate(_))) {
            "invalid-update"
        } else if any(&|f| matches!(f, Finding::NewVisibleSignatureField { .. })) {
            "signature"
        } else if any(&|f| {
            matches!(
                f,
                Finding::PageChanged { .. }
                    | Finding::PagesChanged { .. }
                    | Finding::ObjectChanged { .. }
            )
        }) {
            "page-content"
        } else if any(&is_annotation) {
            "annotation"
        } else {
            "other"
        }
    } else if let Some(m) = new_sig {
        if m.kind == SignatureKind::DocTimeStamp {
            "document-timestamp"
        } else {
            "signature"
        }
    } else if has(&|f| matches!(f, Finding::FormFilled { .. })) {
        "form-filling"
    } else if has(&|f| matches!(f, Finding::Dss)) {
        "dss"
    } else if has(&is_annotation) {
        "annotation"
    } else if changes.is_empty() {
        "no-change"
    } else if changes.iter().all(|c| c.finding == Finding::Metadata) {
        "metadata"
    } else {
        "other"
    };
    let existing = has(&|f| {
        matches!(
            f,
            Finding::SignatureAdded {
                new_field: false,
                ..
            }
        )
    });
    let (vi, en) = render::revision_sentence(kind, new_sig.map(|m| m.field), existing);
    let reasons: Vec<(String, String)> = bad
        .iter()
        .map(|c| render::change_sentence(&c.finding))
        .collect();
    let (verdict_vi, verdict_en) = if bad.is_empty() {
        ("được phép".to_string(), "allowed".to_string())
    } else {
        let (v, e): (Vec<String>, Vec<String>) = reasons.into_iter().unzip();
        (
            format!("KHÔNG được phép: {}", v.join("; ")),
            format!("NOT allowed: {}", e.join("; ")),
        )
    };
    RevisionInfo {
        revision: number,
        start,
        end,
        kind: kind.into(),
        level: diff::level_of(changes).as_str().into(),
        allowed: bad.is_empty(),
        message_vi: format!("Phiên bản {number}: {vi} — {verdict_vi}."),
        message_en: format!("Revision {number}: {en} — {verdict_en}."),
        changes: changes.iter().map(|c| modification(c, number)).collect(),
    }
}

fn corners(r: kyso_pdf::Rect) -> [f32; 4] {
    [r.x1, r.y1, r.x2, r.y2]
}

/// One change as the report shows it.
fn modification(c: &Change, revision: usize) -> ModificationInfo {
    let (vi, en) = render::change_sentence(&c.finding);
    let (page, rect) = match &c.finding {
        Finding::SignatureAdded { page, rect, .. }
        | Finding::SignatureFieldAdded { page, rect, .. }
        | Finding::AnnotationAdded { page, rect, .. }
        | Finding::AnnotationChanged { page, rect, .. }
        | Finding::NewVisibleSignatureField { page, rect, .. } => (*page, *rect),
        Finding::AnnotationRemoved { page, .. } | Finding::PageChanged { page, .. } => {
            (*page, None)
        }
        _ => (None, None),
    };
    ModificationInfo {
        object: c.object.map(|(n, g)| format!("{n} {g}")),
        allowed: c.allowed,
        level: c.level.as_str().into(),
        code: c.finding.code().into(),
        reason: format!("{vi} / {en}"),
        revision: Some(revision),
        page,
        rect: rect.map(corners),
        covers: c.finding.covers().map(|(_, r)| corners(r)),
    }
}
