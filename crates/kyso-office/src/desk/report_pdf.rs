//! The desk's report as a PDF (issue 12 §8): the figures of
//! [`super::report`] laid out as tables ([`crate::render::tabular_pdf`],
//! krilla) in Vietnamese, signed PAdES B-T with the seal key of the
//! reporting body — the department (or the CA) for the province, a
//! managing organization for its own agency — and audited with the signed
//! file's SHA-256.

use sha2::{Digest, Sha256};

use super::report::{DeskReport, ReportQuery};
use super::view::AGENCY_READERS;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::register_pdf::RecordSeal;
use crate::render::{tabular_pdf, TabularReport, TabularSection};
use crate::role::Role;
use crate::Office;

/// The signature field of a report.
pub const REPORT_SIGNATURE_FIELD: &str = "bao_cao";

/// `2026-04-30` → `30/04/2026`.
fn vn_day(iso: &str) -> String {
    let p: Vec<&str> = iso.get(..10).unwrap_or(iso).split('-').collect();
    match p.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

/// An ISO 8601 time as `dd/mm/yyyy HH:MM` in Vietnam time.
fn vn_when(iso: &str) -> String {
    time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .map(crate::print::vn_time)
        .unwrap_or_else(|_| iso.to_string())
}

fn section(heading: &str, columns: &[(&str, f32)], rows: Vec<Vec<String>>) -> TabularSection {
    TabularSection {
        heading: heading.into(),
        columns: columns.iter().map(|(t, w)| (t.to_string(), *w)).collect(),
        rows,
        empty: "Không có số liệu trong kỳ.".into(),
    }
}

/// The report's tables.
pub(crate) fn layout(r: &DeskReport, issuer: &str) -> TabularReport {
    let n = |x: u64| x.to_string();
    TabularReport {
        issuer: issuer.into(),
        title: "BÁO CÁO TÌNH HÌNH CUNG CẤP, SỬ DỤNG CHỨNG THƯ SỐ".into(),
        lines: vec![
            format!("Phạm vi: {}", r.scope),
            format!("Kỳ báo cáo: từ ngày {} đến ngày {}", vn_day(&r.from), vn_day(&r.to)),
            format!("Lập lúc: {}", vn_when(&r.generated_at)),
        ],
        sections: vec![
            section(
                "1. Chứng thư số theo cơ quan",
                &[("Cơ quan", 4.0), ("Còn hiệu lực", 1.2), ("Hết hạn", 1.2), ("Đã thu hồi", 1.2)],
                r.certificates
                    .iter()
                    .map(|c| vec![c.agency_name.clone(), n(c.valid), n(c.expired), n(c.revoked)])
                    .collect(),
            ),
            section(
                "2. Yêu cầu theo loại và trạng thái (nộp trong kỳ)",
                &[("Loại yêu cầu", 3.0), ("Trạng thái", 3.0), ("Số lượng", 1.0)],
                r.requests
                    .iter()
                    .map(|q| vec![q.kind_name.clone(), q.state_name.clone(), n(q.count)])
                    .collect(),
            ),
            section(
                "3. Thực hiện thời hạn (ngày làm việc, Nghị định 68/2024)",
                &[
                    ("Loại yêu cầu", 3.0),
                    ("Đúng hạn", 1.0),
                    ("Trễ hạn", 1.0),
                    ("Đang xử lý", 1.0),
                    ("Quá hạn", 1.0),
                ],
                r.deadlines
                    .iter()
                    .map(|d| {
                        vec![
                            d.kind_name.clone(),
                            n(d.on_time),
                            n(d.late),
                            n(d.open),
                            n(d.overdue),
                        ]
                    })
                    .collect(),
            ),
            section(
                "4. Yêu cầu quá hạn",
                &[
                    ("Số", 0.6),
                    ("Cơ quan", 2.6),
                    ("Loại", 2.0),
                    ("Người đề nghị", 2.0),
                    ("Hạn", 1.2),
                    ("Quá (ngày)", 1.0),
                ],
                r.overdue
                    .iter()
                    .map(|o| {
                        vec![
                            o.id.to_string(),
                            o.agency_name.clone(),
                            o.kind_name.clone(),
                            o.full_name.clone(),
                            vn_day(&o.due_date),
                            o.working_days_late.to_string(),
                        ]
                    })
                    .collect(),
            ),
            section(
                &format!(
                    "5. Chứng thư số sắp hết hạn: {} trong 30 ngày, {} trong 60 ngày, {} trong 90 ngày",
                    r.expiring_30, r.expiring_60, r.expiring_90
                ),
                &[
                    ("Chủ thể", 3.4),
                    ("Cơ quan", 2.6),
                    ("Hết hạn", 1.2),
                    ("Còn (ngày)", 1.0),
                ],
                r.expiring
                    .iter()
                    .map(|e| {
                        vec![
                            e.subject.clone(),
                            e.agency_name.clone(),
                            vn_day(&e.not_after),
                            e.days_left.to_string(),
                        ]
                    })
                    .collect(),
            ),
            section(
                "6. Thiết bị lưu khóa (token) theo đơn vị quản lý và trạng thái",
                &[("Đơn vị quản lý", 4.0), ("Trạng thái", 2.0), ("Số lượng", 1.0)],
                r.tokens
                    .iter()
                    .map(|t| vec![t.agency_name.clone(), t.state_name.clone(), n(t.count)])
                    .collect(),
            ),
            section(
                "7. Chữ ký số đã thực hiện trên hệ thống theo cơ quan và tháng",
                &[("Cơ quan", 4.0), ("Tháng", 1.4), ("Số chữ ký", 1.2)],
                r.signatures
                    .iter()
                    .map(|s| {
                        let month = s.month.split('-').rev().collect::<Vec<_>>().join("/");
                        vec![s.agency_name.clone(), month, n(s.count)]
                    })
                    .collect(),
            ),
            section(
                "8. Thiết bị quá hạn hoàn trả (5 ngày làm việc, Nghị định 68/2024)",
                &[
                    ("Số hiệu", 2.0),
                    ("Đơn vị quản lý", 2.6),
                    ("Trạng thái", 1.4),
                    ("Hạn", 1.2),
                    ("Quá (ngày)", 1.0),
                ],
                r.overdue_returns
                    .iter()
                    .map(|o| {
                        vec![
                            o.serial.clone(),
                            o.agency_name.clone(),
                            o.state.name_vi().to_string(),
                            vn_day(&o.return_due),
                            o.working_days_late.to_string(),
                        ]
                    })
                    .collect(),
            ),
        ],
    }
}

impl Office {
    /// The agency whose seal signs `actor`'s report on `q`: the agency
    /// asked about when the actor belongs to it, else the department (or
    /// the CA) they work for, else their own managing organization.
    fn report_signer(actor: &Actor, q: &ReportQuery) -> Option<i64> {
        let member = |a: i64| actor.memberships.iter().any(|m| m.agency_id == a);
        q.agency_id.filter(|a| member(*a)).or_else(|| {
            [Role::DeptAdmin, Role::CaOperator]
                .iter()
                .find_map(|r| actor.memberships.iter().find(|m| m.role == *r))
                .or_else(|| {
                    actor
                        .memberships
                        .iter()
                        .find(|m| AGENCY_READERS.contains(&m.role))
                })
                .map(|m| m.agency_id)
        })
    }

    /// `report` laid out as a PDF and signed with the seal key of
    /// agency `signer` (the reporting body).
    pub(crate) async fn sign_report(&self, signer: i64, report: &DeskReport) -> Result<Vec<u8>> {
        let agency = self.agency_model(self.store.connection(), signer).await?;
        let kit = self.seal_kit(signer).await?;
        let rendered = tabular_pdf(&layout(report, &agency.name))?;
        let now = self.now();
        let how = RecordSeal {
            at: rendered.signature,
            field: REPORT_SIGNATURE_FIELD,
            reason: format!(
                "Báo cáo chứng thư số {}..{} / certificate report",
                report.from, report.to
            ),
            image: false,
        };
        self.seal_record(&kit, &rendered.pdf, how, now, |e| {
            OfficeError::conflict(
                "cannot-sign-report",
                format!("không ký được báo cáo: {e}"),
                format!("cannot sign the report: {e}"),
            )
        })
        .await
    }

    /// The desk's report for `q` as a PDF signed with the reporting
    /// body's seal key.
    pub async fn desk_report_pdf(&self, actor: &Actor, q: &ReportQuery) -> Result<Vec<u8>> {
        let report = self.desk_report(actor, q).await?;
        self.guard(actor, "desk.report.pdf", async || {
            actor.require_scope(Scope::Read)?;
            let signer = Self::report_signer(actor, q).ok_or_else(|| {
                OfficeError::forbidden(
                    "không thuộc cơ quan nào có thể ký báo cáo",
                    "you belong to no agency that could sign the report",
                )
            })?;
            let signed = self.sign_report(signer, &report).await?;
            let now = self.now();
            let sha = hex::encode(Sha256::digest(&signed));
            self.store
                .write(async |tx| {
                    record(
                        tx,
                        actor,
                        Entry::new(
                            "desk.report.pdf",
                            "desk_report",
                            format!("{}..{}", report.from, report.to),
                        )
                        .agency(signer)
                        .sha256(sha.clone())
                        .detail(report.scope.clone()),
                        now,
                    )
                    .await
                })
                .await?;
            Ok(signed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_the_vietnamese_way() {
        assert_eq!(vn_day("2026-04-30"), "30/04/2026");
        assert_eq!(vn_day("2026-04-30T09:00:00+07:00"), "30/04/2026");
        assert_eq!(vn_day("x"), "x");
    }
}
