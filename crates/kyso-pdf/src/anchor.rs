//! Finding where a piece of text (the signer's name in box 7b) is drawn
//! on a page (ISO 32000-1 §9.4): the page content is interpreted for the
//! text operators (`Tj`, `TJ`, `'`, `"`) with the text and line matrices
//! (`Tm`, `Td`, `TD`, `T*`), the graphics state (`cm`, `q`/`Q`) and the
//! text state (`Tf`, `Tc`, `Tw`, `Tz`, `TL`, `Ts`); codes are turned
//! into characters through the font's ToUnicode CMap, else its simple
//! encoding. Text drawn by form XObjects (`Do`, with their `/Matrix` and
//! `/Resources`) is found too, as converters often put a page's text in
//! one. Matching is on NFC text with white space ignored.
use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use unicode_normalization::UnicodeNormalization;

use crate::{OpenedPdf, PdfError, Rect};

/// Largest decoded page content interpreted.
const MAX_CONTENT: usize = 64 * 1024 * 1024;
/// Deepest nesting of form XObjects entered.
pub(crate) const MAX_FORM_DEPTH: u32 = 8;
/// Most codes one ToUnicode CMap maps (a two-byte font has 65,536).
const MAX_CMAP_CODES: usize = 4 * 65_536;
/// Largest decoded ToUnicode CMap.
const MAX_CMAP: usize = 4 * 1024 * 1024;
/// Most form XObjects drawn while searching one page.
const MAX_FORMS_DRAWN: u32 = 1_000;

/// Where text was found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextHit {
    /// 1-based page number.
    pub page: u32,
    /// From the first glyph's baseline start to the last glyph's end, as
    /// high as the font size; default user space.
    pub rect: Rect,
}

pub(crate) type Matrix = [f32; 6];

pub(crate) fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

pub(crate) const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// How a font's codes become characters and widths.
struct FontMap {
    two_byte: bool,
    to_unicode: HashMap<u32, String>,
    widths: HashMap<u32, f32>,
    default_width: f32,
}

pub(crate) fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The hex digits of a `<…>` token (None when it holds anything else:
/// CMaps are read as text with replacement characters, and a byte such as
/// 0xFF there must not be cut through).
fn hex_digits(s: &str) -> Option<&[u8]> {
    let h = s.trim().trim_start_matches('<').trim_end_matches('>');
    h.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then_some(h.as_bytes())
}

fn hex_code(s: &str) -> Option<(u32, usize)> {
    let h = hex_digits(s)?;
    if h.is_empty() || h.len() > 8 {
        return None;
    }
    let v = h.iter().fold(0u32, |a, &d| {
        (a << 4) | (d as char).to_digit(16).unwrap_or(0)
    });
    Some((v, h.len() / 2))
}

fn hex_text(s: &str) -> Option<String> {
    let h = hex_digits(s)?;
    let units: Vec<u16> = h
        .chunks_exact(4)
        .map(|q| {
            q.iter().fold(0u16, |a, &d| {
                (a << 4) | (d as char).to_digit(16).unwrap_or(0) as u16
            })
        })
        .collect();
    String::from_utf16(&units).ok()
}

/// bfchar / bfrange entries of a ToUnicode CMap.
fn parse_cmap(data: &[u8], map: &mut HashMap<u32, String>) -> bool {
    let mut work = 0usize;
    let text = String::from_utf8_lossy(data);
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let mut two_byte = false;
    let mut i = 0;
    let mut mode = "";
    while i < tokens.len() {
        let t = tokens[i];
        if t.ends_with("begincodespacerange") {
            mode = "space";
        } else if t.ends_with("beginbfchar") {
            mode = "char";
        } else if t.ends_with("beginbfrange") {
            mode = "range";
        } else if t.starts_with("end") {
            mode = "";
        } else if t.starts_with('<') {
            match mode {
                "space" => {
                    if let Some((_, n)) = hex_code(t) {
                        two_byte |= n >= 2;
                    }
                    i += 1;
                }
                "char" if i + 1 < tokens.len() => {
                    if let (Some((c, _)), Some(u)) = (hex_code(t), hex_text(tokens[i + 1])) {
                        map.insert(c, u);
                    }
                    i += 1;
                }
                "range" if i + 2 < tokens.len() => {
                    let (lo, hi) = (hex_code(t), hex_code(tokens[i + 1]));
                    if let (Some((lo, _)), Some((hi, _))) = (lo, hi) {
                        let dst = tokens[i + 2];
                        if dst.starts_with('[') {
                            // [<..> <..> …] one destination per code.
                            let mut k = i + 2;
                            let mut code = lo;
                            while k < tokens.len() && code <= hi {
                                let tok = tokens[k].trim_start_matches('[');
                                if let Some(u) = hex_text(tok.trim_end_matches(']')) {
                                    map.insert(code, u);
                                }
                                let Some(next) = code.checked_add(1) else {
                                    break;
                                };
                                code = next;
                                if tokens[k].ends_with(']') {
                                    break;
                                }
                                k += 1;
                            }
                            i = k - 2;
                        } else if let Some(start) = hex_text(dst) {
                            let mut units: Vec<u16> = start.encode_utf16().collect();
                            // Every code of every range counts against
                            // one bound: a CMap of thousands of full
                            // ranges must not cost billions of inserts.
                            let span = hi.saturating_sub(lo).min(0xffff);
                            work += span as usize + 1;
                            if work > MAX_CMAP_CODES {
                                break;
                            }
                            for code in lo..=lo.saturating_add(span) {
                                if let Ok(s) = String::from_utf16(&units) {
                                    map.insert(code, s);
                                }
                                if let Some(last) = units.last_mut() {
                                    *last = last.wrapping_add(1);
                                }
                            }
                        }
                    }
                    i += 2;
                }
                _ => {}
            }
        }
        i += 1;
    }
    two_byte
}

/// Character of a glyph name (Adobe Glyph List subset: Latin letters,
/// digits, punctuation, `uniXXXX`).
fn glyph_char(name: &[u8]) -> Option<char> {
    let n = std::str::from_utf8(name).ok()?;
    if n.len() == 1 {
        return n.chars().next();
    }
    if let Some(h) = n.strip_prefix("uni") {
        return u32::from_str_radix(h.get(..4)?, 16)
            .ok()
            .and_then(char::from_u32);
    }
    let digits = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    if let Some(d) = digits.iter().position(|d| *d == n) {
        return char::from_digit(d as u32, 10);
    }
    Some(match n {
        "space" => ' ',
        "period" => '.',
        "comma" => ',',
        "hyphen" => '-',
        "slash" => '/',
        "colon" => ':',
        "parenleft" => '(',
        "parenright" => ')',
        _ => return None,
    })
}

fn font_map(pdf: &OpenedPdf, font: &Dictionary) -> FontMap {
    let doc = pdf.document();
    let mut fm = FontMap {
        two_byte: false,
        to_unicode: HashMap::new(),
        widths: HashMap::new(),
        default_width: 500.0,
    };
    let get = |d: &Dictionary, k: &[u8]| -> Option<Object> {
        d.get(k)
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .map(|(_, o)| o.clone())
    };
    let subtype = get(font, b"Subtype").and_then(|o| o.as_name().ok().map(<[u8]>::to_vec));
    if subtype.as_deref() == Some(b"Type0") {
        fm.two_byte = true;
        fm.default_width = 1000.0;
        if let Some(Object::Array(d)) = get(font, b"DescendantFonts") {
            if let Some(Ok((_, Object::Dictionary(cid)))) = d.first().map(|o| doc.dereference(o)) {
                if let Some(dw) = get(cid, b"DW").as_ref().and_then(num) {
                    fm.default_width = dw;
                }
                if let Some(Object::Array(w)) = get(cid, b"W") {
                    let mut i = 0;
                    // Widths set in all, bounded as CMap codes are.
                    let mut work = 0usize;
                    while i + 1 < w.len() && work <= MAX_CMAP_CODES {
                        let first = num(&w[i]).unwrap_or(0.0) as u32;
                        match &w[i + 1] {
                            Object::Array(ws) => {
                                for (k, x) in ws.iter().enumerate().take(65536) {
                                    work += 1;
                                    fm.widths.insert(
                                        first.saturating_add(k as u32),
                                        num(x).unwrap_or(0.0),
                                    );
                                }
                                i += 2;
                            }
                            o if i + 2 < w.len() => {
                                let last = num(o).unwrap_or(0.0) as u32;
                                let x = num(&w[i + 2]).unwrap_or(0.0);
                                let last = last.min(first.saturating_add(65535));
                                work += last.saturating_sub(first) as usize + 1;
                                for c in first..=last {
                                    fm.widths.insert(c, x);
                                }
                                i += 3;
                            }
                            _ => break,
                        }
                    }
                }
            }
        }
    } else {
        // Simple font: byte codes, Latin-1-like standard encodings with
        // /Differences by glyph name.
        for b in 0x20u32..=0xff {
            if let Some(c) = char::from_u32(b) {
                fm.to_unicode.insert(b, c.to_string());
            }
        }
        if let Some(Object::Dictionary(enc)) = get(font, b"Encoding") {
            if let Some(Object::Array(diff)) = get(&enc, b"Differences") {
                let mut code = 0u32;
                for o in diff {
                    match o {
                        Object::Integer(i) => code = i as u32,
                        Object::Name(n) => {
                            if let Some(c) = glyph_char(&n) {
                                fm.to_unicode.insert(code, c.to_string());
                            }
                            code = code.wrapping_add(1);
                        }
                        _ => {}
                    }
                }
            }
        }
        let first = get(font, b"FirstChar")
            .as_ref()
            .and_then(num)
            .unwrap_or(0.0) as u32;
        if let Some(Object::Array(ws)) = get(font, b"Widths") {
            for (k, x) in ws.iter().enumerate().take(256) {
                fm.widths
                    .insert(first.saturating_add(k as u32), num(x).unwrap_or(0.0));
            }
        }
    }
    if let Some(data) = font
        .get(b"ToUnicode")
        .ok()
        .and_then(|o| o.as_reference().ok())
        .and_then(|id| pdf.stream_decoded(id, MAX_CMAP).ok())
    {
        let mut map = HashMap::new();
        let two = parse_cmap(&data, &mut map);
        fm.two_byte |= two;
        fm.to_unicode.extend(map);
    }
    fm
}

/// A character drawn on the page, in default user space.
pub(crate) struct Glyph {
    pub(crate) c: char,
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) end_x: f32,
    pub(crate) size: f32,
}

struct TextState {
    ctm: Matrix,
    tm: Matrix,
    tlm: Matrix,
    font: Option<Vec<u8>>,
    size: f32,
    tc: f32,
    tw: f32,
    tz: f32,
    tl: f32,
    rise: f32,
}

/// The page's content streams, decoded and joined (payloads left on disk
/// are read now).
pub(crate) fn page_content(pdf: &OpenedPdf, page: ObjectId) -> Result<Vec<u8>, PdfError> {
    let doc = pdf.document();
    let refs = |a: &[Object]| -> Vec<ObjectId> {
        a.iter().filter_map(|o| o.as_reference().ok()).collect()
    };
    let ids = match doc.get_dictionary(page)?.get(b"Contents") {
        Ok(Object::Reference(id)) => match doc.get_object(*id) {
            Ok(Object::Array(a)) => refs(a),
            _ => vec![*id],
        },
        Ok(Object::Array(a)) => refs(a),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for id in ids {
        let too_large = || PdfError::Malformed("page content too large".into());
        let left = MAX_CONTENT.checked_sub(out.len()).ok_or_else(too_large)?;
        match pdf.stream_decoded(id, left) {
            Ok(d) => out.extend_from_slice(&d),
            Err(PdfError::DecodeLimit(_)) => return Err(too_large()),
            // A stream that does not decode draws nothing.
            Err(_) => continue,
        }
        out.push(b'\n');
    }
    Ok(out)
}

pub(crate) fn page_glyphs(pdf: &OpenedPdf, page: ObjectId) -> Result<Vec<Glyph>, PdfError> {
    let doc = pdf.document();
    let content = page_content(pdf, page)?;
    if content.len() > MAX_CONTENT {
        return Err(PdfError::Malformed("page content too large".into()));
    }
    let resources = page_resources(doc, page, &[b"Font", b"XObject"])?;
    let mut out = Vec::new();
    let mut budget = Budget::for_page(content.len());
    run(
        pdf,
        &content,
        &resources,
        IDENTITY,
        0,
        &mut budget,
        &mut out,
    )?;
    Ok(out)
}

/// The page's resources of the kinds `keys` (`Font`, `XObject`, …),
/// inherited ones included (the nearest wins).
pub(crate) fn page_resources(
    doc: &Document,
    page: ObjectId,
    keys: &[&[u8]],
) -> Result<Dictionary, PdfError> {
    let (res_dict, res_ids) = doc.get_page_resources(page)?;
    let mut resources = Dictionary::new();
    let dicts = res_dict.into_iter().cloned().chain(
        res_ids
            .iter()
            .filter_map(|id| doc.get_dictionary(*id).ok().cloned()),
    );
    for d in dicts {
        for &key in keys {
            let Ok((_, Object::Dictionary(entries))) = d.get(key).and_then(|o| doc.dereference(o))
            else {
                continue;
            };
            let mut merged = match resources.get(key) {
                Ok(Object::Dictionary(m)) => m.clone(),
                _ => Dictionary::new(),
            };
            for (name, o) in entries.iter() {
                if !merged.has(name) {
                    merged.set(name.clone(), o.clone());
                }
            }
            resources.set(key, merged);
        }
    }
    Ok(resources)
}

/// The form XObject `name` of `resources`: its id, `/Matrix` and own
/// `/Resources` (None: it uses the resources of whatever draws it).
fn form_xobject(
    doc: &Document,
    resources: &Dictionary,
    name: &[u8],
) -> Option<(ObjectId, Matrix, Option<Dictionary>)> {
    let (_, xobjects) = doc.dereference(resources.get(b"XObject").ok()?).ok()?;
    let id = xobjects
        .as_dict()
        .ok()?
        .get(name)
        .ok()?
        .as_reference()
        .ok()?;
    let Ok(Object::Stream(form)) = doc.get_object(id) else {
        return None;
    };
    if form.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form") {
        return None;
    }
    let mut matrix = IDENTITY;
    if let Ok(Object::Array(m)) = form.dict.get(b"Matrix") {
        if m.len() == 6 {
            for (slot, v) in matrix.iter_mut().zip(m) {
                *slot = num(v)?;
            }
        }
    }
    let own = form
        .dict
        .get(b"Resources")
        .ok()
        .and_then(|r| doc.dereference(r).ok())
        .and_then(|(_, r)| r.as_dict().ok().cloned());
    Some((id, matrix, own))
}

/// The fonts a resource dictionary names, with their code maps.
/// The fonts a resource dictionary names, with their code maps; a font
/// object read once per page however many forms name it (`cache`).
fn fonts_of(
    pdf: &OpenedPdf,
    resources: &Dictionary,
    cache: &mut HashMap<ObjectId, Rc<FontMap>>,
) -> HashMap<Vec<u8>, Rc<FontMap>> {
    let doc = pdf.document();
    let mut fonts = HashMap::new();
    let Ok((_, Object::Dictionary(f))) = resources.get(b"Font").and_then(|f| doc.dereference(f))
    else {
        return fonts;
    };
    for (name, o) in f.iter() {
        let Ok((id, Object::Dictionary(fd))) = doc.dereference(o) else {
            continue;
        };
        let fm = match id {
            Some(id) => cache
                .entry(id)
                .or_insert_with(|| Rc::new(font_map(pdf, fd)))
                .clone(),
            None => Rc::new(font_map(pdf, fd)),
        };
        fonts.insert(name.clone(), fm);
    }
    fonts
}

/// What the form XObjects of one page may still cost.
pub(crate) struct Budget {
    /// Forms that may still be drawn.
    forms: u32,
    /// Decoded content bytes they may still add (the page's own content
    /// and theirs together stay under [`MAX_CONTENT`]).
    bytes: usize,
    /// The fonts read so far, by object.
    fonts: HashMap<ObjectId, Rc<FontMap>>,
}

impl Budget {
    /// The budget of a page whose own content is `content_len` bytes.
    pub(crate) fn for_page(content_len: usize) -> Budget {
        Budget {
            forms: MAX_FORMS_DRAWN,
            bytes: MAX_CONTENT.saturating_sub(content_len),
            fonts: HashMap::new(),
        }
    }

    /// Enters the form XObject `name` of `resources`, paying for it: its
    /// decoded content, the resources it is drawn with and its matrix.
    /// None when `name` is no form or its content does not decode.
    pub(crate) fn enter(
        &mut self,
        pdf: &OpenedPdf,
        resources: &Dictionary,
        name: &[u8],
    ) -> Result<Option<(Vec<u8>, Dictionary, Matrix)>, PdfError> {
        let Some((id, matrix, own)) = form_xobject(pdf.document(), resources, name) else {
            return Ok(None);
        };
        self.forms = self.forms.saturating_sub(1);
        if self.forms == 0 {
            return Err(PdfError::Malformed("too many form XObjects drawn".into()));
        }
        let data = match pdf.stream_decoded(id, self.bytes) {
            Ok(d) => d,
            Err(PdfError::DecodeLimit(_)) => {
                return Err(PdfError::Malformed("page content too large".into()))
            }
            Err(_) => return Ok(None),
        };
        self.bytes = self.bytes.saturating_sub(data.len());
        Ok(Some((
            data,
            own.unwrap_or_else(|| resources.clone()),
            matrix,
        )))
    }
}

/// Interpret `content` drawn with `resources` under `ctm`, adding the
/// glyphs it shows to `out`; form XObjects it draws (`Do`) are entered,
/// at most [`MAX_FORM_DEPTH`] deep, [`MAX_FORMS_DRAWN`] times and
/// [`MAX_CONTENT`] decoded bytes in all. A form whose content does not
/// decode or parse draws nothing.
fn run(
    pdf: &OpenedPdf,
    content: &[u8],
    resources: &Dictionary,
    ctm: Matrix,
    depth: u32,
    budget: &mut Budget,
    out: &mut Vec<Glyph>,
) -> Result<(), PdfError> {
    let content = match Content::decode(content) {
        Ok(c) => c,
        Err(_) if depth > 0 => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let fonts = fonts_of(pdf, resources, &mut budget.fonts);
    let mut stack: Vec<Matrix> = Vec::new();
    let mut st = TextState {
        ctm,
        tm: IDENTITY,
        tlm: IDENTITY,
        font: None,
        size: 0.0,
        tc: 0.0,
        tw: 0.0,
        tz: 1.0,
        tl: 0.0,
        rise: 0.0,
    };
    let f = |ops: &[Object], i: usize| ops.get(i).and_then(num).unwrap_or(0.0);
    for op in &content.operations {
        let o = &op.operands;
        match op.operator.as_str() {
            "q" => stack.push(st.ctm),
            "Q" => st.ctm = stack.pop().unwrap_or(ctm),
            "cm" => {
                st.ctm = mul(
                    &[f(o, 0), f(o, 1), f(o, 2), f(o, 3), f(o, 4), f(o, 5)],
                    &st.ctm,
                )
            }
            "BT" => {
                st.tm = IDENTITY;
                st.tlm = IDENTITY;
            }
            "Tf" => {
                st.font = o.first().and_then(|n| n.as_name().ok()).map(<[u8]>::to_vec);
                st.size = f(o, 1);
            }
            "Tc" => st.tc = f(o, 0),
            "Tw" => st.tw = f(o, 0),
            "Tz" => st.tz = f(o, 0) / 100.0,
            "TL" => st.tl = f(o, 0),
            "Ts" => st.rise = f(o, 0),
            "Td" | "TD" => {
                if op.operator == "TD" {
                    st.tl = -f(o, 1);
                }
                st.tlm = mul(&[1.0, 0.0, 0.0, 1.0, f(o, 0), f(o, 1)], &st.tlm);
                st.tm = st.tlm;
            }
            "Tm" => {
                st.tlm = [f(o, 0), f(o, 1), f(o, 2), f(o, 3), f(o, 4), f(o, 5)];
                st.tm = st.tlm;
            }
            "T*" => {
                st.tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.tl], &st.tlm);
                st.tm = st.tlm;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                if op.operator == "'" || op.operator == "\"" {
                    if op.operator == "\"" {
                        st.tw = f(o, 0);
                        st.tc = f(o, 1);
                    }
                    st.tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.tl], &st.tlm);
                    st.tm = st.tlm;
                }
                let parts: Vec<&Object> = match (op.operator.as_str(), o.last()) {
                    ("TJ", Some(Object::Array(a))) => a.iter().collect(),
                    (_, Some(s)) => vec![s],
                    _ => continue,
                };
                let Some(fm) = st.font.as_ref().and_then(|n| fonts.get(n)) else {
                    continue;
                };
                for part in parts {
                    match part {
                        Object::String(bytes, _) => {
                            let step = if fm.two_byte { 2 } else { 1 };
                            for code in bytes.chunks(step) {
                                let c = code.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
                                let w0 =
                                    fm.widths.get(&c).copied().unwrap_or(fm.default_width) / 1000.0;
                                let space = if !fm.two_byte && c == 32 { st.tw } else { 0.0 };
                                let adv = (w0 * st.size + st.tc + space) * st.tz;
                                let trm = mul(&st.tm, &st.ctm);
                                let x = trm[4] + trm[2] * st.rise;
                                let y = trm[5] + trm[3] * st.rise;
                                let scale = (trm[2] * trm[2] + trm[3] * trm[3]).sqrt() * st.size;
                                let end = mul(&[1.0, 0.0, 0.0, 1.0, adv, 0.0], &trm);
                                if let Some(u) = fm.to_unicode.get(&c) {
                                    for ch in u.chars() {
                                        out.push(Glyph {
                                            c: ch,
                                            x,
                                            y,
                                            end_x: end[4],
                                            size: scale,
                                        });
                                    }
                                }
                                st.tm = mul(&[1.0, 0.0, 0.0, 1.0, adv, 0.0], &st.tm);
                            }
                        }
                        o => {
                            let adj = num(o).unwrap_or(0.0);
                            let dx = -adj / 1000.0 * st.size * st.tz;
                            st.tm = mul(&[1.0, 0.0, 0.0, 1.0, dx, 0.0], &st.tm);
                        }
                    }
                }
            }
            "Do" if depth < MAX_FORM_DEPTH => {
                let Some(name) = o.first().and_then(|n| n.as_name().ok()) else {
                    continue;
                };
                let Some((data, res, matrix)) = budget.enter(pdf, resources, name)? else {
                    continue;
                };
                run(
                    pdf,
                    &data,
                    &res,
                    mul(&matrix, &st.ctm),
                    depth + 1,
                    budget,
                    out,
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}

impl OpenedPdf {
    /// Find `text` on the last page first, then earlier pages; the last
    /// occurrence on a page wins (the signer's name sits at the end).
    pub fn find_text(&mut self, text: &str) -> Result<Option<TextHit>, PdfError> {
        let needle: Vec<char> = text.nfc().filter(|c| !c.is_whitespace()).collect();
        if needle.is_empty() {
            return Err(PdfError::InvalidOption("empty anchor text".into()));
        }
        for no in (1..=self.page_count() as u32).rev() {
            let id = self.load_page(no, true)?;
            let glyphs = page_glyphs(self, id)?;
            let chars: Vec<&Glyph> = glyphs.iter().filter(|g| !g.c.is_whitespace()).collect();
            // Compose what a font drew as base + mark, when that keeps
            // one character per glyph (positions stay mapped).
            let raw: String = chars.iter().map(|g| g.c).collect();
            let composed: Vec<char> = raw.nfc().collect();
            let cs = if composed.len() == chars.len() {
                composed
            } else {
                raw.chars().collect()
            };
            if cs.len() < needle.len() {
                continue;
            }
            let hit = (0..=cs.len() - needle.len())
                .rev()
                .find(|&i| cs[i..i + needle.len()] == needle[..]);
            if let Some(i) = hit {
                let run = &chars[i..i + needle.len()];
                let x1 = run
                    .iter()
                    .map(|g| g.x.min(g.end_x))
                    .fold(f32::MAX, f32::min);
                let x2 = run
                    .iter()
                    .map(|g| g.x.max(g.end_x))
                    .fold(f32::MIN, f32::max);
                let y = run.iter().map(|g| g.y).fold(f32::MAX, f32::min);
                let size = run.iter().map(|g| g.size).fold(0.0, f32::max);
                return Ok(Some(TextHit {
                    page: no,
                    rect: Rect {
                        x1,
                        y1: y,
                        x2,
                        y2: y + size,
                    },
                }));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_ranges_and_chars() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar <0003> <0041> <0004> <1EC5> endbfchar\n\
            1 beginbfrange <0010> <0012> <0061> endbfrange\n\
            1 beginbfrange <0020> <0021> [<0058> <0059>] endbfrange";
        let mut m = HashMap::new();
        assert!(parse_cmap(cmap, &mut m));
        assert_eq!(m[&3], "A");
        assert_eq!(m[&4], "ễ");
        assert_eq!(m[&0x12], "c");
        assert_eq!(m[&0x21], "Y");
        assert_eq!(glyph_char(b"seven"), Some('7'));
        assert_eq!(glyph_char(b"uni1EC5"), Some('ễ'));
    }

    /// Issue 9: a byte 0xFF inside a hex string of a ToUnicode CMap became
    /// a 3-byte replacement character in the text the CMap is read as, and
    /// slicing four "digits" cut through it (a panic on a char boundary).
    #[test]
    fn a_cmap_with_non_ascii_bytes_in_hex_strings_does_not_panic() {
        for cmap in [
            &b"1 beginbfchar <0003> <00\xff41> endbfchar"[..],
            b"1 beginbfchar <0003> <\xff\xff\xff\xff> endbfchar",
            b"1 beginbfchar <\xff03> <0041> endbfchar",
            b"1 beginbfrange <0010> <0012> <\xff\xfe61> endbfrange",
            b"1 beginbfrange <0010> <0012> [<0\xff58>] endbfrange",
            b"1 begincodespacerange <\xff\xff> <FFFFFFFFFFFFFFFFFF> endcodespacerange",
        ] {
            let mut m = HashMap::new();
            parse_cmap(cmap, &mut m);
            // Only the readable entries are mapped.
            assert!(m.len() <= 1, "{m:?}");
        }
        // Thousands of full ranges (and ranges ending at the largest code)
        // cost a bounded number of inserts, and no overflow.
        let mut many = b"5001 beginbfrange ".to_vec();
        for _ in 0..5000 {
            many.extend_from_slice(b"<0000> <FFFF> <0041> ");
        }
        many.extend_from_slice(
            b"<FFFFFFFF> <FFFFFFFF> [<0041>] <FFFFFFF0> <FFFFFFFF> <0041> endbfrange",
        );
        let mut m = HashMap::new();
        parse_cmap(&many, &mut m);
        assert!(m.len() <= MAX_CMAP_CODES, "{}", m.len());
        // The valid entry beside a broken one still reads.
        let mut m = HashMap::new();
        parse_cmap(
            b"2 beginbfchar <0003> <00\xff1> <0004> <0042> endbfchar",
            &mut m,
        );
        assert_eq!(m.get(&4).map(String::as_str), Some("B"));
        assert!(!m.contains_key(&3));
    }

    /// `--anchor` over a page whose content is a deflate bomb (256 MiB of
    /// zeros deflated twice, a few kilobytes): refused by the bounded
    /// decoder, not inflated.
    #[test]
    fn a_bomb_in_the_page_content_is_refused_not_inflated() {
        use lopdf::{dictionary, Stream};
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..256 {
            z.write_all(&chunk).unwrap();
        }
        let once = z.finish().unwrap();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&once).unwrap();
        let twice = z.finish().unwrap();
        assert!(twice.len() < 64 * 1024, "{}", twice.len());
        let mut doc = Document::with_version("1.7");
        let content = doc.add_object(Stream::new(
            dictionary! {"Filter" => vec!["FlateDecode".into(), "FlateDecode".into()]},
            twice,
        ));
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content,
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        let mut pdf = crate::open_bytes(&bytes).unwrap();
        let before = peak_rss_kb();
        assert!(pdf.find_text("Nguyễn Văn An").is_err());
        // Far less than the 256 MiB the content would inflate to.
        assert!(peak_rss_kb().saturating_sub(before) < 100 * 1024);
    }

    fn peak_rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// A page whose text is drawn by a form XObject nested in another,
    /// each with its own matrix; the inner one has its own font.
    #[test]
    fn text_inside_form_xobjects_is_found_where_it_is_drawn() {
        use lopdf::{dictionary, Stream};
        let mut doc = Document::with_version("1.7");
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let inner = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 300.into(), 100.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "F9" => font } },
            },
            b"BT /F9 10 Tf 5 7 Td (Nguyen Van An) Tj ET".to_vec(),
        ));
        // The outer form moves by (30, 40) and uses its parent's resources
        // for nothing but the inner form.
        let outer = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 400.into(), 200.into()],
                "Matrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 30.into(), 40.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "Inner" => inner } },
            },
            b"q /Inner Do Q".to_vec(),
        ));
        let content = doc.add_object(Stream::new(
            dictionary! {},
            b"q 1 0 0 1 100 200 cm /Fm1 Do Q".to_vec(),
        ));
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content,
            "Resources" => dictionary! { "XObject" => dictionary! { "Fm1" => outer } },
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.pdf");
        doc.save(&path).unwrap();

        let mut pdf = crate::open(&path).unwrap();
        let hit = pdf.find_text("Nguyễn Văn An".nfd().collect::<String>().as_str());
        // WinAnsi has no ễ/ă: the ASCII spelling is what the page shows.
        assert!(hit.unwrap().is_none());
        let hit = pdf
            .find_text("Nguyen Van An")
            .unwrap()
            .expect("found in the nested form");
        assert_eq!(hit.page, 1);
        // 100 + 30 + 5 and 200 + 40 + 7.
        assert!((hit.rect.x1 - 135.0).abs() < 0.01, "{hit:?}");
        assert!((hit.rect.y1 - 247.0).abs() < 0.01, "{hit:?}");
        assert!(hit.rect.x2 > hit.rect.x1 + 50.0, "{hit:?}");
    }
}
