//! The report's charts as SVG, drawn on the server by `plotters` (its SVG
//! backend: no bitmap, no font files — the browser sets the text): one
//! stacked bar chart per figure of [`super::report::DeskReport`].

use std::collections::BTreeMap;

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::device::DeviceState;
use super::report::DeskReport;
use crate::error::{OfficeError, Result};

/// Which chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Certificates by agency and state.
    Certificates,
    /// Deadline compliance by kind of request.
    Deadlines,
    /// Certificates expiring within 30, 60, 90 days.
    Expiring,
    /// Tokens by custodian agency and state.
    Tokens,
    /// Signatures per month (by agency).
    Signatures,
}

impl ChartKind {
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Certificates,
        ChartKind::Deadlines,
        ChartKind::Expiring,
        ChartKind::Tokens,
        ChartKind::Signatures,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ChartKind::Certificates => "certificates",
            ChartKind::Deadlines => "deadlines",
            ChartKind::Expiring => "expiring",
            ChartKind::Tokens => "tokens",
            ChartKind::Signatures => "signatures",
        }
    }
    pub fn parse(s: &str) -> Result<ChartKind> {
        ChartKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                OfficeError::invalid(
                    "bad-chart",
                    format!(
                        "không có biểu đồ {s} (certificates, deadlines, expiring, tokens, signatures)"
                    ),
                    format!(
                        "no chart {s} (certificates, deadlines, expiring, tokens, signatures)"
                    ),
                )
            })
    }
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Certificates => "Chứng thư số theo cơ quan / certificates by agency",
            ChartKind::Deadlines => "Thời hạn giải quyết yêu cầu / request deadlines",
            ChartKind::Expiring => "Chứng thư số sắp hết hạn / certificates expiring",
            ChartKind::Tokens => "Thiết bị lưu khóa / tokens by custodian",
            ChartKind::Signatures => "Chữ ký số theo tháng / signatures per month",
        }
    }
}

/// Bars of one chart: category labels and named series of values, one
/// value per category, stacked.
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<u64>)>,
}

/// The series' colours, in order.
pub const PALETTE: [(u8, u8, u8); 7] = [
    (31, 119, 180),
    (255, 127, 14),
    (214, 39, 40),
    (44, 160, 44),
    (148, 103, 189),
    (140, 86, 75),
    (127, 127, 127),
];

/// The figures of chart `kind` (the PDF draws the same).
pub fn bars(r: &DeskReport, kind: ChartKind) -> Bars {
    match kind {
        ChartKind::Certificates => Bars {
            categories: r
                .certificates
                .iter()
                .map(|c| c.agency_name.clone())
                .collect(),
            series: vec![
                (
                    "còn hiệu lực / valid".into(),
                    r.certificates.iter().map(|c| c.valid).collect(),
                ),
                (
                    "hết hạn / expired".into(),
                    r.certificates.iter().map(|c| c.expired).collect(),
                ),
                (
                    "đã thu hồi / revoked".into(),
                    r.certificates.iter().map(|c| c.revoked).collect(),
                ),
            ],
        },
        ChartKind::Deadlines => Bars {
            categories: r.deadlines.iter().map(|d| d.kind_name.clone()).collect(),
            series: vec![
                (
                    "đúng hạn / on time".into(),
                    r.deadlines.iter().map(|d| d.on_time).collect(),
                ),
                (
                    "trễ hạn / late".into(),
                    r.deadlines.iter().map(|d| d.late).collect(),
                ),
                (
                    "đang xử lý / open".into(),
                    r.deadlines.iter().map(|d| d.open).collect(),
                ),
                (
                    "quá hạn / overdue".into(),
                    r.deadlines.iter().map(|d| d.overdue).collect(),
                ),
            ],
        },
        ChartKind::Expiring => Bars {
            categories: vec!["≤ 30 ngày".into(), "≤ 60 ngày".into(), "≤ 90 ngày".into()],
            series: vec![(
                "chứng thư số / certificates".into(),
                vec![r.expiring_30, r.expiring_60, r.expiring_90],
            )],
        },
        ChartKind::Tokens => {
            let mut agencies: Vec<(i64, String)> = r
                .tokens
                .iter()
                .map(|t| (t.agency_id, t.agency_name.clone()))
                .collect();
            agencies.dedup();
            let series = DeviceState::ALL
                .iter()
                .filter(|s| r.tokens.iter().any(|t| t.state == **s))
                .map(|s| {
                    (
                        s.name_vi().to_string(),
                        agencies
                            .iter()
                            .map(|(a, _)| {
                                r.tokens
                                    .iter()
                                    .filter(|t| t.agency_id == *a && t.state == *s)
                                    .map(|t| t.count)
                                    .sum()
                            })
                            .collect(),
                    )
                })
                .collect();
            Bars {
                categories: agencies.into_iter().map(|(_, n)| n).collect(),
                series,
            }
        }
        ChartKind::Signatures => {
            let months: Vec<String> = r
                .signatures
                .iter()
                .map(|s| s.month.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut by_agency: BTreeMap<(i64, String), Vec<u64>> = BTreeMap::new();
            for s in &r.signatures {
                let row = by_agency
                    .entry((s.agency_id, s.agency_name.clone()))
                    .or_insert_with(|| vec![0; months.len()]);
                if let Some(i) = months.iter().position(|m| *m == s.month) {
                    row[i] += s.count;
                }
            }
            Bars {
                categories: months,
                series: by_agency
                    .into_iter()
                    .map(|((_, name), v)| (name, v))
                    .collect(),
            }
        }
    }
}

fn chart_error(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::internal("report chart", e)
}

/// Chart `kind` of `r` as an SVG document.
pub fn chart_svg(r: &DeskReport, kind: ChartKind) -> Result<String> {
    let b = bars(r, kind);
    let mut svg = String::new();
    {
        let n = b.categories.len().max(1);
        let width = (240 + 110 * n as u32).clamp(640, 1400);
        let root = SVGBackend::with_string(&mut svg, (width, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top: u64 = (0..b.categories.len())
            .map(|i| b.series.iter().map(|(_, v)| v[i]).sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(kind.title(), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(44)
            .build_cartesian_2d((0..n as i32).into_segmented(), 0u64..top + top / 5 + 1)
            .map_err(chart_error)?;
        let cats = b.categories.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => cats.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_desc("số lượng / count")
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(chart_error)?;
        let mut base = vec![0u64; b.categories.len()];
        for (k, (name, values)) in b.series.iter().enumerate() {
            let (red, green, blue) = PALETTE[k % PALETTE.len()];
            let color = RGBColor(red, green, blue);
            let rects: Vec<Rectangle<(SegmentValue<i32>, u64)>> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0)
                .map(|(i, v)| {
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(i as i32), base[i]),
                            (SegmentValue::Exact(i as i32 + 1), base[i] + v),
                        ],
                        color.filled(),
                    );
                    r.set_margin(0, 0, 12, 12);
                    r
                })
                .collect();
            for (i, v) in values.iter().enumerate() {
                base[i] += v;
            }
            chart
                .draw_series(rects)
                .map_err(chart_error)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}
