//! Where a page paints (ISO 32000-1 §8, §9): its content streams
//! interpreted for what leaves marks — filled and stroked paths, text,
//! images, form XObjects (their bounding box), shadings — in default user
//! space, to say what part of the signed content an annotation or a
//! signature appearance added later covers. The boxes are generous (a
//! path's control points, text as wide as its bytes at its size): this
//! feeds a warning, and a warning too many is better than one too few.
use lopdf::content::Content;
use lopdf::{Dictionary, Object, ObjectId};

use crate::anchor::{mul, Matrix, IDENTITY};
use crate::revision::Revision;
use crate::Rect;

/// Largest decoded page content interpreted.
const MAX_CONTENT: usize = 64 * 1024 * 1024;
/// Most operations interpreted.
const MAX_OPS: usize = 5_000_000;

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => 0.0,
    }
}

/// A growing bounding box.
#[derive(Clone, Copy, Default)]
struct Bounds(Option<Rect>);

impl Bounds {
    fn add(&mut self, (x, y): (f32, f32)) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        self.0 = Some(match self.0 {
            None => Rect {
                x1: x,
                y1: y,
                x2: x,
                y2: y,
            },
            Some(r) => Rect {
                x1: r.x1.min(x),
                y1: r.y1.min(y),
                x2: r.x2.max(x),
                y2: r.y2.max(y),
            },
        });
    }

    fn add_box(&mut self, m: &Matrix, x1: f32, y1: f32, x2: f32, y2: f32) {
        for (x, y) in [(x1, y1), (x2, y1), (x1, y2), (x2, y2)] {
            self.add(apply(m, x, y));
        }
    }
}

fn intersect(a: Rect, b: Rect) -> Option<Rect> {
    let r = Rect {
        x1: a.x1.max(b.x1),
        y1: a.y1.max(b.y1),
        x2: a.x2.min(b.x2),
        y2: a.y2.min(b.y2),
    };
    (r.x1 < r.x2 && r.y1 < r.y2).then_some(r)
}

/// The page's resources: its own `/Resources`, else the nearest
/// ancestor's.
fn resources(rev: &mut Revision, page: ObjectId) -> (Vec<ObjectId>, Dictionary) {
    let mut path = Vec::new();
    let mut cur = page;
    let mut found = None;
    for _ in 0..64 {
        let Some(d) = rev
            .object(cur)
            .ok()
            .flatten()
            .and_then(|o| o.as_dict().ok())
            .cloned()
        else {
            break;
        };
        if cur != page {
            path.push(cur);
        }
        if found.is_none() {
            if let Ok(r) = d.get(b"Resources") {
                found = match r {
                    Object::Reference(id) => rev
                        .object(*id)
                        .ok()
                        .flatten()
                        .and_then(|o| o.as_dict().ok())
                        .cloned(),
                    Object::Dictionary(d) => Some(d.clone()),
                    _ => None,
                };
            }
        }
        match d.get(b"Parent") {
            Ok(Object::Reference(p)) if !path.contains(p) && *p != page => cur = *p,
            _ => break,
        }
    }
    (path, found.unwrap_or_default())
}

/// The part of `rect` (default user space) over what page `page` of
/// `rev` paints: the bounding box of the intersections, or None when the
/// page paints nothing there (or its content cannot be read).
pub fn painted_area(rev: &mut Revision, page: ObjectId, rect: Rect) -> Option<Rect> {
    let (path, res) = resources(rev, page);
    rev.load_page_content(&path, page).ok()?;
    let contents = rev
        .object(page)
        .ok()
        .flatten()
        .and_then(|o| o.as_dict().ok())
        .and_then(|d| d.get(b"Contents").ok().cloned());
    let ids: Vec<ObjectId> = match contents {
        Some(Object::Reference(id)) => match rev.object(id).ok().flatten() {
            Some(Object::Array(a)) => a.iter().filter_map(|o| o.as_reference().ok()).collect(),
            _ => vec![id],
        },
        Some(Object::Array(a)) => a.iter().filter_map(|o| o.as_reference().ok()).collect(),
        _ => Vec::new(),
    };
    let mut data = Vec::new();
    for id in ids {
        let left = MAX_CONTENT.saturating_sub(data.len());
        if let Ok(d) = rev.stream_decoded(id, left) {
            data.extend_from_slice(&d);
            data.push(b'\n');
        }
    }
    let xobjects = match res.get(b"XObject") {
        Ok(Object::Reference(id)) => rev
            .object(*id)
            .ok()
            .flatten()
            .and_then(|o| o.as_dict().ok())
            .cloned()
            .unwrap_or_default(),
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    let content = Content::decode(&data).ok()?;
    let mut hits = Bounds::default();
    let mut mark = |b: Bounds| {
        if let Some(r) = b.0.and_then(|r| intersect(r, rect)) {
            hits.add((r.x1, r.y1));
            hits.add((r.x2, r.y2));
        }
    };
    let mut ctm = IDENTITY;
    let mut stack: Vec<Matrix> = Vec::new();
    let mut path_box = Bounds::default();
    let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
    let (mut size, mut leading) = (0.0f32, 0.0f32);
    let f = |o: &[Object], i: usize| o.get(i).map(num).unwrap_or(0.0);
    for op in content.operations.iter().take(MAX_OPS) {
        let o = &op.operands;
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
            "cm" => {
                ctm = mul(
                    &[f(o, 0), f(o, 1), f(o, 2), f(o, 3), f(o, 4), f(o, 5)],
                    &ctm,
                )
            }
            "m" | "l" => path_box.add(apply(&ctm, f(o, 0), f(o, 1))),
            "c" | "v" | "y" => {
                for i in (0..o.len()).step_by(2) {
                    path_box.add(apply(&ctm, f(o, i), f(o, i + 1)));
                }
            }
            "re" => {
                let (x, y, w, h) = (f(o, 0), f(o, 1), f(o, 2), f(o, 3));
                path_box.add_box(&ctm, x, y, x + w, y + h);
            }
            "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" => {
                mark(path_box);
                path_box = Bounds::default();
            }
            "n" => path_box = Bounds::default(),
            // A shading fills the clipping region: the whole rectangle.
            "sh" => {
                let mut b = Bounds::default();
                b.add((rect.x1, rect.y1));
                b.add((rect.x2, rect.y2));
                mark(b);
            }
            "BI" | "EI" => {
                let mut b = Bounds::default();
                b.add_box(&ctm, 0.0, 0.0, 1.0, 1.0);
                mark(b);
            }
            "Do" => {
                let Some(x) = o
                    .first()
                    .and_then(|n| n.as_name().ok())
                    .and_then(|n| xobjects.get(n).ok())
                    .and_then(|x| x.as_reference().ok())
                else {
                    continue;
                };
                let Some(xd) = rev
                    .object(x)
                    .ok()
                    .flatten()
                    .and_then(|o| crate::diff::dict_of(o).cloned())
                else {
                    continue;
                };
                let mut b = Bounds::default();
                match xd.get(b"Subtype").and_then(Object::as_name) {
                    Ok(b"Form") => {
                        let m = match xd.get(b"Matrix") {
                            Ok(Object::Array(a)) if a.len() == 6 => [
                                num(&a[0]),
                                num(&a[1]),
                                num(&a[2]),
                                num(&a[3]),
                                num(&a[4]),
                                num(&a[5]),
                            ],
                            _ => IDENTITY,
                        };
                        let bb = crate::diff::rules::rect_of(xd.get(b"BBox").ok());
                        if let Some(bb) = bb {
                            b.add_box(&mul(&m, &ctm), bb.x1, bb.y1, bb.x2, bb.y2);
                        }
                    }
                    _ => b.add_box(&ctm, 0.0, 0.0, 1.0, 1.0),
                }
                mark(b);
            }
            "BT" => {
                tm = IDENTITY;
                tlm = IDENTITY;
            }
            "Tf" => size = f(o, 1),
            "TL" => leading = f(o, 0),
            "Td" | "TD" => {
                if op.operator == "TD" {
                    leading = -f(o, 1);
                }
                tlm = mul(&[1.0, 0.0, 0.0, 1.0, f(o, 0), f(o, 1)], &tlm);
                tm = tlm;
            }
            "Tm" => {
                tlm = [f(o, 0), f(o, 1), f(o, 2), f(o, 3), f(o, 4), f(o, 5)];
                tm = tlm;
            }
            "T*" => {
                tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &tlm);
                tm = tlm;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                if op.operator != "Tj" && op.operator != "TJ" {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &tlm);
                    tm = tlm;
                }
                let bytes: usize = match o.last() {
                    Some(Object::String(s, _)) => s.len(),
                    Some(Object::Array(a)) => a
                        .iter()
                        .map(|x| match x {
                            Object::String(s, _) => s.len(),
                            _ => 0,
                        })
                        .sum(),
                    _ => 0,
                };
                let w = bytes as f32 * 0.6 * size;
                let m = mul(&tm, &ctm);
                let mut b = Bounds::default();
                b.add_box(&m, 0.0, -0.25 * size, w, size);
                mark(b);
                tm = mul(&[1.0, 0.0, 0.0, 1.0, w, 0.0], &tm);
            }
            _ => {}
        }
    }
    hits.0
}
