//! The incremental update section (ISO 32000-1 §7.5.6): the input file
//! copied from disk as it is, then the new and changed objects, a
//! cross-reference section of the same kind as the previous one (table
//! or stream) and a trailer whose `/Prev` points at the previous one.
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use lopdf::xref::XrefType;
use lopdf::{dictionary, Object, Stream, Writer};
use tempfile::NamedTempFile;

use crate::incremental::STALE_TRAILER_KEYS;
use crate::open::Update;
use crate::PdfError;

/// Counts the bytes written: the offsets of the new objects.
struct Counting<W: Write> {
    inner: W,
    at: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Runs of consecutive object numbers: (first, count).
fn runs(ids: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &id in ids {
        match out.last_mut() {
            Some((start, n)) if *start + *n == id => *n += 1,
            _ => out.push((id, 1)),
        }
    }
    out
}

/// Hex strings longer than this (the reserved `/Contents`) are written
/// with one hex encoding instead of lopdf's formatter per byte.
const LONG_HEX: usize = 1024;
const HEX_MARKER: &[u8] = b"/KysoLongHexString";

/// `Writer::write_object`, with a dictionary's long hex `/Contents`
/// (tens of kilobytes of zeros waiting for the CMS) encoded at once.
fn write_object<W: Write>(w: &mut W, object: &Object) -> Result<(), PdfError> {
    let long = match object {
        Object::Dictionary(d) => match d.get(b"Contents") {
            Ok(Object::String(bytes, lopdf::StringFormat::Hexadecimal))
                if bytes.len() > LONG_HEX =>
            {
                Some((d, bytes))
            }
            _ => None,
        },
        _ => None,
    };
    let Some((dict, bytes)) = long else {
        Writer::write_object(w, object)?;
        return Ok(());
    };
    let mut marked = dict.clone();
    marked.set("Contents", Object::Name(HEX_MARKER[1..].to_vec()));
    let mut out = Vec::new();
    Writer::write_object(&mut out, &Object::Dictionary(marked))?;
    let at = out
        .windows(HEX_MARKER.len())
        .position(|x| x == HEX_MARKER)
        .ok_or_else(|| PdfError::Internal("hex marker not written".into()))?;
    w.write_all(&out[..at])?;
    w.write_all(b"<")?;
    w.write_all(hex::encode_upper(bytes).as_bytes())?;
    w.write_all(b">")?;
    w.write_all(&out[at + HEX_MARKER.len()..])?;
    Ok(())
}

/// Write the objects of `opened`'s update after `prev_len` bytes already
/// in `w` (which ends without an end-of-line unless `ends_with_eol`).
fn write_section<W: Write>(opened: &Update, w: W) -> Result<(), PdfError> {
    let new = &opened.inc.new_document;
    let prev = opened.inc.get_prev_documents();
    let mut w = Counting {
        inner: w,
        at: opened.len,
    };
    if !opened.ends_with_eol {
        w.write_all(b"\n")?;
    }
    let mut offsets: BTreeMap<u32, (u64, u16)> = BTreeMap::new();
    for (&(id, generation), object) in &new.objects {
        offsets.insert(id, (w.at, generation));
        write!(
            w,
            "{id} {generation} obj\n{}",
            if Writer::need_separator(object) {
                " "
            } else {
                ""
            }
        )?;
        write_object(&mut w, object)?;
        write!(
            w,
            "{}\nendobj\n",
            if Writer::need_end_separator(object) {
                " "
            } else {
                ""
            }
        )?;
    }
    let mut trailer = new.trailer.clone();
    for key in STALE_TRAILER_KEYS {
        trailer.remove(key);
    }
    let prev_xref = i64::try_from(prev.xref_start).map_err(|_| PdfError::TooLarge)?;
    trailer.set("Prev", prev_xref);
    let xref_start = w.at;
    match prev.reference_table.cross_reference_type {
        XrefType::CrossReferenceTable => {
            trailer.set("Size", i64::from(new.max_id) + 1);
            w.write_all(b"xref\n")?;
            // Object 0, the head of the free list, as most writers repeat it.
            let ids: Vec<u32> = std::iter::once(0).chain(offsets.keys().copied()).collect();
            for (start, n) in runs(&ids) {
                writeln!(w, "{start} {n}")?;
                for id in start..start + n {
                    match offsets.get(&id) {
                        Some((off, generation)) => write!(w, "{off:010} {generation:05} n\r\n")?,
                        None => w.write_all(b"0000000000 65535 f\r\n")?,
                    }
                }
            }
            w.write_all(b"trailer\n")?;
            Writer::write_object(&mut w, &Object::Dictionary(trailer))?;
        }
        XrefType::CrossReferenceStream => {
            let xref_id = new.max_id + 1;
            offsets.insert(xref_id, (xref_start, 0));
            let ids: Vec<u32> = offsets.keys().copied().collect();
            let mut index = Vec::new();
            for (start, n) in runs(&ids) {
                index.push(Object::Integer(start.into()));
                index.push(Object::Integer(n.into()));
            }
            let mut data = Vec::with_capacity(ids.len() * 8);
            for id in &ids {
                let (off, generation) = offsets[id];
                if off >= 1 << 40 {
                    return Err(PdfError::TooLarge);
                }
                data.push(1u8);
                data.extend_from_slice(&off.to_be_bytes()[3..]);
                data.extend_from_slice(&generation.to_be_bytes());
            }
            let mut dict = trailer;
            for (k, v) in dictionary! {
                "Type" => "XRef",
                "Size" => i64::from(xref_id) + 1,
                "W" => vec![1.into(), 5.into(), 2.into()],
                "Index" => index,
            } {
                dict.set(k, v);
            }
            let stream = Stream::new(dict, data);
            writeln!(w, "{xref_id} 0 obj")?;
            Writer::write_object(&mut w, &Object::Stream(stream))?;
            w.write_all(b"\nendobj\n")?;
        }
    }
    write!(w, "\nstartxref\n{xref_start}\n%%EOF\n")?;
    w.flush()?;
    Ok(())
}

/// The output's directory (`.` for a bare file name).
pub(crate) fn dir_of(output: &Path) -> PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Write the update of `opened` (the input file copied from disk, then
/// the new section) to a temporary file beside `output`. The input must
/// not have changed since it was opened.
pub(crate) fn write_update(
    opened: &Update,
    output: &Path,
    prefix: &str,
) -> Result<NamedTempFile, PdfError> {
    for id in opened.inc.new_document.objects.keys() {
        if opened.on_disk.contains(id) {
            return Err(PdfError::Internal(format!(
                "object {} would be rewritten without its stream data",
                id.0
            )));
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".pdf.part")
        .tempfile_in(dir_of(output))?;
    let input = File::open(&opened.path)?;
    if input.metadata()?.len() != opened.len {
        return Err(PdfError::Io(std::io::Error::other(
            "tệp đã thay đổi trong khi ký / the file changed while it was being signed",
        )));
    }
    // copy_file_range on Linux: no copy through this process's memory.
    let copied = std::io::copy(&mut Read::take(&input, opened.len), tmp.as_file_mut())?;
    if copied != opened.len {
        return Err(PdfError::Io(std::io::Error::other(
            "tệp đã thay đổi trong khi ký / the file changed while it was being signed",
        )));
    }
    let file = tmp.as_file_mut();
    file.seek(SeekFrom::Start(opened.len))?;
    write_section(opened, BufWriter::with_capacity(64 * 1024, &mut *file))?;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_hex_contents_are_written_as_lopdf_writes_them() {
        let d = dictionary! {
            "Type" => "Sig",
            "Contents" => Object::String(vec![0xab; 3000], lopdf::StringFormat::Hexadecimal),
            "M" => Object::string_literal("D:2026"),
        };
        let mut ours = Vec::new();
        write_object(&mut ours, &Object::Dictionary(d.clone())).unwrap();
        let mut theirs = Vec::new();
        Writer::write_object(&mut theirs, &Object::Dictionary(d)).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn runs_group_consecutive_ids() {
        assert_eq!(runs(&[3, 4, 5, 9, 11, 12]), vec![(3, 3), (9, 1), (11, 2)]);
        assert!(runs(&[]).is_empty());
    }
}
