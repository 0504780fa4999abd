//! PDF object syntax (ISO 32000-1 §7.2, §7.3): a parser from bytes to
//! lopdf objects, for reading a file object by object from disk instead
//! of loading it whole (`source.rs`). It parses one indirect object or
//! one direct object at a time and reports when it needs more bytes, so
//! the caller can read a larger window.
use lopdf::{Dictionary, Object, StringFormat};

/// Deepest nesting of arrays and dictionaries accepted.
const MAX_DEPTH: usize = 64;

/// Why a parse stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SyntaxError {
    /// The bytes ended inside the object: read more and try again.
    Incomplete,
    /// Not valid PDF syntax (with a short reason).
    Invalid(&'static str),
}

type Res<T> = Result<T, SyntaxError>;

fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(c: u8) -> bool {
    !is_white(c) && !is_delimiter(c)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A cursor over a window of the file. `complete` says whether the window
/// reaches the end of the file (then running out is an error, not a
/// request for more).
pub(crate) struct Parser<'a> {
    buf: &'a [u8],
    pub(crate) pos: usize,
    complete: bool,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(buf: &'a [u8], complete: bool) -> Self {
        Parser {
            buf,
            pos: 0,
            complete,
        }
    }

    fn out(&self) -> SyntaxError {
        if self.complete {
            SyntaxError::Invalid("unexpected end of data")
        } else {
            SyntaxError::Incomplete
        }
    }

    fn peek(&self) -> Res<u8> {
        self.buf.get(self.pos).copied().ok_or_else(|| self.out())
    }

    /// Skip white space and comments.
    pub(crate) fn skip_white(&mut self) -> Res<()> {
        loop {
            match self.buf.get(self.pos) {
                Some(&c) if is_white(c) => self.pos += 1,
                Some(b'%') => {
                    while let Some(&c) = self.buf.get(self.pos) {
                        if c == b'\r' || c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                    if self.pos >= self.buf.len() {
                        return Err(self.out());
                    }
                }
                Some(_) => return Ok(()),
                None => return Err(self.out()),
            }
        }
    }

    /// A regular-character token (number, keyword).
    fn token(&mut self) -> Res<&'a [u8]> {
        let start = self.pos;
        while let Some(&c) = self.buf.get(self.pos) {
            if !is_regular(c) {
                return Ok(&self.buf[start..self.pos]);
            }
            self.pos += 1;
        }
        if self.complete {
            Ok(&self.buf[start..])
        } else {
            Err(SyntaxError::Incomplete)
        }
    }

    /// Expect the keyword `kw` (after white space).
    pub(crate) fn keyword(&mut self, kw: &[u8]) -> Res<()> {
        self.skip_white()?;
        match self.token()? {
            t if t == kw => Ok(()),
            _ => Err(SyntaxError::Invalid("expected keyword")),
        }
    }

    /// Whether the next token is `kw` (consumed when it is).
    pub(crate) fn next_is(&mut self, kw: &[u8]) -> Res<bool> {
        let save = self.pos;
        self.skip_white()?;
        if self.token()? == kw {
            return Ok(true);
        }
        self.pos = save;
        Ok(false)
    }

    /// An unsigned integer token.
    pub(crate) fn unsigned(&mut self) -> Res<u64> {
        self.skip_white()?;
        let t = self.token()?;
        if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
            return Err(SyntaxError::Invalid("expected an unsigned integer"));
        }
        Ok(t.iter().fold(0u64, |a, d| a * 10 + u64::from(d - b'0')))
    }

    fn number(t: &[u8]) -> Res<Object> {
        let s = std::str::from_utf8(t).map_err(|_| SyntaxError::Invalid("bad number"))?;
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Object::Integer(i));
        }
        // Reals: digits with one '.', optional sign; some writers put
        // "--5" or "5." which lopdf also accepts as reals.
        let trimmed = s.trim_start_matches(['+', '-']);
        let negative = s.len() - trimmed.len() > 0 && s.starts_with('-');
        let r: f32 = trimmed
            .strip_suffix('.')
            .unwrap_or(trimmed)
            .parse()
            .map_err(|_| SyntaxError::Invalid("bad number"))?;
        if !r.is_finite() {
            return Err(SyntaxError::Invalid("bad number"));
        }
        Ok(Object::Real(if negative { -r } else { r }))
    }

    fn name(&mut self) -> Res<Vec<u8>> {
        // After '/'.
        let mut out = Vec::new();
        while let Some(&c) = self.buf.get(self.pos) {
            if !is_regular(c) {
                return Ok(out);
            }
            if c == b'#' {
                let h = self
                    .buf
                    .get(self.pos + 1..self.pos + 3)
                    .ok_or_else(|| self.out())?;
                match (hex_val(h[0]), hex_val(h[1])) {
                    (Some(a), Some(b)) => {
                        out.push(a << 4 | b);
                        self.pos += 3;
                        continue;
                    }
                    _ => out.push(c),
                }
            } else {
                out.push(c);
            }
            self.pos += 1;
        }
        if self.complete {
            Ok(out)
        } else {
            Err(SyntaxError::Incomplete)
        }
    }

    fn literal_string(&mut self) -> Res<Vec<u8>> {
        // After '('.
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(c);
                }
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.buf.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.buf.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn hex_string(&mut self) -> Res<Vec<u8>> {
        // After '<'. The whole string is found first (a signature's
        // `/Contents` is tens of kilobytes), then decoded in one pass.
        let rest = &self.buf[self.pos..];
        let Some(end) = rest.iter().position(|&c| c == b'>') else {
            return Err(self.out());
        };
        let mut out = Vec::with_capacity(end / 2);
        let mut high: Option<u8> = None;
        for &c in &rest[..end] {
            if is_white(c) {
                continue;
            }
            let v = hex_val(c).ok_or(SyntaxError::Invalid("bad hex string"))?;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        self.pos += end + 1;
        Ok(out)
    }

    /// One direct object (a reference `N G R` is read as one).
    pub(crate) fn object(&mut self, depth: usize) -> Res<Object> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError::Invalid("nesting too deep"));
        }
        self.skip_white()?;
        let c = self.peek()?;
        match c {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name()?))
            }
            b'(' => {
                self.pos += 1;
                Ok(Object::String(
                    self.literal_string()?,
                    StringFormat::Literal,
                ))
            }
            b'<' => {
                if self.buf.get(self.pos + 1).is_none() {
                    return Err(self.out());
                }
                if self.buf[self.pos + 1] == b'<' {
                    self.pos += 2;
                    Ok(Object::Dictionary(self.dictionary_body(depth)?))
                } else {
                    self.pos += 1;
                    Ok(Object::String(
                        self.hex_string()?,
                        StringFormat::Hexadecimal,
                    ))
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white()?;
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            c if is_regular(c) => {
                let t = self.token()?;
                match t {
                    b"true" => Ok(Object::Boolean(true)),
                    b"false" => Ok(Object::Boolean(false)),
                    b"null" => Ok(Object::Null),
                    _ => {
                        let n = Self::number(t)?;
                        if let Object::Integer(num) = n {
                            if let Some(r) = self.reference_tail(num)? {
                                return Ok(r);
                            }
                        }
                        Ok(n)
                    }
                }
            }
            _ => Err(SyntaxError::Invalid("unexpected character")),
        }
    }

    /// After an integer: `G R` makes it a reference.
    fn reference_tail(&mut self, num: i64) -> Res<Option<Object>> {
        let save = self.pos;
        let back = |p: &mut Self| {
            p.pos = save;
            Ok(None)
        };
        if num < 0 || num > i64::from(u32::MAX) {
            return back(self);
        }
        if self.skip_white().is_err() {
            // At the very end of a complete buffer: just a number.
            if self.complete {
                return back(self);
            }
            return Err(SyntaxError::Incomplete);
        }
        let g = match self.peek() {
            Ok(c) if c.is_ascii_digit() => self.token()?,
            _ => return back(self),
        };
        let Ok(gen) = std::str::from_utf8(g).unwrap_or("x").parse::<u16>() else {
            return back(self);
        };
        if self.skip_white().is_err() {
            if self.complete {
                return back(self);
            }
            return Err(SyntaxError::Incomplete);
        }
        if self.peek()? == b'R' {
            let next = self.buf.get(self.pos + 1).copied();
            match next {
                None if !self.complete => return Err(SyntaxError::Incomplete),
                Some(c) if is_regular(c) => return back(self),
                _ => {
                    self.pos += 1;
                    return Ok(Some(Object::Reference((num as u32, gen))));
                }
            }
        }
        back(self)
    }

    fn dictionary_body(&mut self, depth: usize) -> Res<Dictionary> {
        // After '<<'.
        let mut d = Dictionary::new();
        loop {
            self.skip_white()?;
            match self.peek()? {
                b'>' => {
                    match self.buf.get(self.pos + 1) {
                        Some(b'>') => {}
                        Some(_) => return Err(SyntaxError::Invalid("bad dictionary end")),
                        None => return Err(self.out()),
                    }
                    self.pos += 2;
                    return Ok(d);
                }
                b'/' => {
                    self.pos += 1;
                    let key = self.name()?;
                    let value = self.object(depth + 1)?;
                    // A null value is the same as no entry (§7.3.7).
                    if value != Object::Null {
                        d.set(key, value);
                    }
                }
                _ => return Err(SyntaxError::Invalid("dictionary key is not a name")),
            }
        }
    }

    /// `N G obj`: the object number and generation.
    pub(crate) fn object_header(&mut self) -> Res<(u32, u16)> {
        let n = self.unsigned()?;
        let g = self.unsigned()?;
        self.keyword(b"obj")?;
        match (u32::try_from(n), u16::try_from(g)) {
            (Ok(n), Ok(g)) => Ok((n, g)),
            _ => Err(SyntaxError::Invalid("object number out of range")),
        }
    }

    /// After a stream dictionary: `stream` and its end of line. Returns
    /// the offset of the first payload byte in the window, or `None` when
    /// the object is not a stream.
    pub(crate) fn stream_start(&mut self) -> Res<Option<usize>> {
        let save = self.pos;
        self.skip_white()?;
        if self.buf[self.pos..].starts_with(b"stream") {
            self.pos += 6;
            match self.buf.get(self.pos) {
                Some(b'\r') => {
                    self.pos += 1;
                    match self.buf.get(self.pos) {
                        Some(b'\n') => self.pos += 1,
                        Some(_) => {}
                        None => return Err(self.out()),
                    }
                }
                Some(b'\n') => self.pos += 1,
                Some(_) => return Err(SyntaxError::Invalid("no end of line after 'stream'")),
                None => return Err(self.out()),
            }
            return Ok(Some(self.pos));
        }
        if self.buf.len() - self.pos < 6 && !self.complete {
            return Err(SyntaxError::Incomplete);
        }
        self.pos = save;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Object {
        Parser::new(s, true).object(0).unwrap()
    }

    #[test]
    fn objects_parse() {
        let o = parse(b"<< /Type /Page /Kids [1 0 R 2 0 R] /N -3.5 /M .5 /S (a\\(b\\)\\101\\\n c) /H <48 65 6c6> /E /A#20B /Z null /T true >>");
        let d = o.as_dict().unwrap();
        assert_eq!(d.get(b"Type").unwrap().as_name().unwrap(), b"Page");
        assert_eq!(
            d.get(b"Kids").unwrap().as_array().unwrap()[1],
            Object::Reference((2, 0))
        );
        assert_eq!(d.get(b"N").unwrap(), &Object::Real(-3.5));
        assert_eq!(d.get(b"M").unwrap(), &Object::Real(0.5));
        assert_eq!(d.get(b"S").unwrap().as_str().unwrap(), b"a(b)A c");
        assert_eq!(d.get(b"H").unwrap().as_str().unwrap(), b"Hel`");
        assert_eq!(d.get(b"E").unwrap().as_name().unwrap(), b"A B");
        assert!(!d.has(b"Z"));
        assert_eq!(d.get(b"T").unwrap(), &Object::Boolean(true));
        assert_eq!(parse(b"[1 2 3]").as_array().unwrap().len(), 3);
        assert_eq!(
            parse(b"[1 2 R]").as_array().unwrap()[0],
            Object::Reference((1, 2))
        );
        assert_eq!(parse(b"% c\n 12"), Object::Integer(12));
    }

    #[test]
    fn short_windows_ask_for_more() {
        for s in [
            &b"<< /A [1 2"[..],
            b"(abc",
            b"<< /K 3 0",
            b"<4142",
            b"12 0 obj << /A 1 >> str",
        ] {
            let mut p = Parser::new(s, false);
            let r = if s.ends_with(b"str") {
                p.object_header()
                    .and_then(|_| p.object(0))
                    .and_then(|_| p.stream_start())
            } else {
                p.object(0).map(|_| None)
            };
            assert_eq!(
                r,
                Err(SyntaxError::Incomplete),
                "{}",
                String::from_utf8_lossy(s)
            );
        }
        assert!(matches!(
            Parser::new(b"<< /A ]", true).object(0),
            Err(SyntaxError::Invalid(_))
        ));
        let deep = vec![b'['; 1000];
        assert!(matches!(
            Parser::new(&deep, true).object(0),
            Err(SyntaxError::Invalid(_))
        ));
    }

    #[test]
    fn indirect_stream_header() {
        let s = b"7 0 obj\n<< /Length 3 >>\nstream\r\nabc\nendstream\nendobj";
        let mut p = Parser::new(s, true);
        assert_eq!(p.object_header().unwrap(), (7, 0));
        p.object(0).unwrap();
        let start = p.stream_start().unwrap().unwrap();
        assert_eq!(&s[start..start + 3], b"abc");
    }
}
