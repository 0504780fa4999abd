//! PNG images (specimen signatures, seals) as Image XObjects (ISO 32000-1
//! §8.9.5): 8-bit DeviceRGB, FlateDecode, the alpha channel as a soft mask
//! (`/SMask`), or flattened onto white where transparency is not allowed
//! (PDF/A-1).
use std::io::{Cursor, Write};
use std::sync::{Arc, OnceLock};

use lopdf::{dictionary, Document, ObjectId, Stream};

use crate::PdfError;

/// Largest PNG file read.
pub const MAX_PNG_BYTES: usize = 16 * 1024 * 1024;
/// Largest width or height in pixels.
pub const MAX_PNG_SIDE: u32 = 8000;
/// Largest pixel count.
const MAX_PNG_PIXELS: u64 = 16_000_000;

/// A decoded PNG. Cloning is cheap (the pixels are shared), and the
/// compressed streams are made once per image and reused by every
/// appearance that draws it — a seal image drawn on thousands of
/// documents is decoded and deflated once.
#[derive(Clone, Debug)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// Pixels per inch (x, y) from the `pHYs` chunk, when it gives metres.
    pub dpi: Option<(f32, f32)>,
    pixels: Arc<Pixels>,
}

#[derive(Debug)]
struct Pixels {
    rgb: Vec<u8>,
    alpha: Option<Vec<u8>>,
    /// Deflated RGB and alpha (soft mask).
    packed: OnceLock<(Vec<u8>, Option<Vec<u8>>)>,
    /// Deflated RGB with the alpha composited onto white.
    flattened: OnceLock<Vec<u8>>,
}

impl PartialEq for Image {
    fn eq(&self, other: &Image) -> bool {
        self.width == other.width
            && self.height == other.height
            && self.dpi == other.dpi
            && self.pixels.rgb == other.pixels.rgb
            && self.pixels.alpha == other.pixels.alpha
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

fn packed_stream(mut dict: lopdf::Dictionary, packed: &[u8]) -> Stream {
    dict.set("Filter", "FlateDecode");
    let mut s = Stream::new(dict, packed.to_vec());
    s.allows_compression = false;
    s
}

fn bad(msg: impl std::fmt::Display) -> PdfError {
    PdfError::Image(format!("ảnh PNG không hợp lệ / invalid PNG image: {msg}"))
}

impl Image {
    /// Decode a PNG (any colour type and depth; 16-bit is reduced to 8).
    pub fn from_png(bytes: &[u8]) -> Result<Image, PdfError> {
        if bytes.len() > MAX_PNG_BYTES {
            return Err(PdfError::Image(format!(
                "ảnh quá lớn / image file too large ({} bytes, at most {MAX_PNG_BYTES})",
                bytes.len()
            )));
        }
        let mut decoder = png::Decoder::new_with_limits(
            Cursor::new(bytes),
            png::Limits {
                bytes: 4 * MAX_PNG_PIXELS as usize + 1024 * 1024,
            },
        );
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let header = decoder.read_header_info().map_err(bad)?;
        let (width, height) = (header.width, header.height);
        if width == 0
            || height == 0
            || width > MAX_PNG_SIDE
            || height > MAX_PNG_SIDE
            || u64::from(width) * u64::from(height) > MAX_PNG_PIXELS
        {
            return Err(PdfError::Image(format!(
                "ảnh {width}×{height} px quá lớn / image of {width}×{height} pixels is too large (at most {MAX_PNG_SIDE} per side, {MAX_PNG_PIXELS} pixels)"
            )));
        }
        let mut reader = decoder.read_info().map_err(bad)?;
        let dpi = reader.info().pixel_dims.and_then(|d| {
            (d.unit == png::Unit::Meter && d.xppu > 0 && d.yppu > 0)
                .then_some((d.xppu as f32 * 0.0254, d.yppu as f32 * 0.0254))
        });
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| bad("kích thước / size overflow"))?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(bad)?;
        buf.truncate(info.buffer_size());
        let n = (width * height) as usize;
        let (rgb, alpha) = match info.color_type {
            png::ColorType::Rgb => (buf, None),
            png::ColorType::Rgba => {
                let mut rgb = Vec::with_capacity(n * 3);
                let mut a = Vec::with_capacity(n);
                for p in buf.chunks_exact(4) {
                    rgb.extend_from_slice(&p[..3]);
                    a.push(p[3]);
                }
                (rgb, Some(a))
            }
            png::ColorType::Grayscale => (buf.iter().flat_map(|&g| [g, g, g]).collect(), None),
            png::ColorType::GrayscaleAlpha => {
                let mut rgb = Vec::with_capacity(n * 3);
                let mut a = Vec::with_capacity(n);
                for p in buf.chunks_exact(2) {
                    rgb.extend_from_slice(&[p[0], p[0], p[0]]);
                    a.push(p[1]);
                }
                (rgb, Some(a))
            }
            png::ColorType::Indexed => {
                return Err(bad("bảng màu chưa mở rộng / unexpanded palette"))
            }
        };
        if rgb.len() != n * 3 {
            return Err(bad("dữ liệu điểm ảnh thiếu / short pixel data"));
        }
        // An alpha channel that is fully opaque is no transparency.
        let alpha = alpha.filter(|a| a.iter().any(|&v| v != 255));
        Ok(Image {
            width,
            height,
            dpi,
            pixels: Arc::new(Pixels {
                rgb,
                alpha,
                packed: OnceLock::new(),
                flattened: OnceLock::new(),
            }),
        })
    }

    /// Whether the image has (non-opaque) transparency.
    pub fn has_alpha(&self) -> bool {
        self.pixels.alpha.is_some()
    }

    /// Size in points at the image's resolution, `default_dpi` when the
    /// PNG does not say.
    pub fn real_size(&self, default_dpi: f32) -> (f32, f32) {
        let (dx, dy) = self.dpi.unwrap_or((default_dpi, default_dpi));
        (
            self.width as f32 * 72.0 / dx,
            self.height as f32 * 72.0 / dy,
        )
    }

    /// Add the Image XObject (and its soft mask) to `doc`. With `flatten`
    /// the alpha channel is composited onto white instead (no /SMask).
    pub(crate) fn write(&self, doc: &mut Document, flatten: bool) -> Result<ObjectId, PdfError> {
        let base = || {
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => i64::from(self.width),
                "Height" => i64::from(self.height),
                "BitsPerComponent" => 8,
            }
        };
        let mut dict = base();
        dict.set("ColorSpace", "DeviceRGB");
        let px = &self.pixels;
        match (&px.alpha, flatten) {
            (Some(alpha), true) => {
                let packed = px.flattened.get_or_init(|| {
                    let mut rgb = px.rgb.clone();
                    for (p, &a) in rgb.chunks_exact_mut(3).zip(alpha) {
                        for c in p {
                            let v = u32::from(*c) * u32::from(a) + 255 * (255 - u32::from(a));
                            *c = ((v + 127) / 255) as u8;
                        }
                    }
                    deflate(&rgb)
                });
                Ok(doc.add_object(packed_stream(dict, packed)))
            }
            _ => {
                let (rgb, mask) = px
                    .packed
                    .get_or_init(|| (deflate(&px.rgb), px.alpha.as_deref().map(deflate)));
                if let Some(mask) = mask {
                    let mut m = base();
                    m.set("ColorSpace", "DeviceGray");
                    let mask_id = doc.add_object(packed_stream(m, mask));
                    dict.set("SMask", mask_id);
                }
                Ok(doc.add_object(packed_stream(dict, rgb)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, ppm: Option<u32>) -> Vec<u8> {
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
            let mut data = vec![0u8; (w * h * 4) as usize];
            for (i, p) in data.chunks_exact_mut(4).enumerate() {
                p.copy_from_slice(&[200, 0, 0, if i % 2 == 0 { 255 } else { 0 }]);
            }
            wr.write_image_data(&data).unwrap();
        }
        out
    }

    #[test]
    fn decodes_alpha_and_dpi() {
        // 300 dpi = 11811 pixels per metre.
        let img = Image::from_png(&png(300, 150, Some(11811))).unwrap();
        assert!(img.has_alpha());
        let (w, h) = img.real_size(96.0);
        assert!((w - 72.0).abs() < 0.1 && (h - 36.0).abs() < 0.1, "{w} {h}");
        let img = Image::from_png(&png(96, 96, None)).unwrap();
        assert_eq!(img.dpi, None);
        assert_eq!(img.real_size(96.0), (72.0, 72.0));
        let mut doc = Document::with_version("1.7");
        let id = img.write(&mut doc, false).unwrap();
        assert!(doc
            .get_object(id)
            .unwrap()
            .as_stream()
            .unwrap()
            .dict
            .has(b"SMask"));
        let id = img.write(&mut doc, true).unwrap();
        assert!(!doc
            .get_object(id)
            .unwrap()
            .as_stream()
            .unwrap()
            .dict
            .has(b"SMask"));
    }

    #[test]
    fn clones_share_the_packed_streams_and_decode_to_the_pixels() {
        let img = Image::from_png(&png(40, 20, None)).unwrap();
        let inflate = |doc: &Document, id: ObjectId| {
            let s = doc.get_object(id).unwrap().as_stream().unwrap();
            assert_eq!(
                s.dict.get(b"Filter").unwrap().as_name().unwrap(),
                b"FlateDecode"
            );
            crate::decode::Budget::new(crate::decode::Limits::VERIFY)
                .decode(s)
                .unwrap()
        };
        for flatten in [false, true] {
            let mut first = Document::with_version("1.7");
            let a = img.write(&mut first, flatten).unwrap();
            // A clone (another document, another appearance) reuses the
            // streams made for the first and writes the same bytes.
            let mut second = Document::with_version("1.7");
            let b = img.clone().write(&mut second, flatten).unwrap();
            let (pa, pb) = (inflate(&first, a), inflate(&second, b));
            assert_eq!(pa, pb);
            assert_eq!(pa.len(), 40 * 20 * 3);
            // Every pixel is (200, 0, 0); half are transparent, which
            // flattening turns white.
            let (p0, p1) = (&pa[0..3], &pa[3..6]);
            assert_eq!(p0, [200, 0, 0]);
            assert_eq!(
                p1,
                if flatten {
                    [255, 255, 255]
                } else {
                    [200, 0, 0]
                }
            );
        }
        let mut doc = Document::with_version("1.7");
        let id = img.write(&mut doc, false).unwrap();
        let mask = doc
            .get_object(id)
            .unwrap()
            .as_stream()
            .unwrap()
            .dict
            .get(b"SMask")
            .unwrap()
            .as_reference()
            .unwrap();
        assert_eq!(&inflate(&doc, mask)[..4], [255, 0, 255, 0]);
    }

    #[test]
    fn bad_or_huge_png_is_refused() {
        assert!(matches!(
            Image::from_png(b"\x89PNG\r\n\x1a\nxx"),
            Err(PdfError::Image(_))
        ));
        assert!(Image::from_png(&[]).is_err());
        let mut p = png(10, 10, None);
        let len = p.len();
        p.truncate(len - 20);
        assert!(Image::from_png(&p).is_err());
        assert!(
            matches!(Image::from_png(&png(9000, 1, None)), Err(PdfError::Image(m)) if m.contains("9000"))
        );
    }
}
