//! Where the signatures and the number and date fields go on the page
//! (DESIGN §5, §6): the approver's box (7c), the number (box 3), the
//! date (box 4) and the seal (box 8). Given by the drafter, or defaults
//! for an A4 page laid out per Decree 30/2020 Appendix I.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{OfficeError, Result};

/// A box on a page: page number (1-based) and [x1, y1, x2, y2] in PDF
/// points from the bottom left.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BoxAt {
    pub page: u32,
    pub rect: [f32; 4],
}

impl BoxAt {
    pub fn to_rect(self) -> kyso_sign::Rect {
        kyso_sign::Rect {
            x1: self.rect[0],
            y1: self.rect[1],
            x2: self.rect[2],
            y2: self.rect[3],
        }
    }
    fn check(self, what_vi: &str, what_en: &str) -> Result<()> {
        let [x1, y1, x2, y2] = self.rect;
        let ok = self.page >= 1
            && self
                .rect
                .iter()
                .all(|v| v.is_finite() && (0.0..=14_400.0).contains(v))
            && x2 - x1 >= 10.0
            && y2 - y1 >= 8.0;
        if ok {
            Ok(())
        } else {
            Err(OfficeError::invalid(
                "bad-layout",
                format!("vị trí {what_vi} không hợp lệ (trang ≥ 1, ô [x1, y1, x2, y2] đủ lớn)"),
                format!("the {what_en} box is invalid (page ≥ 1, a large enough [x1, y1, x2, y2])"),
            ))
        }
    }
}

/// The boxes of a two-signature document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Layout {
    /// The approver's signature (box 7c). Default: above the signer's
    /// name on the last page, found in the text.
    pub approver: Option<BoxAt>,
    /// The number and notation (box 3). Default: page 1, top left.
    pub number: Option<BoxAt>,
    /// The date (box 4). Default: page 1, top right.
    pub date: Option<BoxAt>,
    /// The organization's seal signature (box 8). Default: over the left
    /// third of the approver's box.
    pub seal: Option<BoxAt>,
}

impl Layout {
    pub fn check(&self) -> Result<()> {
        for (b, vi, en) in [
            (self.approver, "ô chữ ký người duyệt", "approver"),
            (self.number, "ô số, ký hiệu", "number"),
            (self.date, "ô ngày tháng", "date"),
            (self.seal, "ô con dấu", "seal"),
        ] {
            if let Some(b) = b {
                b.check(vi, en)?;
            }
        }
        Ok(())
    }

    /// The number box, or the default under the issuing body's name
    /// (Decree 30/2020 box 3 on an A4 page).
    pub fn number_box(&self) -> BoxAt {
        self.number.unwrap_or(BoxAt {
            page: 1,
            rect: [60.0, 742.0, 250.0, 760.0],
        })
    }

    /// The date box, or the default under the national motto (box 4).
    pub fn date_box(&self) -> BoxAt {
        self.date.unwrap_or(BoxAt {
            page: 1,
            rect: [320.0, 742.0, 550.0, 760.0],
        })
    }

    /// The seal box: given, or over the left third of the approver's box.
    pub fn seal_box(&self, approver: BoxAt) -> BoxAt {
        self.seal.unwrap_or_else(|| {
            let [x1, y1, x2, y2] = approver.rect;
            let side = (y2 - y1).max(60.0) * 1.3;
            let cx = x1 + (x2 - x1) / 6.0;
            let cy = (y1 + y2) / 2.0;
            BoxAt {
                page: approver.page,
                rect: [
                    (cx - side / 2.0).max(0.0),
                    (cy - side / 2.0).max(0.0),
                    cx + side / 2.0,
                    cy + side / 2.0,
                ],
            }
        })
    }
}

/// Field names of the approver's revision (DESIGN §6).
pub const NUMBER_FIELD: &str = "so_ky_hieu";
pub const DATE_FIELD: &str = "ngay_ban_hanh";
pub const SEAL_FIELD: &str = "con_dau";
pub const APPROVER_FIELD: &str = "nguoi_ky";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let l = Layout::default();
        l.check().unwrap();
        let a = BoxAt {
            page: 2,
            rect: [330.0, 200.0, 530.0, 280.0],
        };
        let s = l.seal_box(a);
        assert_eq!(s.page, 2);
        assert!(
            s.rect[0] < 400.0 && s.rect[2] > 330.0,
            "overlaps the left third"
        );
        let bad = Layout {
            number: Some(BoxAt {
                page: 0,
                rect: [0.0, 0.0, 100.0, 20.0],
            }),
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let bad = Layout {
            seal: Some(BoxAt {
                page: 1,
                rect: [0.0, 0.0, f32::NAN, 20.0],
            }),
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }
}
