//! Subject and issuer names (RFC 5280 §4.1.2.4): the kyso subject profile
//! (DESIGN §8: C, ST, L, O, OU, title, CN, e-mail, UID), DN strings typed
//! by people, and a display form for any name, hostile ones included.
use der::asn1::{Any, Ia5StringRef, ObjectIdentifier, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Tag, Tagged};
use unicode_normalization::UnicodeNormalization;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::oids;

/// Longest attribute value accepted, in characters.
pub const MAX_ATTRIBUTE_CHARS: usize = 256;

/// Errors building, reading or parsing names.
#[derive(Debug, thiserror::Error)]
pub enum NameError {
    #[error("the common name (CN) is empty")]
    EmptyCommonName,
    #[error("unknown name attribute '{0}'; use C, ST, L, O, OU, T, CN, E or UID")]
    UnknownAttribute(String),
    #[error("name attribute {0} appears more than once")]
    Duplicate(&'static str),
    #[error("{attribute} contains a control character")]
    ControlCharacter { attribute: &'static str },
    #[error("{attribute} is {chars} characters long; at most {MAX_ATTRIBUTE_CHARS} are allowed")]
    TooLong {
        attribute: &'static str,
        chars: usize,
    },
    #[error("the country (C) must be two letters such as VN, not '{0}'")]
    BadCountry(String),
    #[error("'{0}' is not a valid e-mail address")]
    BadEmail(String),
    #[error("cannot read '{0}' as NAME=value")]
    Syntax(String),
    #[error("{attribute} is not a text string kyso can read")]
    UnreadableValue { attribute: String },
    #[error("a name with several attributes in one RDN is not supported")]
    MultiValuedRdn,
    #[error("encoding error: {0}")]
    Encoding(#[from] der::Error),
}

/// A subject in kyso's profile. Text values are kept NFC-normalized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectName {
    /// Two-letter country code, `VN` by default.
    pub country: String,
    pub state: Option<String>,
    pub locality: Option<String>,
    pub organization: Option<String>,
    pub organizational_units: Vec<String>,
    pub title: Option<String>,
    pub common_name: String,
    pub email: Option<String>,
    /// Identifier such as `CCCD:001234567890`.
    pub uid: Option<String>,
}

impl Default for SubjectName {
    fn default() -> Self {
        SubjectName {
            country: "VN".into(),
            state: None,
            locality: None,
            organization: None,
            organizational_units: Vec::new(),
            title: None,
            common_name: String::new(),
            email: None,
            uid: None,
        }
    }
}

/// How an attribute's value is encoded.
#[derive(Clone, Copy)]
enum Kind {
    Printable,
    Utf8,
    Ia5,
}

impl SubjectName {
    /// The X.509 Name, one attribute per RDN in the order C, ST, L, O,
    /// OU…, title, CN, emailAddress, UID.
    pub fn to_name(&self) -> Result<Name, NameError> {
        let mut rdns = Vec::new();
        let country = check_country(&self.country)?;
        rdns.push(rdn(oids::AT_COUNTRY_NAME, &country, Kind::Printable)?);
        fn push_text(
            rdns: &mut Vec<RelativeDistinguishedName>,
            oid: ObjectIdentifier,
            label: &'static str,
            v: &str,
        ) -> Result<(), NameError> {
            let v = clean(label, v)?;
            if !v.is_empty() {
                rdns.push(rdn(oid, &v, Kind::Utf8)?);
            }
            Ok(())
        }
        let text = push_text;
        if let Some(v) = &self.state {
            text(&mut rdns, oids::AT_STATE_OR_PROVINCE_NAME, "ST", v)?;
        }
        if let Some(v) = &self.locality {
            text(&mut rdns, oids::AT_LOCALITY_NAME, "L", v)?;
        }
        if let Some(v) = &self.organization {
            text(&mut rdns, oids::AT_ORGANIZATION_NAME, "O", v)?;
        }
        for v in &self.organizational_units {
            text(&mut rdns, oids::AT_ORGANIZATIONAL_UNIT_NAME, "OU", v)?;
        }
        if let Some(v) = &self.title {
            text(&mut rdns, oids::AT_TITLE, "title", v)?;
        }
        let cn = clean("CN", &self.common_name)?;
        if cn.is_empty() {
            return Err(NameError::EmptyCommonName);
        }
        text(&mut rdns, oids::AT_COMMON_NAME, "CN", &cn)?;
        if let Some(v) = &self.email {
            let v = check_email(v)?;
            rdns.push(rdn(oids::AT_EMAIL_ADDRESS, &v, Kind::Ia5)?);
        }
        if let Some(v) = &self.uid {
            text(&mut rdns, oids::AT_UID, "UID", v)?;
        }
        Ok(RdnSequence(rdns))
    }

    /// Read a Name that uses only the attributes of kyso's profile.
    pub fn from_name(name: &Name) -> Result<Self, NameError> {
        let mut s = SubjectName {
            country: String::new(),
            ..Default::default()
        };
        let mut seen_country = false;
        for rdn in name.0.iter() {
            if rdn.0.len() != 1 {
                return Err(NameError::MultiValuedRdn);
            }
            for atv in rdn.0.iter() {
                let label = short_name(&atv.oid)
                    .ok_or_else(|| NameError::UnknownAttribute(atv.oid.to_string()))?;
                let value =
                    decode_string(&atv.value).ok_or_else(|| NameError::UnreadableValue {
                        attribute: label.to_string(),
                    })?;
                let value = clean(label, &value)?;
                match atv.oid {
                    oids::AT_COUNTRY_NAME => {
                        if seen_country {
                            return Err(NameError::Duplicate("C"));
                        }
                        seen_country = true;
                        s.country = check_country(&value)?;
                    }
                    oids::AT_ORGANIZATIONAL_UNIT_NAME => s.organizational_units.push(value),
                    oids::AT_COMMON_NAME => set_once(&mut s.common_name, "CN", value)?,
                    oids::AT_EMAIL_ADDRESS => set_opt(&mut s.email, "E", check_email(&value)?)?,
                    oids::AT_STATE_OR_PROVINCE_NAME => set_opt(&mut s.state, "ST", value)?,
                    oids::AT_LOCALITY_NAME => set_opt(&mut s.locality, "L", value)?,
                    oids::AT_ORGANIZATION_NAME => set_opt(&mut s.organization, "O", value)?,
                    oids::AT_TITLE => set_opt(&mut s.title, "title", value)?,
                    oids::AT_UID => set_opt(&mut s.uid, "UID", value)?,
                    _ => return Err(NameError::UnknownAttribute(atv.oid.to_string())),
                }
            }
        }
        if s.common_name.is_empty() {
            return Err(NameError::EmptyCommonName);
        }
        if !seen_country {
            s.country = "VN".into();
        }
        Ok(s)
    }

    /// Parse a DN typed by a person, e.g.
    /// `CN=Nguyễn Văn An, O=UBND tỉnh Ninh Bình, C=VN, E=an@ninhbinh.gov.vn`.
    /// Keys are case-insensitive; `\,` escapes a comma; attribute order
    /// does not matter (the Name is always written in profile order).
    pub fn parse_dn(s: &str) -> Result<Self, NameError> {
        let mut out = SubjectName {
            country: String::new(),
            ..Default::default()
        };
        for part in split_unescaped(s)? {
            let part = part.trim_matches(|c: char| c == ' ');
            if part.is_empty() {
                continue;
            }
            let (key, value) = split_key_value(part)?;
            let key_norm = key.trim().to_ascii_lowercase();
            let label = match key_norm.as_str() {
                "c" => "C",
                "st" | "s" => "ST",
                "l" => "L",
                "o" => "O",
                "ou" => "OU",
                "t" | "title" => "title",
                "cn" => "CN",
                "e" | "email" | "emailaddress" => "E",
                "uid" => "UID",
                _ => return Err(NameError::UnknownAttribute(key.trim().to_string())),
            };
            let value = clean(label, value.trim())?;
            match label {
                "C" => {
                    if !out.country.is_empty() {
                        return Err(NameError::Duplicate("C"));
                    }
                    out.country = check_country(&value)?;
                }
                "ST" => set_opt(&mut out.state, "ST", value)?,
                "L" => set_opt(&mut out.locality, "L", value)?,
                "O" => set_opt(&mut out.organization, "O", value)?,
                "OU" => out.organizational_units.push(value),
                "title" => set_opt(&mut out.title, "title", value)?,
                "CN" => set_once(&mut out.common_name, "CN", value)?,
                "E" => set_opt(&mut out.email, "E", check_email(&value)?)?,
                _ => set_opt(&mut out.uid, "UID", value)?,
            }
        }
        if out.country.is_empty() {
            out.country = "VN".into();
        }
        if out.common_name.is_empty() {
            return Err(NameError::EmptyCommonName);
        }
        Ok(out)
    }
}

fn set_once(slot: &mut String, label: &'static str, value: String) -> Result<(), NameError> {
    if !slot.is_empty() {
        return Err(NameError::Duplicate(label));
    }
    *slot = value;
    Ok(())
}

fn set_opt(slot: &mut Option<String>, label: &'static str, value: String) -> Result<(), NameError> {
    if slot.is_some() {
        return Err(NameError::Duplicate(label));
    }
    if !value.is_empty() {
        *slot = Some(value);
    }
    Ok(())
}

/// Split on commas not preceded by a backslash, resolving escapes.
fn split_unescaped(s: &str) -> Result<Vec<String>, NameError> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // Keep '=' escaped so the key/value split can tell it apart.
                Some('=') => cur.push_str("\\="),
                Some(n) => cur.push(n),
                None => return Err(NameError::Syntax(s.to_string())),
            },
            ',' | ';' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    Ok(parts)
}

fn split_key_value(part: &str) -> Result<(&str, String), NameError> {
    let eq = part
        .find('=')
        .filter(|&i| i == 0 || !part[..i].ends_with('\\'))
        .ok_or_else(|| NameError::Syntax(part.to_string()))?;
    let key = &part[..eq];
    if key.trim().is_empty() {
        return Err(NameError::Syntax(part.to_string()));
    }
    Ok((key, part[eq + 1..].replace("\\=", "=")))
}

/// NFC-normalize, trim, refuse control characters and over-long values.
fn clean(label: &'static str, v: &str) -> Result<String, NameError> {
    let v: String = v.trim().nfc().collect();
    if v.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter { attribute: label });
    }
    let chars = v.chars().count();
    if chars > MAX_ATTRIBUTE_CHARS {
        return Err(NameError::TooLong {
            attribute: label,
            chars,
        });
    }
    Ok(v)
}

fn check_country(c: &str) -> Result<String, NameError> {
    let c = c.trim();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
        Ok(c.to_ascii_uppercase())
    } else {
        Err(NameError::BadCountry(c.chars().take(16).collect()))
    }
}

fn check_email(e: &str) -> Result<String, NameError> {
    let e = e.trim();
    let ok = e.is_ascii()
        && e.len() <= MAX_ATTRIBUTE_CHARS
        && !e
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        && matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.')
            && !d.contains('@') && !d.starts_with('.') && !d.ends_with('.'));
    if ok {
        Ok(e.to_string())
    } else {
        Err(NameError::BadEmail(e.chars().take(64).collect()))
    }
}

fn rdn(
    oid: ObjectIdentifier,
    value: &str,
    kind: Kind,
) -> Result<RelativeDistinguishedName, NameError> {
    let value = match kind {
        Kind::Printable => Any::encode_from(&PrintableStringRef::new(value)?)?,
        Kind::Utf8 => Any::encode_from(&Utf8StringRef::new(value)?)?,
        Kind::Ia5 => Any::encode_from(&Ia5StringRef::new(value)?)?,
    };
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }])?;
    Ok(RelativeDistinguishedName(set))
}

/// The short name of an attribute type kyso knows.
fn short_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match *oid {
        oids::AT_COUNTRY_NAME => "C",
        oids::AT_STATE_OR_PROVINCE_NAME => "ST",
        oids::AT_LOCALITY_NAME => "L",
        oids::AT_ORGANIZATION_NAME => "O",
        oids::AT_ORGANIZATIONAL_UNIT_NAME => "OU",
        oids::AT_TITLE => "title",
        oids::AT_COMMON_NAME => "CN",
        oids::AT_EMAIL_ADDRESS => "E",
        oids::AT_UID => "UID",
        oids::AT_SERIAL_NUMBER => "serialNumber",
        _ => return None,
    })
}

/// Decode a DirectoryString-like value: UTF8String, PrintableString,
/// IA5String, BMPString, or TeletexString (read as Latin-1, as most
/// software does). `None` for anything else or invalid content.
pub(crate) fn decode_string(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String => std::str::from_utf8(bytes).ok().map(str::to_string),
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => std::str::from_utf8(bytes)
            .ok()
            .filter(|s| s.is_ascii())
            .map(str::to_string),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        Tag::TeletexString => Some(bytes.iter().map(|&b| b as char).collect()),
        _ => None,
    }
}

/// The first common name of `name`, if it has a readable one.
pub fn common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oids::AT_COMMON_NAME)
        .and_then(|atv| decode_string(&atv.value))
}

/// A human-readable form of any name, most specific first
/// (`CN=…, O=…, C=VN`). Unknown attributes show as their OID, unreadable
/// values as `#hex`; control characters become U+FFFD. Never panics.
pub fn display_name(name: &Name) -> String {
    let mut parts = Vec::new();
    for rdn in name.0.iter().rev() {
        let mut atvs = Vec::new();
        for atv in rdn.0.iter() {
            let key = short_name(&atv.oid)
                .map(str::to_string)
                .unwrap_or_else(|| atv.oid.to_string());
            let value = match decode_string(&atv.value) {
                Some(s) => escape_display(&s),
                None => {
                    let v = atv.value.value();
                    let shown = &v[..v.len().min(64)];
                    let more = if v.len() > 64 { "…" } else { "" };
                    format!("#{}{more}", hex::encode(shown))
                }
            };
            atvs.push(format!("{key}={value}"));
        }
        parts.push(atvs.join(" + "));
    }
    parts.join(", ")
}

fn escape_display(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ',' | '+' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    fn an() -> SubjectName {
        SubjectName {
            state: Some("Ninh Bình".into()),
            organization: Some("Ủy ban nhân dân tỉnh Ninh Bình".into()),
            organizational_units: vec!["Văn phòng".into(), "Phòng Hành chính".into()],
            title: Some("Chánh Văn phòng".into()),
            common_name: "Nguyễn Văn An".into(),
            email: Some("an@ninhbinh.gov.vn".into()),
            uid: Some("CCCD:037090001234".into()),
            ..Default::default()
        }
    }

    #[test]
    fn round_trips_with_profile_order_and_string_types() {
        let name = an().to_name().unwrap();
        let tags: Vec<(String, Tag)> = name
            .0
            .iter()
            .map(|r| {
                let atv = r.0.iter().next().unwrap();
                (short_name(&atv.oid).unwrap().to_string(), atv.value.tag())
            })
            .collect();
        let expected = [
            ("C", Tag::PrintableString),
            ("ST", Tag::Utf8String),
            ("O", Tag::Utf8String),
            ("OU", Tag::Utf8String),
            ("OU", Tag::Utf8String),
            ("title", Tag::Utf8String),
            ("CN", Tag::Utf8String),
            ("E", Tag::Ia5String),
            ("UID", Tag::Utf8String),
        ];
        let expected: Vec<(String, Tag)> =
            expected.iter().map(|(k, t)| (k.to_string(), *t)).collect();
        assert_eq!(tags, expected);
        let der = name.to_der().unwrap();
        let back = SubjectName::from_name(&Name::from_der(&der).unwrap()).unwrap();
        assert_eq!(back, an());
    }

    #[test]
    fn values_are_nfc_normalized() {
        // "ễ" written decomposed: e + combining circumflex + combining tilde.
        let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n An";
        let s = SubjectName {
            common_name: decomposed.into(),
            ..Default::default()
        };
        let name = s.to_name().unwrap();
        assert_eq!(common_name(&name).unwrap(), "Nguyễn Văn An");
        assert_ne!(decomposed, "Nguyễn Văn An");
    }

    #[test]
    fn parses_a_typed_dn() {
        let s = SubjectName::parse_dn(
            "cn=Nguyễn Văn An, O=UBND tỉnh Ninh Bình\\, Việt Nam, c=vn, E=an@ninhbinh.gov.vn, UID=CCCD:0123, OU=Sở A, ou=Phòng B",
        )
        .unwrap();
        assert_eq!(s.common_name, "Nguyễn Văn An");
        assert_eq!(
            s.organization.as_deref(),
            Some("UBND tỉnh Ninh Bình, Việt Nam")
        );
        assert_eq!(s.country, "VN");
        assert_eq!(s.email.as_deref(), Some("an@ninhbinh.gov.vn"));
        assert_eq!(s.uid.as_deref(), Some("CCCD:0123"));
        assert_eq!(s.organizational_units, vec!["Sở A", "Phòng B"]);
        let s2 = SubjectName::parse_dn("emailAddress=a@b.vn, CN=x").unwrap();
        assert_eq!(s2.email.as_deref(), Some("a@b.vn"));
        assert_eq!(s2.country, "VN");
    }

    #[test]
    fn refuses_bad_dns() {
        assert!(matches!(
            SubjectName::parse_dn("O=x, C=VN"),
            Err(NameError::EmptyCommonName)
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN= , C=VN"),
            Err(NameError::EmptyCommonName)
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN=a, DC=example"),
            Err(NameError::UnknownAttribute(k)) if k == "DC"
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN=a\u{0}b"),
            Err(NameError::ControlCharacter { .. })
        ));
        let long = format!("CN={}", "ă".repeat(257));
        assert!(matches!(
            SubjectName::parse_dn(&long),
            Err(NameError::TooLong { chars: 257, .. })
        ));
        assert!(SubjectName::parse_dn(&format!("CN={}", "ă".repeat(256))).is_ok());
        assert!(matches!(
            SubjectName::parse_dn("CN=a, C=VNM"),
            Err(NameError::BadCountry(_))
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN=a, E=not-an-email"),
            Err(NameError::BadEmail(_))
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN=a, CN=b"),
            Err(NameError::Duplicate("CN"))
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN"),
            Err(NameError::Syntax(_))
        ));
        assert!(matches!(
            SubjectName::parse_dn("CN=a\\"),
            Err(NameError::Syntax(_))
        ));
    }

    #[test]
    fn display_is_most_specific_first_and_decodes_bmp() {
        let name = an().to_name().unwrap();
        let shown = display_name(&name);
        assert!(
            shown.starts_with("UID=CCCD:037090001234, E=an@ninhbinh.gov.vn, CN=Nguyễn Văn An"),
            "{shown}"
        );
        assert!(
            shown.ends_with("O=Ủy ban nhân dân tỉnh Ninh Bình, ST=Ninh Bình, C=VN"),
            "{shown}"
        );

        // BMPString "Ấn", an unknown OID, a bad UTF-8 value, an odd BMPString.
        let bmp: Vec<u8> = "Ấn".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let mk = |oid: &str, tag: Tag, v: &[u8]| {
            let any = Any::new(tag, v.to_vec()).unwrap();
            RelativeDistinguishedName(
                SetOfVec::try_from(vec![AttributeTypeAndValue {
                    oid: ObjectIdentifier::new_unwrap(oid),
                    value: any,
                }])
                .unwrap(),
            )
        };
        let hostile = RdnSequence(vec![
            mk("2.5.4.3", Tag::BmpString, &bmp),
            mk("1.2.3.4", Tag::Utf8String, b"x,y"),
            mk("2.5.4.10", Tag::Utf8String, &[0xff, 0xfe]),
            mk("2.5.4.11", Tag::BmpString, &[0x00]),
            mk("2.5.4.7", Tag::Utf8String, b"a\x07b"),
        ]);
        assert_eq!(
            display_name(&hostile),
            "L=a\u{FFFD}b, OU=#00, O=#fffe, 1.2.3.4=x\\,y, CN=Ấn"
        );
        assert!(matches!(
            SubjectName::from_name(&hostile),
            Err(NameError::UnknownAttribute(_))
        ));
    }
}
