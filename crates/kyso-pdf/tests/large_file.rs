//! A 64 MB scanned document (8 pages, each an 8 MB incompressible image)
//! is signed twice from disk: the image payloads are never loaded, the
//! output is the input byte for byte followed by the update, qpdf finds
//! no error, and the process's peak memory grows by far less than the
//! file (reading it whole used to take more than twice its size).
mod common;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use common::*;
use kyso_pdf::{open, prepare, Placement, Rect, SignatureRequest};

const PAGES: usize = 8;
const SIDE: usize = 2896; // 2896² ≈ 8 MB per page

/// Peak resident memory of this process (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Write the scan without holding it: xorshift noise, 1 MiB at a time.
fn write_scan(path: &Path) {
    let mut f = BufWriter::new(File::create(path).unwrap());
    let mut at = 0u64;
    let mut offsets = Vec::new();
    let put = |f: &mut BufWriter<File>, b: &[u8], at: &mut u64| {
        f.write_all(b).unwrap();
        *at += b.len() as u64;
    };
    put(&mut f, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", &mut at);
    let kids: Vec<String> = (0..PAGES).map(|i| format!("{} 0 R", 4 + 3 * i)).collect();
    let head = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Count {PAGES} /Kids [{}] >>",
            kids.join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for (i, body) in head.iter().enumerate() {
        offsets.push(at);
        put(
            &mut f,
            format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes(),
            &mut at,
        );
    }
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut chunk = vec![0u8; 1 << 20];
    for i in 0..PAGES {
        let (page, content, image) = (4 + 3 * i, 5 + 3 * i, 6 + 3 * i);
        offsets.push(at);
        put(&mut f, format!("{page} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 {image} 0 R >> >> >>\nendobj\n").as_bytes(), &mut at);
        let text = format!(
            "BT /F1 12 Tf 72 800 Td (Scan page {}) Tj ET q 450 0 0 450 72 200 cm /Im1 Do Q\n",
            i + 1
        );
        offsets.push(at);
        put(
            &mut f,
            format!(
                "{content} 0 obj\n<< /Length {} >>\nstream\n{text}endstream\nendobj\n",
                text.len()
            )
            .as_bytes(),
            &mut at,
        );
        offsets.push(at);
        let n = SIDE * SIDE;
        put(&mut f, format!("{image} 0 obj\n<< /Type /XObject /Subtype /Image /Width {SIDE} /Height {SIDE} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {n} >>\nstream\n").as_bytes(), &mut at);
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len());
            for b in chunk[..k].iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = (x >> 32) as u8;
            }
            put(&mut f, &chunk[..k], &mut at);
            left -= k;
        }
        put(&mut f, b"\nendstream\nendobj\n", &mut at);
    }
    let xref = at;
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for o in &offsets {
        tail.push_str(&format!("{o:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    ));
    put(&mut f, tail.as_bytes(), &mut at);
    f.flush().unwrap();
}

fn sign(input: &Path, output: &Path, visible: bool) {
    let mut req = SignatureRequest::new(now());
    req.contents_size = 64;
    if visible {
        req.placement = Placement::Visible {
            page: PAGES as u32,
            rect: Rect {
                x1: 300.0,
                y1: 100.0,
                x2: 500.0,
                y2: 160.0,
            },
            appearance: Box::new(kyso_pdf::Appearance::new(kyso_pdf::Font::liberation_serif())),
        };
    }
    let mut p = prepare(input, output, &req).unwrap();
    p.digest(kyso_crypto::DigestAlgorithm::Sha256).unwrap();
    p.finalize(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
}

/// Whether `big` starts with the bytes of `small`, read in chunks.
fn starts_with_file(big: &Path, small: &Path) -> bool {
    let (mut a, mut b) = (File::open(big).unwrap(), File::open(small).unwrap());
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = b.read(&mut y).unwrap();
        if n == 0 {
            return true;
        }
        a.read_exact(&mut x[..n]).unwrap();
        if x[..n] != y[..n] {
            return false;
        }
    }
}

#[test]
fn a_64_mb_scan_is_signed_from_disk_with_little_memory() {
    if !have_qpdf() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.pdf");
    write_scan(&scan);
    let size = std::fs::metadata(&scan).unwrap().len();
    assert!(size > 64_000_000, "{size}");

    let before = peak_rss();
    let mut opened = open(&scan).unwrap();
    assert_eq!(opened.page_count(), PAGES);
    // Only what signing touches is read: catalog, page tree, page 1.
    let read = opened.document().objects.len();
    assert!(read < 10, "{read} objects read on open");
    // Searching the last page reads its content and resources; the image
    // payload stays on disk and is read back on request.
    let hit = opened
        .find_text("Scan page 8")
        .unwrap()
        .expect("text found");
    assert_eq!(hit.page, PAGES as u32);
    let image = (6 + 3 * (PAGES as u32 - 1), 0);
    let stream = opened
        .document()
        .get_object(image)
        .unwrap()
        .as_stream()
        .unwrap();
    assert!(stream.content.is_empty());
    assert_eq!(opened.stream_data(image).unwrap().len(), SIDE * SIDE);
    drop(opened);
    let once = dir.path().join("once.pdf");
    let twice = dir.path().join("twice.pdf");
    sign(&scan, &once, true);
    sign(&once, &twice, false);
    let grown = peak_rss().saturating_sub(before);
    assert!(
        grown < 24 * 1024 * 1024,
        "signing a {size}-byte file raised the peak memory by {grown} bytes"
    );

    assert!(starts_with_file(&once, &scan), "first revision rewritten");
    assert!(starts_with_file(&twice, &once), "second revision rewritten");
    for f in [&once, &twice] {
        let (ok, text) = qpdf(&["--check", f.to_str().unwrap()]);
        assert!(
            ok && text.contains("No syntax or stream encoding errors"),
            "{text}"
        );
    }
    let (ok, text) = qpdf(&["--show-npages", twice.to_str().unwrap()]);
    assert!(ok && text.trim() == PAGES.to_string(), "{text}");
}
