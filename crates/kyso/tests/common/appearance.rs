//! Helpers for the appearance tests: PNG specimen and seal images made
//! here, page rendering with pdftoppm, pixel counts by colour, and the
//! widget rectangles of a signed file read back with lopdf.
// Tests read their own trusted outputs whole with lopdf (clippy.toml bans it in the code).
#![allow(clippy::disallowed_methods)]
use std::path::Path;

use super::run_in;

/// An RGBA PNG of `w` × `h` with `ppm` pixels per metre (pHYs), painted
/// by `paint(x, y) -> [r, g, b, a]`.
pub fn png_rgba(w: u32, h: u32, ppm: Option<u32>, paint: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        if let Some(p) = ppm {
            e.set_pixel_dims(Some(png::PixelDimensions {
                xppu: p,
                yppu: p,
                unit: png::Unit::Meter,
            }));
        }
        let mut wr = e.write_header().unwrap();
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&paint(x, y));
            }
        }
        wr.write_image_data(&data).unwrap();
    }
    out
}

/// A blue handwritten-like specimen: thick ink strokes on transparency.
pub fn specimen_png() -> Vec<u8> {
    png_rgba(400, 160, None, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let wave = 80.0 + 45.0 * (fx / 30.0).sin();
        let slash = 150.0 - fx * 0.3;
        if (fy - wave).abs() < 7.0 || ((fy - slash).abs() < 6.0 && fx > 60.0) {
            [10, 30, 200, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// A red round seal `px` pixels wide at `dpi`: a thick ring and a star
/// band, transparent elsewhere.
pub fn seal_png(px: u32, dpi: f32) -> Vec<u8> {
    let ppm = (dpi / 0.0254).round() as u32;
    png_rgba(px, px, Some(ppm), |x, y| {
        let c = px as f32 / 2.0;
        let r = ((x as f32 + 0.5 - c).powi(2) + (y as f32 + 0.5 - c).powi(2)).sqrt();
        if (r <= c && r >= c * 0.88) || (r <= c * 0.3) {
            [220, 0, 0, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// A rendered page: RGB pixels, top row first.
pub struct Page {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Render page `page` of `pdf` at 72 dpi (1 px = 1 pt) with pdftoppm.
pub fn render(dir: &Path, pdf: &Path, page: u32) -> Page {
    let prefix = dir.join(format!(
        "render-{}",
        pdf.file_stem().unwrap().to_string_lossy()
    ));
    let p = page.to_string();
    let (ok, t) = run_in(
        dir,
        "pdftoppm",
        &[
            "-r",
            "72",
            "-png",
            "-singlefile",
            "-f",
            &p,
            "-l",
            &p,
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    assert!(ok, "pdftoppm: {t}");
    let data = std::fs::read(prefix.with_extension("png")).unwrap();
    let mut dec = png::Decoder::new(std::io::Cursor::new(data));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf[..info.buffer_size()].to_vec(),
        png::ColorType::Rgba => buf[..info.buffer_size()]
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        t => panic!("pdftoppm colour type {t:?}"),
    };
    Page {
        width: info.width,
        height: info.height,
        rgb,
    }
}

impl Page {
    /// Pixels matching `pred` inside the PDF rectangle (points, origin
    /// bottom-left), and their bounding box in PDF coordinates.
    pub fn count(&self, rect: [f32; 4], pred: impl Fn(u8, u8, u8) -> bool) -> (usize, [f32; 4]) {
        let h = self.height as f32;
        let x0 = rect[0].max(0.0) as u32;
        let x1 = (rect[2].ceil() as u32).min(self.width);
        let y0 = (h - rect[3]).max(0.0) as u32;
        let y1 = ((h - rect[1]).ceil() as u32).min(self.height);
        let mut n = 0;
        let mut bb = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for y in y0..y1 {
            for x in x0..x1 {
                let i = ((y * self.width + x) * 3) as usize;
                if pred(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]) {
                    n += 1;
                    let (px, py) = (x as f32, h - y as f32);
                    bb = [
                        bb[0].min(px),
                        bb[1].min(py - 1.0),
                        bb[2].max(px + 1.0),
                        bb[3].max(py),
                    ];
                }
            }
        }
        (n, bb)
    }
}

pub fn is_blue(r: u8, g: u8, b: u8) -> bool {
    b > 120 && r < 100 && g < 120
}

pub fn is_red(r: u8, g: u8, b: u8) -> bool {
    r > 150 && g < 90 && b < 90
}

pub fn is_dark(r: u8, g: u8, b: u8) -> bool {
    r < 80 && g < 80 && b < 80
}

/// Signature widgets of page `page`: (field name, rect, signed).
pub fn signature_widgets(pdf: &Path, page: u32) -> Vec<(String, [f32; 4], bool)> {
    let doc = lopdf::Document::load(pdf).unwrap();
    let pid = doc.get_pages()[&page];
    let mut out = Vec::new();
    let Ok(annots) = doc.get_dictionary(pid).unwrap().get(b"Annots") else {
        return out;
    };
    let annots = doc
        .dereference(annots)
        .unwrap()
        .1
        .as_array()
        .unwrap()
        .clone();
    for a in annots {
        let d = doc.dereference(&a).unwrap().1.as_dict().unwrap();
        if d.get(b"FT").and_then(|o| o.as_name()).ok() != Some(b"Sig") {
            continue;
        }
        let r: Vec<f32> = d
            .get(b"Rect")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| match o {
                lopdf::Object::Integer(i) => *i as f32,
                lopdf::Object::Real(r) => *r,
                o => panic!("/Rect entry {o:?}"),
            })
            .collect();
        let name = match d.get(b"T") {
            Ok(lopdf::Object::String(b, _)) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        out.push((name, [r[0], r[1], r[2], r[3]], d.has(b"V")));
    }
    out
}

pub fn overlap(a: [f32; 4], b: [f32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// `pdftotext -layout` of the whole file.
pub fn pdftotext(dir: &Path, pdf: &Path) -> String {
    let (ok, t) = run_in(dir, "pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert!(ok, "pdftotext: {t}");
    t
}
