//! The demo's pictures, drawn here so that the appearances look like the
//! real ones (DESIGN §5): a red round seal at its real size (38 mm: 300
//! pixels at 200 dpi) and a blue handwritten-like specimen signature,
//! both PNG with transparency.

/// A `w`×`h` RGBA PNG painted by `paint`, with `dpi` recorded (pHYs).
fn png_rgba(w: u32, h: u32, dpi: u32, paint: impl Fn(f32, f32) -> [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (dpi as f32 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut wr = enc.write_header().expect("PNG header to memory");
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&paint(x as f32 + 0.5, y as f32 + 0.5));
            }
        }
        wr.write_image_data(&data).expect("PNG data to memory");
    }
    out
}

/// A round red seal: two rings, a band of dots between them, a star.
pub fn seal_png() -> Vec<u8> {
    const PX: u32 = 300;
    let red = [200, 16, 24, 255];
    let clear = [0, 0, 0, 0];
    png_rgba(PX, PX, 200, |x, y| {
        let c = PX as f32 / 2.0;
        let (dx, dy) = (x - c, y - c);
        let r = (dx * dx + dy * dy).sqrt() / c;
        let angle = dy.atan2(dx);
        if (0.93..=1.0).contains(&r) || (0.62..=0.66).contains(&r) {
            return red;
        }
        // Dots around the band, where the agency's name would be.
        if (0.74..=0.84).contains(&r) && (angle * 18.0).sin().abs() > 0.55 {
            return red;
        }
        // A five-pointed star in the middle.
        let star = 0.34 * (0.55 + 0.45 * ((angle * 5.0 + std::f32::consts::FRAC_PI_2).cos()));
        if r <= star {
            return red;
        }
        clear
    })
}

/// A blue specimen signature whose strokes depend on `name`.
pub fn specimen_png(name: &str) -> Vec<u8> {
    let seed = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let f1 = 18.0 + (seed % 17) as f32;
    let f2 = 9.0 + (seed / 17 % 11) as f32;
    let amp = 30.0 + (seed / 187 % 20) as f32;
    png_rgba(400, 160, 150, |x, y| {
        let wave = 80.0 + amp * (x / f1).sin() + 10.0 * (x / f2).cos();
        let slash = 140.0 - x * 0.28;
        let ink = (y - wave).abs() < 4.5 || ((y - slash).abs() < 4.0 && x > 40.0 && x < 360.0);
        if ink && x > 12.0 && x < 388.0 {
            [12, 36, 170, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}
