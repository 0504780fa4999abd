//! Text and HTML forms of a [`ValidationReport`].
use std::fmt::Write;

use kyso_pdf::diff::{Finding, ObjectKind};
use kyso_pdf::revision::UpdateProblem;

use super::report::*;

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("—")
}

/// The plain-text report (Vietnamese / English labels).
pub fn text(rep: &ValidationReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Kết quả / Result: {}", rep.indication.as_str());
    let _ = writeln!(o, "{}\n{}", rep.message_vi, rep.message_en);
    let _ = writeln!(
        o,
        "Tệp / File: SHA-256 {} ({} byte, {} phiên bản / revisions)",
        rep.file_sha256, rep.file_size, rep.revisions
    );
    for w in &rep.warnings {
        let _ = writeln!(o, "Cảnh báo / Warning: {w}");
    }
    for s in &rep.signatures {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "#{} {} {} — {}{}",
            s.index,
            s.kind,
            s.field
                .as_deref()
                .map(|f| format!("'{f}'"))
                .unwrap_or_default(),
            s.indication.as_str(),
            s.sub_indication
                .map(|x| format!(" / {}", x.as_str()))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "  {}", s.message_vi);
        let _ = writeln!(o, "  {}", s.message_en);
        if let Some(c) = &s.signer {
            let _ = writeln!(o, "  Người ký / Signer: {}", c.subject);
            let _ = writeln!(o, "  Email: {}", opt(&c.email));
            let _ = writeln!(
                o,
                "  Hiệu lực chứng thư / Certificate validity: {} → {}",
                c.not_before, c.not_after
            );
            let _ = writeln!(o, "  Số hiệu / Serial: {}", c.serial);
        }
        let _ = writeln!(o, "  Tổ chức cấp / Issuer: {}", opt(&s.issuer));
        let _ = writeln!(
            o,
            "  Đơn vị quản lý / Managing unit: {}",
            opt(&s.managing_unit)
        );
        let _ = writeln!(
            o,
            "  Thời điểm ký (khai báo /M) / Claimed signing time: {}",
            opt(&s.claimed_signing_time)
        );
        if let Some(t) = &s.timestamp {
            let _ = writeln!(
                o,
                "  Dấu thời gian / Time-stamp: {} (toàn vẹn / intact: {}, tin cậy / trusted: {})",
                if t.time.is_empty() { "—" } else { &t.time },
                t.intact,
                t.trusted.as_text()
            );
        }
        let _ = writeln!(o, "  Mức / Level: {}", opt(&s.level));
        let _ = writeln!(o, "  Toàn vẹn / Integrity: {}", s.integrity.as_text());
        if !s.refused_algorithms.is_empty() {
            let _ = writeln!(
                o,
                "  Thuật toán bị từ chối (Thông tư 15/2025) / Refused algorithms (Circular 15/2025): {}",
                s.refused_algorithms.join(", ")
            );
        }
        for n in &s.cms_notes {
            let _ = writeln!(o, "  CMS [{}]: {} / {}", n.code, n.message_vi, n.message_en);
        }
        let _ = writeln!(
            o,
            "  Chứng thư hợp lệ tại thời điểm ký / Certificate valid at signing time: {} ({})",
            s.certificate_valid_at_signing_time.as_text(),
            s.validation_time
        );
        if let Some(p) = s.doc_mdp {
            let _ = writeln!(o, "  Chữ ký chứng thực / Certification: DocMDP P={p}");
        }
        let _ = writeln!(
            o,
            "  Bao phủ toàn bộ tệp / Covers the whole file: {}",
            s.covers_whole_document.as_text()
        );
        for v in &s.later_revisions {
            let _ = writeln!(
                o,
                "  {} {} / {}",
                if v.allowed { "✓" } else { "✗" },
                v.message_vi,
                v.message_en
            );
            for m in &v.changes {
                let _ = writeln!(
                    o,
                    "      {} [{}{}] {}",
                    if m.allowed { "✓" } else { "✗" },
                    m.code,
                    m.object
                        .as_deref()
                        .map(|x| format!(" {x}"))
                        .unwrap_or_default(),
                    m.reason
                );
            }
        }
        for w in &s.warnings {
            let _ = writeln!(o, "  Cảnh báo / Warning: {w}");
        }
    }
    o
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained HTML page (no external resources).
pub fn html(rep: &ValidationReport) -> String {
    let mut o = String::from("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Kết quả kiểm tra chữ ký / Signature verification</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em;text-align:left;vertical-align:top}.TOTAL-PASSED{color:#060}.INDETERMINATE{color:#a60}.TOTAL-FAILED{color:#b00}</style></head><body>\n");
    let cls = rep.indication.as_str();
    let _ = writeln!(
        o,
        "<h1 class=\"{cls}\">{cls}</h1><p>{}<br>{}</p><p>SHA-256 <code>{}</code>, {} byte, {} revision(s)</p>",
        esc(&rep.message_vi),
        esc(&rep.message_en),
        esc(&rep.file_sha256),
        rep.file_size,
        rep.revisions
    );
    for s in &rep.signatures {
        let cls = s.indication.as_str();
        let _ = writeln!(
            o,
            "<h2 class=\"{cls}\">#{} {} {} — {}{}</h2><p>{}<br>{}</p><table>",
            s.index,
            esc(&s.kind),
            esc(s.field.as_deref().unwrap_or("")),
            cls,
            s.sub_indication
                .map(|x| format!(" / {}", x.as_str()))
                .unwrap_or_default(),
            esc(&s.message_vi),
            esc(&s.message_en)
        );
        let mut row = |k: &str, v: &str| {
            let _ = writeln!(
                o,
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(k),
                esc(v).replace('\n', "<br>")
            );
        };
        if let Some(c) = &s.signer {
            row("Người ký / Signer", &c.subject);
            row(
                "Hiệu lực chứng thư / Certificate validity",
                &format!("{} → {}", c.not_before, c.not_after),
            );
        }
        row("Tổ chức cấp / Issuer", opt(&s.issuer));
        row("Đơn vị quản lý / Managing unit", opt(&s.managing_unit));
        row(
            "Thời điểm ký (/M) / Claimed signing time",
            opt(&s.claimed_signing_time),
        );
        if let Some(t) = &s.timestamp {
            row(
                "Dấu thời gian / Time-stamp",
                &format!(
                    "{} (intact {}, trusted {})",
                    t.time,
                    t.intact,
                    t.trusted.as_text()
                ),
            );
        }
        row("Mức / Level", opt(&s.level));
        row("Toàn vẹn / Integrity", s.integrity.as_text());
        if !s.refused_algorithms.is_empty() {
            row(
                "Thuật toán bị từ chối / Refused algorithms",
                &s.refused_algorithms.join(", "),
            );
        }
        for n in &s.cms_notes {
            row(
                &format!("CMS [{}]", n.code),
                &format!("{}\n{}", n.message_vi, n.message_en),
            );
        }
        row(
            "Hợp lệ tại thời điểm ký / Valid at signing time",
            &format!(
                "{} ({})",
                s.certificate_valid_at_signing_time.as_text(),
                s.validation_time
            ),
        );
        for v in &s.later_revisions {
            let mut text = format!("{}\n{}", v.message_vi, v.message_en);
            for m in &v.changes {
                text.push_str(&format!(
                    "\n{} [{}] {}",
                    if m.allowed { "✓" } else { "✗" },
                    m.code,
                    m.reason
                ));
            }
            row(
                if v.allowed {
                    "Phiên bản sau, được phép / Later revision, allowed"
                } else {
                    "Phiên bản sau, KHÔNG được phép / Later revision, NOT allowed"
                },
                &text,
            );
        }
        for w in &s.warnings {
            row("Cảnh báo / Warning", w);
        }
        o.push_str("</table>\n");
    }
    o.push_str("</body></html>\n");
    o
}

/// `[x1 y1 x2 y2]`, rounded.
fn area(r: kyso_pdf::Rect) -> String {
    format!("[{:.0} {:.0} {:.0} {:.0}]", r.x1, r.y1, r.x2, r.y2)
}

fn on_page(page: Option<u32>) -> (String, String) {
    match page {
        Some(p) => (format!(" trên trang {p}"), format!(" on page {p}")),
        None => (String::new(), String::new()),
    }
}

fn object_kind(k: ObjectKind) -> (&'static str, &'static str) {
    match k {
        ObjectKind::Font => ("phông chữ", "a font"),
        ObjectKind::OptionalContent => ("nội dung tùy chọn (OCG)", "optional content (OCG)"),
        ObjectKind::Image => ("hình ảnh", "an image"),
        ObjectKind::FormXObject => ("XObject dạng form", "a form XObject"),
        ObjectKind::GraphicsState => ("trạng thái đồ họa", "a graphics state"),
        ObjectKind::ContentStream => (
            "luồng nội dung (nội dung trang, phông hoặc hình)",
            "a content stream (page content, font or image)",
        ),
        ObjectKind::SignatureDictionary => ("từ điển chữ ký", "a signature dictionary"),
        ObjectKind::Annotation => ("chú thích", "an annotation"),
        ObjectKind::Dictionary => ("từ điển", "a dictionary"),
        ObjectKind::Other => ("đối tượng", "an object"),
    }
}

fn problem(p: &UpdateProblem) -> (String, String) {
    match p {
        UpdateProblem::UnlistedObject { object, offset } => (
            format!("đối tượng {} {} ở vị trí {offset} không có trong bảng xref của phiên bản (được nối thêm không hợp lệ)", object.0, object.1),
            format!("object {} {} at offset {offset} is not in the update's cross-reference section (appended without one)", object.0, object.1),
        ),
        UpdateProblem::OffsetMismatch { object, offset } => (
            format!("bảng xref chỉ vị trí {offset} cho đối tượng {} {} nhưng đối tượng không ở đó", object.0, object.1),
            format!("the cross-reference section gives offset {offset} for object {} {}, which is not there", object.0, object.1),
        ),
        UpdateProblem::BrokenTrailer { offset } => (
            format!("trailer ở vị trí {offset} không trỏ tới bảng xref đọc được của phiên bản này"),
            format!("the trailer at offset {offset} points at no readable cross-reference table of its own"),
        ),
        UpdateProblem::NotChained { offset } => (
            format!("dữ liệu xref ở vị trí {offset} không nối (/Prev) với phiên bản trước"),
            format!("the cross-reference data at offset {offset} does not chain (/Prev) to the revision before"),
        ),
        UpdateProblem::Garbage { offset } => (
            format!("dữ liệu lạ ở vị trí {offset} trong phiên bản cập nhật"),
            format!("unexpected bytes at offset {offset} in the update"),
        ),
        UpdateProblem::TrailingBytes { offset, len } => (
            format!("{len} byte sau %%EOF cuối cùng (từ vị trí {offset}) không phải một bản cập nhật hợp lệ"),
            format!("{len} bytes after the last %%EOF (from offset {offset}) are not a valid incremental update"),
        ),
        UpdateProblem::TooLarge => (
            "bản cập nhật quá lớn để kiểm tra".into(),
            "the update is too large to check".into(),
        ),
    }
}

/// "hiển thị" / "visible", or "ẩn" / "invisible".
fn visibility(visible: bool) -> (&'static str, &'static str) {
    if visible {
        ("hiển thị", "visible")
    } else {
        ("ẩn", "invisible")
    }
}

/// Where something is and what it covers: " on page P [x1 y1 x2 y2],
/// covering signed content in […]" (the parts known).
fn placed(
    page: Option<u32>,
    rect: Option<kyso_pdf::Rect>,
    covers: Option<kyso_pdf::Rect>,
) -> (String, String) {
    let (pv, pe) = on_page(page);
    let r = rect.map(|r| format!(" {}", area(r))).unwrap_or_default();
    let (cv, ce) = match covers {
        Some(c) => (
            format!(", che phủ nội dung đã ký trong vùng {}", area(c)),
            format!(", covering signed content in {}", area(c)),
        ),
        None => (String::new(), String::new()),
    };
    (format!("{pv}{r}{cv}"), format!("{pe}{r}{ce}"))
}

/// The sentence of one change of the modification analysis, Vietnamese
/// and English.
pub(super) fn change_sentence(f: &Finding) -> (String, String) {
    match f {
        Finding::Dss => (
            "thêm/cập nhật DSS (dữ liệu kiểm tra dài hạn)".into(),
            "the DSS (long-term validation data) was added or updated".into(),
        ),
        Finding::DocumentTimeStamp { field } => (
            format!("thêm dấu thời gian tài liệu trong trường '{field}'"),
            format!("a document time-stamp was added in field '{field}'"),
        ),
        Finding::Metadata => (
            "cập nhật siêu dữ liệu (/Info hoặc XMP)".into(),
            "metadata (/Info or XMP) updated".into(),
        ),
        Finding::StructureTree => (
            "cập nhật cấu trúc logic (tagged PDF) cho trường mới".into(),
            "the logical structure (tagged PDF) was updated for a field".into(),
        ),
        Finding::SignatureAdded {
            field,
            new_field: true,
            visible,
            page,
            rect,
            covers,
        } => {
            let (v, e) = placed(*page, *rect, *covers);
            let (vv, ve) = visibility(*visible);
            (
                format!("thêm chữ ký trong trường chữ ký mới {vv} '{field}'{v}"),
                format!("a signature in a new {ve} signature field '{field}'{e}"),
            )
        }
        Finding::SignatureAdded {
            field,
            page,
            covers,
            ..
        } => {
            let (v, e) = placed(*page, None, *covers);
            (
                format!("ký vào trường chữ ký trống '{field}'{v}"),
                format!("the empty signature field '{field}' was signed{e}"),
            )
        }
        Finding::SignatureFieldAdded {
            field,
            visible,
            page,
            rect,
            covers,
        } => {
            let (v, e) = placed(*page, *rect, *covers);
            let (vv, ve) = visibility(*visible);
            (
                format!("thêm trường chữ ký trống {vv} '{field}'{v}"),
                format!("an empty {ve} signature field '{field}' was added{e}"),
            )
        }
        Finding::FormFilled { field } => (
            format!("điền biểu mẫu: trường '{field}'"),
            format!("form filling: field '{field}'"),
        ),
        Finding::AnnotationAdded {
            subtype,
            page,
            rect,
            covers,
        } => {
            let (v, e) = placed(*page, *rect, *covers);
            (
                format!("thêm chú thích {subtype}{v}"),
                format!("a {subtype} annotation was added{e}"),
            )
        }
        Finding::AnnotationChanged {
            subtype,
            page,
            rect,
            covers,
        } => {
            let (v, e) = placed(*page, *rect, *covers);
            (
                format!("sửa chú thích {subtype}{v}"),
                format!("a {subtype} annotation was changed{e}"),
            )
        }
        Finding::AnnotationRemoved { subtype, page } => {
            let (v, e) = placed(*page, None, None);
            (
                format!("xóa chú thích {subtype}{v}"),
                format!("a {subtype} annotation was removed{e}"),
            )
        }
        Finding::NewVisibleSignatureField { field, page, rect } => {
            let (v, e) = placed(*page, *rect, None);
            (
                format!("thêm trường chữ ký hiển thị mới '{field}'{v} sau chữ ký chứng thực (phiên bản chứng thực không tạo trường này)"),
                format!("a new visible signature field '{field}'{e} was added after the certification (the certifying revision did not create it)"),
            )
        }
        Finding::FieldLocked { field } => (
            format!("trường '{field}' bị khóa (FieldMDP/Lock) nhưng đã bị điền hoặc sửa"),
            format!("field '{field}' is locked (FieldMDP/Lock) but was changed"),
        ),
        Finding::FieldChanged { field, key } => (
            format!("trường '{field}' bị thay đổi (/{key}) sau khi ký, không phải điền biểu mẫu"),
            format!(
                "field '{field}' was changed (/{key}) after signing, which is not form filling"
            ),
        ),
        Finding::FormFieldAdded { field } => (
            format!("thêm trường biểu mẫu mới '{field}' (không phải trường chữ ký)"),
            format!("a new form field '{field}' (not a signature field) was added"),
        ),
        Finding::FormFieldRemoved { field } => (
            format!("trường biểu mẫu '{field}' bị xóa"),
            format!("form field '{field}' was removed"),
        ),
        Finding::SignatureChanged { field } => match field {
            Some(f) => (
                format!("chữ ký của trường '{f}' bị thay thế hoặc viết lại"),
                format!("the signature of field '{f}' was replaced or rewritten"),
            ),
            None => (
                "một từ điển chữ ký bị viết lại sau khi ký".into(),
                "a signature dictionary was rewritten after signing".into(),
            ),
        },
        Finding::PagesChanged { before, after } => (
            format!("số trang hoặc thứ tự trang thay đổi ({before} → {after} trang)"),
            format!("pages were added, removed or reordered ({before} → {after} pages)"),
        ),
        Finding::PageChanged { page, key } => {
            let (v, e) = placed(*page, None, None);
            (
                format!("trang bị thay đổi{v}: /{key}"),
                format!("a page was changed{e}: /{key}"),
            )
        }
        Finding::CatalogChanged { key } => (
            format!("mục /{key} của danh mục tài liệu bị thay đổi"),
            format!("the catalog entry /{key} was changed"),
        ),
        Finding::TrailerChanged { key } => (
            format!("mục /{key} của trailer bị thay đổi"),
            format!("the trailer entry /{key} was changed"),
        ),
        Finding::AcroFormChanged { key } => (
            format!("mục /{key} của biểu mẫu (AcroForm) bị thay đổi"),
            format!("the interactive form (AcroForm) entry /{key} was changed"),
        ),
        Finding::ObjectChanged { kind } => {
            let (v, e) = object_kind(*kind);
            (
                format!("{v} bị thay đổi sau khi ký"),
                format!("{e} was changed after signing"),
            )
        }
        Finding::ObjectRemoved => (
            "một đối tượng bị xóa sau khi ký".into(),
            "an object was removed after signing".into(),
        ),
        Finding::DanglingReferenceDefined => (
            "đối tượng được bản ký tham chiếu nhưng chỉ được định nghĩa sau khi ký".into(),
            "an object the signed revision referred to was defined only after signing".into(),
        ),
        Finding::InvalidUpdate(p) => {
            let (v, e) = problem(p);
            (
                format!("không phải bản cập nhật gia tăng hợp lệ: {v}"),
                format!("not a valid incremental update: {e}"),
            )
        }
        Finding::Unanalysable { why } => (
            format!("không phân tích được bản cập nhật: {why}"),
            format!("the update could not be analysed: {why}"),
        ),
    }
}

/// What an update did as a whole, from its kind: Vietnamese, English.
/// `field`: the field of the signature that ends it; `existing`: whether
/// that field was an existing empty one.
pub(super) fn revision_sentence(
    kind: &str,
    field: Option<&str>,
    existing: bool,
) -> (String, String) {
    let field = field.unwrap_or("");
    let (v, e) = match kind {
        "document-timestamp" => (
            "thêm dấu thời gian tài liệu".into(),
            "a document time-stamp was added".into(),
        ),
        "signature" if existing => (
            format!("ký chữ ký mới vào trường chữ ký trống có sẵn '{field}'"),
            format!("a new signature in the existing empty field '{field}'"),
        ),
        "signature" => (
            format!("thêm chữ ký mới trong trường mới '{field}'"),
            format!("a new signature in a new field '{field}'"),
        ),
        "form-filling" => (
            "điền biểu mẫu vào các trường để ngỏ".into(),
            "form filling of fields left open".into(),
        ),
        "dss" => (
            "thêm dữ liệu kiểm tra dài hạn (DSS/VRI)".into(),
            "long-term validation data (DSS/VRI) added".into(),
        ),
        "annotation" => (
            "thêm, sửa hoặc xóa chú thích trên trang".into(),
            "annotations added, changed or removed on a page".into(),
        ),
        "page-content" => (
            "thay đổi nội dung trang (nội dung, tài nguyên, phông, hình hoặc số trang)".into(),
            "page content changed (content, resources, fonts, images or pages)".into(),
        ),
        "metadata" => ("cập nhật siêu dữ liệu".into(), "metadata updated".into()),
        "invalid-update" => (
            "dữ liệu không phải bản cập nhật gia tăng hợp lệ".into(),
            "bytes that are not a valid incremental update".into(),
        ),
        "no-change" => (
            "không thay đổi nội dung tài liệu".into(),
            "no change to the document's content".into(),
        ),
        _ => ("thay đổi khác".into(), "other changes".into()),
    };
    (v, e)
}
