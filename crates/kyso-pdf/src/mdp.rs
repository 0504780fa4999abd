//! Modification detection and prevention (ISO 32000-1 §12.8.2.2 DocMDP,
//! §12.8.2.4 FieldMDP, §12.7.4.5 /Lock): the signature references a
//! certification or a field lock writes, and the permissions an existing
//! document already carries.
use lopdf::{dictionary, Dictionary, Document, Object};

use crate::form::{self, FieldKind};
use crate::text::text_string;
use crate::PdfError;

/// DocMDP access permissions `/P` of a certification signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocMdp {
    /// P1: no change at all is allowed after the certification.
    NoChanges,
    /// P2: filling in forms, instantiating page templates and signing.
    FormFilling,
    /// P3: as P2, plus annotation creation, deletion and modification.
    Annotations,
}

impl DocMdp {
    /// The `/P` value.
    pub fn value(self) -> i64 {
        match self {
            DocMdp::NoChanges => 1,
            DocMdp::FormFilling => 2,
            DocMdp::Annotations => 3,
        }
    }

    fn from_value(p: i64) -> Option<DocMdp> {
        match p {
            1 => Some(DocMdp::NoChanges),
            2 => Some(DocMdp::FormFilling),
            3 => Some(DocMdp::Annotations),
            _ => None,
        }
    }
}

impl std::str::FromStr for DocMdp {
    type Err = PdfError;

    /// `P1`, `P2`, `P3` (or `1`, `2`, `3`).
    fn from_str(s: &str) -> Result<Self, PdfError> {
        let t = s.trim();
        let t = t.strip_prefix(['P', 'p']).unwrap_or(t);
        t.parse::<i64>()
            .ok()
            .and_then(DocMdp::from_value)
            .ok_or_else(|| {
                PdfError::InvalidOption(format!(
                    "quyền chứng nhận '{s}' / certification permission '{s}': expected P1, P2 or P3"
                ))
            })
    }
}

impl std::fmt::Display for DocMdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P{}", self.value())
    }
}

/// A FieldMDP lock: which form fields the signature locks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldLock {
    /// Every field of the form.
    All,
    /// Only these fields.
    Include(Vec<String>),
    /// Every field except these.
    Exclude(Vec<String>),
}

impl std::str::FromStr for FieldLock {
    type Err = PdfError;

    /// `all`, `NAME,NAME…` or `except:NAME,NAME…`.
    fn from_str(s: &str) -> Result<Self, PdfError> {
        let names = |list: &str| -> Result<Vec<String>, PdfError> {
            let v: Vec<String> = list
                .split(',')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            if v.is_empty() {
                return Err(PdfError::InvalidOption(format!(
                    "khóa trường '{s}' không có tên trường / field lock '{s}' names no field"
                )));
            }
            Ok(v)
        };
        let t = s.trim();
        if t.eq_ignore_ascii_case("all") {
            Ok(FieldLock::All)
        } else if let Some(rest) = t.strip_prefix("except:") {
            Ok(FieldLock::Exclude(names(rest)?))
        } else {
            Ok(FieldLock::Include(names(t)?))
        }
    }
}

impl FieldLock {
    /// Whether the lock covers the field `name` (fully qualified).
    pub fn locks(&self, name: &str) -> bool {
        // A lock on a parent field covers its descendants.
        let covers = |n: &String| name == n || name.starts_with(&format!("{n}."));
        match self {
            FieldLock::All => true,
            FieldLock::Include(v) => v.iter().any(covers),
            FieldLock::Exclude(v) => !v.iter().any(covers),
        }
    }

    fn entries(&self) -> (&'static str, Option<Vec<Object>>) {
        let list = |v: &[String]| Some(v.iter().map(|n| text_string(n)).collect());
        match self {
            FieldLock::All => ("All", None),
            FieldLock::Include(v) => ("Include", list(v)),
            FieldLock::Exclude(v) => ("Exclude", list(v)),
        }
    }

    pub(crate) fn from_dict(d: &Dictionary) -> Option<FieldLock> {
        let fields = || -> Vec<String> {
            match d.get(b"Fields") {
                Ok(Object::Array(a)) => a
                    .iter()
                    .filter_map(|o| match o {
                        Object::String(b, _) => Some(form::decode_text(b)),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        match d.get(b"Action").and_then(Object::as_name) {
            Ok(b"All") => Some(FieldLock::All),
            Ok(b"Include") => Some(FieldLock::Include(fields())),
            Ok(b"Exclude") => Some(FieldLock::Exclude(fields())),
            _ => None,
        }
    }
}

/// The signature reference dictionary of a certification signature.
pub(crate) fn docmdp_reference(p: DocMdp) -> Dictionary {
    dictionary! {
        "Type" => "SigRef",
        "TransformMethod" => "DocMDP",
        "TransformParams" => dictionary! {
            "Type" => "TransformParams",
            "P" => p.value(),
            "V" => "1.2",
        },
    }
}

/// The signature reference dictionary of a FieldMDP lock.
pub(crate) fn fieldmdp_reference(lock: &FieldLock) -> Dictionary {
    let (action, fields) = lock.entries();
    let mut params = dictionary! {
        "Type" => "TransformParams",
        "Action" => action,
        "V" => "1.2",
    };
    if let Some(f) = fields {
        params.set("Fields", f);
    }
    dictionary! {
        "Type" => "SigRef",
        "TransformMethod" => "FieldMDP",
        "TransformParams" => params,
    }
}

/// The `/Lock` dictionary of a signature field (ISO 32000-1 Table 233).
pub(crate) fn lock_dict(lock: &FieldLock) -> Dictionary {
    let (action, fields) = lock.entries();
    let mut d = dictionary! {
        "Type" => "SigFieldLock",
        "Action" => action,
    };
    if let Some(f) = fields {
        d.set("Fields", f);
    }
    d
}

/// What an existing document already allows.
#[derive(Clone, Debug, Default)]
pub struct Permissions {
    /// The certification's `/P`, when the document is certified.
    pub certification: Option<DocMdp>,
    /// FieldMDP locks of the signatures already made.
    pub locks: Vec<FieldLock>,
    /// Number of signed signature fields.
    pub signatures: usize,
}

impl Permissions {
    /// Whether some signature locks the field `name`.
    pub fn is_locked(&self, name: &str) -> bool {
        self.locks.iter().any(|l| l.locks(name))
    }
}

fn sig_references(doc: &Document, sig: &Dictionary) -> Vec<Dictionary> {
    let Ok(refs) = sig.get(b"Reference") else {
        return Vec::new();
    };
    let Ok((_, Object::Array(refs))) = doc.dereference(refs) else {
        return Vec::new();
    };
    refs.iter()
        .filter_map(|r| match doc.dereference(r) {
            Ok((_, Object::Dictionary(d))) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

fn transform_params(doc: &Document, r: &Dictionary) -> Dictionary {
    match r.get(b"TransformParams").map(|o| doc.dereference(o)) {
        Ok(Ok((_, Object::Dictionary(d)))) => d.clone(),
        _ => Dictionary::new(),
    }
}

/// Read the certification (catalog `/Perms /DocMDP`) and the FieldMDP
/// locks of every signed signature field of `doc`.
pub fn permissions(doc: &Document) -> Result<Permissions, PdfError> {
    let mut perms = Permissions::default();
    let catalog = doc
        .catalog()
        .map_err(|e| PdfError::Malformed(format!("no catalog: {e}")))?;
    if let Ok(perms_obj) = catalog.get(b"Perms") {
        if let Ok((_, Object::Dictionary(pd))) = doc.dereference(perms_obj) {
            if let Ok(sig) = pd.get(b"DocMDP") {
                let sig = match doc.dereference(sig) {
                    Ok((_, Object::Dictionary(d))) => d.clone(),
                    _ => Dictionary::new(),
                };
                // /P defaults to 2 (ISO 32000-1 Table 254).
                let mut p = DocMdp::FormFilling;
                for r in sig_references(doc, &sig) {
                    if r.get(b"TransformMethod").and_then(Object::as_name).ok()
                        == Some(b"DocMDP".as_slice())
                    {
                        let params = transform_params(doc, &r);
                        if let Ok(v) = params.get(b"P").and_then(Object::as_i64) {
                            p = DocMdp::from_value(v).unwrap_or(DocMdp::NoChanges);
                        }
                    }
                }
                perms.certification = Some(p);
            }
        }
    }
    for field in form::fields(doc)? {
        if field.kind != FieldKind::Signature {
            continue;
        }
        let Some(sig) = field.value_dict(doc) else {
            continue;
        };
        perms.signatures += 1;
        for r in sig_references(doc, &sig) {
            if r.get(b"TransformMethod").and_then(Object::as_name).ok()
                == Some(b"FieldMDP".as_slice())
            {
                if let Some(lock) = FieldLock::from_dict(&transform_params(doc, &r)) {
                    perms.locks.push(lock);
                }
            }
        }
    }
    Ok(perms)
}

/// Refuse a signature the document's permissions forbid: any change to a
/// document certified P1, and a certification of a document that is
/// already signed or certified (ISO 32000-1 §12.8.2.2: the certification
/// is the first signature).
pub(crate) fn check_may_sign(perms: &Permissions, certify: Option<DocMdp>) -> Result<(), PdfError> {
    if perms.certification == Some(DocMdp::NoChanges) {
        return Err(PdfError::Permission(
            "tài liệu được chứng nhận P1, không cho phép thay đổi hay ký thêm / the document is certified P1: no change or further signature is allowed".into(),
        ));
    }
    if certify.is_some() && (perms.signatures > 0 || perms.certification.is_some()) {
        return Err(PdfError::Permission(
            "chữ ký chứng nhận phải là chữ ký đầu tiên, tài liệu đã được ký / a certification must be the first signature, and the document is already signed".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_and_locks_parse() {
        assert_eq!("P2".parse::<DocMdp>().unwrap(), DocMdp::FormFilling);
        assert_eq!("1".parse::<DocMdp>().unwrap(), DocMdp::NoChanges);
        assert!("P4".parse::<DocMdp>().is_err());
        assert_eq!("all".parse::<FieldLock>().unwrap(), FieldLock::All);
        let l: FieldLock = "except:so_ky_hieu, ngay_ban_hanh".parse().unwrap();
        assert_eq!(
            l,
            FieldLock::Exclude(vec!["so_ky_hieu".into(), "ngay_ban_hanh".into()])
        );
        assert!(!l.locks("so_ky_hieu"));
        assert!(l.locks("other"));
        let i: FieldLock = "a,b".parse().unwrap();
        assert!(i.locks("a") && i.locks("a.kid") && !i.locks("ab") && !i.locks("c"));
        assert!("except:".parse::<FieldLock>().is_err());
    }

    #[test]
    fn dictionaries_round_trip() {
        let l = FieldLock::Include(vec!["Số".into()]);
        let r = fieldmdp_reference(&l);
        let p = r.get(b"TransformParams").unwrap().as_dict().unwrap();
        assert_eq!(FieldLock::from_dict(p), Some(l.clone()));
        assert_eq!(FieldLock::from_dict(&lock_dict(&l)), Some(l));
        let d = docmdp_reference(DocMdp::FormFilling);
        let p = d.get(b"TransformParams").unwrap().as_dict().unwrap();
        assert_eq!(p.get(b"P").unwrap().as_i64().unwrap(), 2);
    }
}
