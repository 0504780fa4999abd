//! Text extraction for `kyso sign --anchor` and the appearance layout on
//! arbitrary input, never a panic: a whole file when the input starts
//! with `%PDF`, else a fixed one-page document whose page content and
//! font ToUnicode CMap are the two halves of the input (so the content
//! interpreter and the CMap parser are reached at once).
#![no_main]
use libfuzzer_sys::fuzz_target;

fn page(content: &[u8], cmap: &[u8]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 7 0 R >> /XObject << /X1 8 0 R >> >> >>".to_vec(),
    ];
    let stream = |dict: &str, data: &[u8]| {
        let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        s.extend_from_slice(data);
        s.extend_from_slice(b"\nendstream");
        s
    };
    objects.push(stream("", content));
    objects.push(b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [9 0 R] /ToUnicode 6 0 R >>".to_vec());
    objects.push(stream("", cmap));
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R /Encoding << /Differences [32 /space /uni1EC5 /seven] >> >>".to_vec());
    objects.push(stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /Font << /F1 5 0 R >> /XObject << /X1 8 0 R >> >>", content));
    objects.push(b"<< /Type /Font /Subtype /CIDFontType2 /DW 500 /W [1 [600 700] 10 20 300] >>".to_vec());
    let numbered: Vec<Vec<u8>> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut v = format!("{} 0 obj\n", i + 1).into_bytes();
            v.extend_from_slice(o);
            v.extend_from_slice(b"\nendobj");
            v
        })
        .collect();
    let refs: Vec<&[u8]> = numbered.iter().map(Vec::as_slice).collect();
    kyso_pdf::test_support::write_pdf(&refs, "")
}

fuzz_target!(|data: &[u8]| {
    let file = if data.starts_with(b"%PDF") {
        data.to_vec()
    } else {
        let (content, cmap) = data.split_at(data.len() / 2);
        page(content, cmap)
    };
    let Ok(mut pdf) = kyso_pdf::open_bytes(&file) else {
        return;
    };
    let _ = pdf.find_text("Nguyễn Văn An");
    let _ = pdf.find_text("a");
    let _ = pdf.page_box(1);
    let _ = pdf.widgets(1);
    let _ = pdf.pdfa_part();
});
