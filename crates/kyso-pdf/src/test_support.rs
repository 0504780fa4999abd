//! Writing hand-made incremental updates, for tests and for the attack
//! vectors of kyso-sign (feature `test-support`): objects given as text
//! (`N 0 obj … endobj`, or `free N`), a classic cross-reference section
//! for them, and a trailer chained to the file's last revision (its
//! `/Root` and `/Info` kept unless `trailer_extra` overrides them).
use lopdf::{Object, ObjectId};

use crate::revision::Revisions;

fn number(obj: &str) -> u32 {
    obj.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an object: {obj}"))
}

fn reference(o: Option<&Object>) -> String {
    match o {
        Some(Object::Reference((n, g))) => format!("{n} {g} R"),
        _ => String::new(),
    }
}

/// `bytes` with one incremental update holding `objects`.
pub fn append_update(bytes: &[u8], objects: &[&str], trailer_extra: &str) -> Vec<u8> {
    let objects: Vec<&[u8]> = objects.iter().map(|o| o.as_bytes()).collect();
    append_update_bytes(bytes, &objects, trailer_extra)
}

/// [`append_update`] with objects as bytes (binary stream payloads).
pub fn append_update_bytes(bytes: &[u8], objects: &[&[u8]], trailer_extra: &str) -> Vec<u8> {
    let revs = Revisions::from_bytes(bytes).expect("a readable PDF");
    let last = revs.marks().last().expect("a revision").clone();
    let rev = revs.last().expect("the last revision");
    let t = rev.trailer();
    let size = t.get(b"Size").and_then(Object::as_i64).unwrap_or(0) as u32;
    let root = reference(t.get(b"Root").ok());
    let info = match t.get(b"Info") {
        Ok(o) => format!("/Info {}", reference(Some(o))),
        Err(_) => String::new(),
    };
    let mut out = bytes.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut rows: Vec<(u32, Option<usize>)> = Vec::new();
    for o in objects {
        let head = String::from_utf8_lossy(&o[..o.len().min(32)]).into_owned();
        if let Some(n) = head.strip_prefix("free ") {
            rows.push((n.trim().parse().expect("free N"), None));
            continue;
        }
        rows.push((number(&head), Some(out.len())));
        out.extend_from_slice(o);
        out.push(b'\n');
    }
    rows.sort();
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (n, off) in &rows {
        out.extend_from_slice(format!("{n} 1\n").as_bytes());
        match off {
            Some(o) => out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 00001 f \n"),
        }
    }
    let new_size = rows.iter().map(|(n, _)| n + 1).max().unwrap_or(0).max(size);
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {new_size} /Prev {} /Root {root} {info} {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            last.startxref
        )
        .as_bytes(),
    );
    out
}

/// A classic one-revision PDF of `objects`, each `N 0 obj … endobj`
/// numbered 1, 2, … in order (1 the catalog), with `trailer_extra`.
pub fn write_pdf(objects: &[&[u8]], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for o in objects {
        offsets.push(out.len());
        out.extend_from_slice(o);
        out.push(b'\n');
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Object `id` of the last revision of `bytes`, written as
/// `N G obj … endobj` after `edit` changed it.
pub fn rewrite(bytes: &[u8], id: ObjectId, edit: impl FnOnce(&mut Object)) -> String {
    let revs = Revisions::from_bytes(bytes).expect("a readable PDF");
    let mut rev = revs.last().expect("the last revision");
    let mut o = rev.object(id).ok().flatten().cloned().expect("the object");
    edit(&mut o);
    object_text(id, &o)
}

/// `N G obj … endobj` for `o` (a stream with its `/Length`).
pub fn object_text(id: ObjectId, o: &Object) -> String {
    let mut body = Vec::new();
    match o {
        Object::Stream(s) => {
            let mut d = s.dict.clone();
            d.set("Length", s.content.len() as i64);
            lopdf::Writer::write_object(&mut body, &Object::Dictionary(d)).expect("write");
            body.extend_from_slice(b"\nstream\n");
            body.extend_from_slice(&s.content);
            body.extend_from_slice(b"\nendstream");
        }
        o => lopdf::Writer::write_object(&mut body, o).expect("write"),
    }
    format!(
        "{} {} obj\n{}\nendobj",
        id.0,
        id.1,
        String::from_utf8_lossy(&body)
    )
}
