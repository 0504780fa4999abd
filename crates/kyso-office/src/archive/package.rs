//! A ZIP package of listed files closed by `manifest.xml` (every file
//! with its SHA-256 and size), shared by the archive's hand-over export
//! ([`super::export`]) and the certificate desk's dossiers
//! ([`crate::desk::dossier`]): members dated with the export's time in
//! Vietnam, names kept to safe path components, the writer flushed so
//! that a failed write is an error and not a short file.

use std::io::{Seek, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use super::export::METADATA_NS;
use crate::error::{OfficeError, Result};

/// One file written to the ZIP (for the manifest).
pub(crate) struct Listed {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

pub(crate) fn xml_err(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::internal("export xml", e)
}

fn zip_err(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::internal("export zip", e)
}

/// An indented XML writer whose values are escaped.
pub(crate) struct Xml {
    pub w: quick_xml::Writer<Vec<u8>>,
}

impl Xml {
    pub fn new() -> Result<Self> {
        let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .map_err(xml_err)?;
        Ok(Xml { w })
    }
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<()> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            // push_attribute escapes the value.
            s.push_attribute((*k, *v));
        }
        self.w.write_event(Event::Start(s)).map_err(xml_err)
    }
    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<()> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        self.w.write_event(Event::Empty(s)).map_err(xml_err)
    }
    pub fn end(&mut self, name: &str) -> Result<()> {
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .map_err(xml_err)
    }
    /// `<name>text</name>`, the text escaped.
    pub fn text(&mut self, name: &str, text: &str) -> Result<()> {
        self.start(name, &[])?;
        self.w
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(xml_err)?;
        self.end(name)
    }
    pub fn opt(&mut self, name: &str, text: Option<&str>) -> Result<()> {
        match text {
            Some(t) => self.text(name, t),
            None => Ok(()),
        }
    }
    pub fn finish(self) -> Vec<u8> {
        let mut v = self.w.into_inner();
        v.push(b'\n');
        v
    }
}

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A name safe as one path component inside the ZIP.
pub(crate) fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

/// The ZIP being written, with what it holds so far.
pub(crate) struct Package<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    opts: SimpleFileOptions,
    listed: Vec<Listed>,
}

impl<W: Write + Seek> Package<W> {
    /// A package written to `out`, its members dated `now` (in Vietnam,
    /// not 1980).
    pub fn new(out: W, now: time::OffsetDateTime) -> Self {
        let mut opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        let t = now.to_offset(crate::clock::VIETNAM);
        if let Ok(dt) = zip::DateTime::from_date_and_time(
            u16::try_from(t.year()).unwrap_or(1980),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
        ) {
            opts = opts.last_modified_time(dt);
        }
        Package {
            zip: zip::ZipWriter::new(out),
            opts,
            listed: Vec::new(),
        }
    }

    /// Adds `bytes` at `path`, listed for the manifest.
    pub fn put(&mut self, path: String, bytes: &[u8]) -> Result<()> {
        self.zip
            .start_file(path.as_str(), self.opts)
            .map_err(zip_err)?;
        self.zip.write_all(bytes).map_err(zip_err)?;
        self.listed.push(Listed {
            path,
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        });
        Ok(())
    }

    /// Writes `manifest.xml` (root attributes `root` besides the
    /// namespace) and closes the ZIP; the number of files listed and
    /// their bytes.
    pub fn finish(mut self, root: &[(&str, &str)]) -> Result<(usize, u64)> {
        let files = self.listed.len();
        let bytes: u64 = self.listed.iter().map(|l| l.size).sum();
        let manifest = manifest_xml(root, &self.listed)?;
        self.zip
            .start_file("manifest.xml", self.opts)
            .map_err(zip_err)?;
        self.zip.write_all(&manifest).map_err(zip_err)?;
        // The writer may buffer: flushed here, so a failed write is an
        // error and not a short file.
        self.zip
            .finish()
            .map_err(zip_err)?
            .flush()
            .map_err(zip_err)?;
        Ok((files, bytes))
    }
}

/// `<manifest xmlns=… root…>` with one `<file path sha256 size/>` per file.
pub(crate) fn manifest_xml(root: &[(&str, &str)], listed: &[Listed]) -> Result<Vec<u8>> {
    let mut x = Xml::new()?;
    let mut attrs = vec![("xmlns", METADATA_NS)];
    attrs.extend_from_slice(root);
    x.start("manifest", &attrs)?;
    for l in listed {
        let size = l.size.to_string();
        x.empty(
            "file",
            &[("path", &l.path), ("sha256", &l.sha256), ("size", &size)],
        )?;
    }
    x.end("manifest")?;
    Ok(x.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;

    #[test]
    fn names_stay_one_path_component() {
        for (name, want) in [
            ("../../etc/passwd", "_.._etc_passwd"),
            ("..", "file"),
            ("", "file"),
            ("/abs/x.pdf", "_abs_x.pdf"),
            ("a\\b.pdf", "a_b.pdf"),
            ("Quyết định số 1.pdf", "Quyết_định_số_1.pdf"),
            (".hidden", "hidden"),
        ] {
            let got = safe_name(name);
            assert_eq!(got, want, "{name}");
            assert!(!got.contains('/') && !got.contains('\\') && !got.starts_with('.'));
        }
    }

    /// The manifest reads back to what was listed, markup in values
    /// escaped.
    #[test]
    fn manifest_round_trips() {
        let listed = vec![
            Listed {
                path: "documents/1/files/2-sealed-a&b<c>\"d'.pdf".into(),
                sha256: "ab".repeat(32),
                size: 7,
            },
            Listed {
                path: "audit.jsonl".into(),
                sha256: "cd".repeat(32),
                size: 0,
            },
        ];
        let xml = manifest_xml(&[("documents", "1")], &listed).unwrap();
        let mut r = quick_xml::Reader::from_reader(xml.as_slice());
        let mut buf = Vec::new();
        let mut back = Vec::new();
        let mut root = None;
        loop {
            match r.read_event_into(&mut buf).unwrap() {
                Event::Start(e) => {
                    root = Some(String::from_utf8(e.name().as_ref().to_vec()).unwrap())
                }
                Event::Empty(e) => {
                    let get = |k: &str| {
                        e.try_get_attribute(k)
                            .unwrap()
                            .unwrap()
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .unwrap()
                            .into_owned()
                    };
                    back.push((get("path"), get("sha256"), get("size")));
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        assert_eq!(root.as_deref(), Some("manifest"));
        let want: Vec<_> = listed
            .iter()
            .map(|l| (l.path.clone(), l.sha256.clone(), l.size.to_string()))
            .collect();
        assert_eq!(back, want);
    }
}
