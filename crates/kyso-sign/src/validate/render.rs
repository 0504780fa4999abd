//! Text and HTML forms of a [`ValidationReport`].
use std::fmt::Write;

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
