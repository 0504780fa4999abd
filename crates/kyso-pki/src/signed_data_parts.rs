//! The parts of a DER SignedData (RFC 5652 §5.1) that no signature
//! covers, made readable: `digestAlgorithms`, `certificates`, `crls`, the
//! list of `signerInfos` and each SignerInfo's unsigned attributes.
//!
//! Signers put things there that the `cms` crate (and X.690 DER) refuses
//! but RFC 5652 allows or that change nothing verified: a certificate
//! listed twice, attribute certificates and other `CertificateChoices`,
//! other revocation formats (RFC 5940 OCSP responses), a time-stamp
//! token repeated in its attribute. [`tolerate`] drops the copies and the
//! choices kyso does not read, keeps RFC 5940 OCSP responses as evidence,
//! and says what it did as typed [`Tolerated`] findings, so the report
//! can show them. The signed attributes and the signature value are never
//! touched. The SignerInfos are returned in the order they were encoded.
use der::asn1::ObjectIdentifier;
use der::Decode;

use crate::cms_verify::CmsVerifyError;

/// id-ri-ocsp-response (RFC 5940 §4.1).
pub const RI_OCSP_RESPONSE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.16.2");

/// Something outside the signed bytes that kyso read past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tolerated {
    /// Entries of `certificates` listed more than once (copies dropped).
    RepeatedCertificates(usize),
    /// `CertificateChoices` other than X.509 certificates (attribute
    /// certificates v1/v2, extended or other formats), not used.
    OtherCertificateChoices(Vec<CertificateChoice>),
    /// Entries of `crls` listed more than once.
    RepeatedRevocationInfo(usize),
    /// `OtherRevocationInfoFormat` entries of a format kyso does not
    /// read (RFC 5940 OCSP responses are read).
    OtherRevocationInfo(usize),
    /// A digest algorithm listed more than once in `digestAlgorithms`.
    RepeatedDigestAlgorithms(usize),
    /// An identical SignerInfo listed more than once.
    RepeatedSignerInfos(usize),
    /// An unsigned attribute (or one of its values) of SignerInfo
    /// `signer` (1-based) repeated; `oid` names the attribute.
    RepeatedUnsignedAttribute { signer: usize, oid: String },
}

/// A `CertificateChoices` alternative (RFC 5652 §10.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateChoice {
    ExtendedCertificate,
    AttributeCertificateV1,
    AttributeCertificateV2,
    Other,
    Unknown(u8),
}

impl std::fmt::Display for CertificateChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertificateChoice::ExtendedCertificate => f.write_str("extendedCertificate"),
            CertificateChoice::AttributeCertificateV1 => f.write_str("v1AttrCert"),
            CertificateChoice::AttributeCertificateV2 => f.write_str("v2AttrCert"),
            CertificateChoice::Other => f.write_str("other"),
            CertificateChoice::Unknown(t) => write!(f, "tag {t:#04x}"),
        }
    }
}

impl std::fmt::Display for Tolerated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tolerated::RepeatedCertificates(n) => write!(
                f,
                "{n} chứng thư số lặp lại trong SignedData.certificates đã được bỏ qua / {n} repeated certificate(s) in SignedData.certificates ignored"
            ),
            Tolerated::OtherCertificateChoices(v) => {
                let kinds: Vec<String> = v.iter().map(|c| c.to_string()).collect();
                write!(
                    f,
                    "SignedData.certificates chứa {} mục không phải chứng thư X.509 ({}), không dùng / SignedData.certificates holds {} entries that are not X.509 certificates ({}), not used",
                    v.len(),
                    kinds.join(", "),
                    v.len(),
                    kinds.join(", ")
                )
            }
            Tolerated::RepeatedRevocationInfo(n) => write!(
                f,
                "{n} mục thu hồi lặp lại trong SignedData.crls đã được bỏ qua / {n} repeated entr(y/ies) in SignedData.crls ignored"
            ),
            Tolerated::OtherRevocationInfo(n) => write!(
                f,
                "{n} mục thu hồi dạng khác trong SignedData.crls không đọc được, không dùng / {n} other revocation information format entr(y/ies) in SignedData.crls not read"
            ),
            Tolerated::RepeatedDigestAlgorithms(n) => write!(
                f,
                "{n} thuật toán băm lặp lại trong SignedData.digestAlgorithms / {n} repeated digest algorithm(s) in SignedData.digestAlgorithms ignored"
            ),
            Tolerated::RepeatedSignerInfos(n) => write!(
                f,
                "{n} SignerInfo giống hệt nhau lặp lại đã được bỏ qua / {n} identical repeated SignerInfo(s) ignored"
            ),
            Tolerated::RepeatedUnsignedAttribute { signer, oid } => write!(
                f,
                "thuộc tính không ký {oid} của SignerInfo {signer} có giá trị lặp lại, bản sao đã được bỏ qua / unsigned attribute {oid} of SignerInfo {signer} repeats a value; the copies are ignored"
            ),
        }
    }
}

/// The SignedData with the tolerated parts removed.
#[derive(Clone, Debug)]
pub struct SignedDataParts {
    /// The DER ContentInfo to parse: the input when nothing was removed.
    pub content_info: Vec<u8>,
    /// Every SignerInfo (DER), in the order they were encoded.
    pub signer_infos: Vec<Vec<u8>>,
    /// OCSPResponse DER of RFC 5940 `OtherRevocationInfoFormat` entries.
    pub ocsp_responses: Vec<Vec<u8>>,
    pub tolerated: Vec<Tolerated>,
}

fn fmt_err(e: impl std::fmt::Display) -> CmsVerifyError {
    CmsVerifyError::Format(e.to_string())
}

/// One DER TLV with a definite length: (tag, header length, total
/// length). Only single-byte tags (all CMS needs).
pub(crate) fn tlv(b: &[u8]) -> Result<(u8, usize, usize), CmsVerifyError> {
    let bad = || fmt_err("truncated or indefinite-length encoding");
    let (&tag, rest) = b.split_first().ok_or_else(bad)?;
    if tag & 0x1f == 0x1f {
        return Err(fmt_err("multi-byte ASN.1 tag"));
    }
    let (&first, rest) = rest.split_first().ok_or_else(bad)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad());
        }
        (
            rest[..n].iter().fold(0usize, |a, x| (a << 8) | *x as usize),
            2 + n,
        )
    };
    let total = header.checked_add(len).ok_or_else(bad)?;
    if total > b.len() {
        return Err(bad());
    }
    Ok((tag, header, total))
}

/// The content octets of the TLV at the start of `b`, and what follows it.
pub(crate) fn enter(b: &[u8], want: u8) -> Result<(&[u8], &[u8]), CmsVerifyError> {
    let (tag, h, t) = tlv(b)?;
    if tag != want {
        return Err(fmt_err(format!(
            "unexpected ASN.1 tag {tag:#04x} (expected {want:#04x})"
        )));
    }
    Ok((&b[h..t], &b[t..]))
}

/// The TLVs that make up `content`.
pub(crate) fn members(mut content: &[u8]) -> Result<Vec<&[u8]>, CmsVerifyError> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (_, _, t) = tlv(content)?;
        out.push(&content[..t]);
        content = &content[t..];
    }
    Ok(out)
}

/// DER length octets for `len`.
pub(crate) fn der_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len
        .to_be_bytes()
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// A TLV with tag `tag` around `parts`.
pub(crate) fn wrap(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = vec![tag];
    out.extend(der_length(len));
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// `items` without repeats (first kept), and how many were dropped
/// (hashed: a hostile SET of millions of entries stays linear).
fn unique(items: Vec<&[u8]>) -> (Vec<&[u8]>, usize) {
    let n = items.len();
    let mut seen = std::collections::HashSet::with_capacity(n);
    let out: Vec<&[u8]> = items.into_iter().filter(|m| seen.insert(*m)).collect();
    let dropped = n - out.len();
    (out, dropped)
}

/// The OID of the Attribute TLV `a`, as text.
fn attribute_oid(a: &[u8]) -> String {
    enter(a, 0x30)
        .ok()
        .and_then(|(b, _)| members(b).ok())
        .and_then(|m| m.first().and_then(|o| ObjectIdentifier::from_der(o).ok()))
        .map(|o| o.to_string())
        .unwrap_or_default()
}

/// A SignerInfo (`index`, 1-based) with its unsigned attributes freed of
/// repeated attributes and repeated values.
fn signer_info(
    si: &[u8],
    index: usize,
    found: &mut Vec<Tolerated>,
) -> Result<Vec<u8>, CmsVerifyError> {
    let (content, _) = enter(si, 0x30)?;
    let parts = members(content)?;
    let Some(pos) = parts.iter().position(|p| p[0] == 0xa1) else {
        return Ok(si.to_vec());
    };
    let (_, h, t) = tlv(parts[pos])?;
    let all = members(&parts[pos][h..t])?;
    let mut repeated: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in &all {
        if !seen.insert(*a) {
            repeated.push(attribute_oid(a));
        }
    }
    let (attrs, _) = unique(all);
    let mut rebuilt: Vec<Vec<u8>> = Vec::new();
    for a in attrs {
        let (body, _) = enter(a, 0x30)?;
        let attr = match members(body)?.as_slice() {
            [oid_tlv, values] if values[0] == 0x31 => {
                let (_, vh, vt) = tlv(values)?;
                let (vals, dropped) = unique(members(&values[vh..vt])?);
                if dropped > 0 {
                    repeated.push(attribute_oid(a));
                    let set = wrap(0x31, &vals);
                    wrap(0x30, &[oid_tlv, &set])
                } else {
                    a.to_vec()
                }
            }
            _ => a.to_vec(),
        };
        rebuilt.push(attr);
    }
    if repeated.is_empty() {
        return Ok(si.to_vec());
    }
    for oid in repeated {
        let f = Tolerated::RepeatedUnsignedAttribute { signer: index, oid };
        if !found.contains(&f) {
            found.push(f);
        }
    }
    let refs: Vec<&[u8]> = rebuilt.iter().map(Vec::as_slice).collect();
    let unsigned = wrap(0xa1, &refs);
    let mut out_parts: Vec<&[u8]> = parts.clone();
    out_parts[pos] = &unsigned;
    Ok(wrap(0x30, &out_parts))
}

/// Reads the DER ContentInfo `der` (id-signedData) and removes what the
/// signatures do not cover and kyso does not read (see the module doc).
pub fn tolerate(der: &[u8]) -> Result<SignedDataParts, CmsVerifyError> {
    let (ci, _) = enter(der, 0x30)?;
    let (_, _, t) = tlv(ci)?;
    let (oid, rest) = ci.split_at(t);
    let (explicit, _) = enter(rest, 0xa0)?;
    let (sd, _) = enter(explicit, 0x30)?;
    let mut found = Vec::new();
    let mut ocsp_responses = Vec::new();
    let mut signer_infos = Vec::new();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut changed = false;
    let fields = members(sd)?;
    let last = fields.len().saturating_sub(1);
    for (i, e) in fields.into_iter().enumerate() {
        let (tag, h, t) = tlv(e)?;
        let inner = members(&e[h..t]);
        match (i, tag) {
            (1, 0x31) => {
                let (u, dropped) = unique(inner?);
                if dropped > 0 {
                    found.push(Tolerated::RepeatedDigestAlgorithms(dropped));
                    changed = true;
                    parts.push(wrap(0x31, &u));
                    continue;
                }
            }
            (_, 0xa0) if i < last => {
                let (u, dropped) = unique(inner?);
                if dropped > 0 {
                    found.push(Tolerated::RepeatedCertificates(dropped));
                }
                let others: Vec<CertificateChoice> = u
                    .iter()
                    .filter(|c| c[0] != 0x30)
                    .map(|c| match c[0] {
                        0xa0 => CertificateChoice::ExtendedCertificate,
                        0xa1 => CertificateChoice::AttributeCertificateV1,
                        0xa2 => CertificateChoice::AttributeCertificateV2,
                        0xa3 => CertificateChoice::Other,
                        t => CertificateChoice::Unknown(t),
                    })
                    .collect();
                if !others.is_empty() {
                    found.push(Tolerated::OtherCertificateChoices(others));
                }
                if dropped > 0 || u.iter().any(|c| c[0] != 0x30) {
                    changed = true;
                    let certs: Vec<&[u8]> = u.into_iter().filter(|c| c[0] == 0x30).collect();
                    parts.push(wrap(0xa0, &certs));
                    continue;
                }
            }
            (_, 0xa1) if i < last => {
                let (u, dropped) = unique(inner?);
                if dropped > 0 {
                    found.push(Tolerated::RepeatedRevocationInfo(dropped));
                }
                let mut other = 0;
                for c in u.iter().filter(|c| c[0] == 0xa1) {
                    // [1] IMPLICIT OtherRevocationInfoFormat { OID, ANY }
                    let read = tlv(c).ok().and_then(|(_, h, t)| members(&c[h..t]).ok());
                    match read.as_deref() {
                        Some([f, info])
                            if ObjectIdentifier::from_der(f).ok() == Some(RI_OCSP_RESPONSE) =>
                        {
                            ocsp_responses.push(info.to_vec())
                        }
                        _ => other += 1,
                    }
                }
                if other > 0 {
                    found.push(Tolerated::OtherRevocationInfo(other));
                }
                if dropped > 0 || u.iter().any(|c| c[0] != 0x30) {
                    changed = true;
                    let crls: Vec<&[u8]> = u.into_iter().filter(|c| c[0] == 0x30).collect();
                    parts.push(wrap(0xa1, &crls));
                    continue;
                }
            }
            (_, 0x31) if i == last => {
                let (u, dropped) = unique(inner?);
                if dropped > 0 {
                    found.push(Tolerated::RepeatedSignerInfos(dropped));
                    changed = true;
                }
                let mut rebuilt = Vec::new();
                for (k, si) in u.iter().enumerate() {
                    let s = signer_info(si, k + 1, &mut found)?;
                    changed |= s.as_slice() != *si;
                    rebuilt.push(s);
                }
                let refs: Vec<&[u8]> = rebuilt.iter().map(Vec::as_slice).collect();
                parts.push(wrap(0x31, &refs));
                signer_infos = rebuilt;
                continue;
            }
            _ => {}
        }
        parts.push(e.to_vec());
    }
    let content_info = if changed {
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let sd = wrap(0x30, &refs);
        let explicit = wrap(0xa0, &[&sd]);
        wrap(0x30, &[oid, &explicit])
    } else {
        der.to_vec()
    };
    Ok(SignedDataParts {
        content_info,
        signer_infos,
        ocsp_responses,
        tolerated: found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ContentInfo { 1.2, [0] { SignedData { 1, algs, {}, certs?, crls?, infos } } }
    fn ci_of(
        algs: &[&[u8]],
        certs: Option<&[&[u8]]>,
        crls: Option<&[&[u8]]>,
        infos: &[&[u8]],
    ) -> Vec<u8> {
        let algs = wrap(0x31, algs);
        let certs = certs.map(|c| wrap(0xa0, c));
        let crls = crls.map(|c| wrap(0xa1, c));
        let infos = wrap(0x31, infos);
        let mut fields: Vec<&[u8]> = vec![&[0x02, 0x01, 0x01], &algs, &[0x30, 0x00]];
        if let Some(c) = &certs {
            fields.push(c);
        }
        if let Some(c) = &crls {
            fields.push(c);
        }
        fields.push(&infos);
        let sd = wrap(0x30, &fields);
        let explicit = wrap(0xa0, &[&sd]);
        wrap(0x30, &[&[0x06, 0x01, 0x2a], &explicit])
    }

    const SI: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x01];

    #[test]
    fn nothing_to_tolerate_keeps_the_bytes() {
        let (a, b): (&[u8], &[u8]) = (&[0x30, 0x01, 0x01], &[0x30, 0x01, 0x02]);
        let ci = ci_of(&[&[0x30, 0x00]], Some(&[a, b]), None, &[SI]);
        let p = tolerate(&ci).unwrap();
        assert_eq!(p.content_info, ci);
        assert!(p.tolerated.is_empty());
        assert_eq!(p.signer_infos, vec![SI.to_vec()]);
    }

    #[test]
    fn repeated_certificates_and_other_choices_are_dropped() {
        let (a, b): (&[u8], &[u8]) = (&[0x30, 0x01, 0x01], &[0x30, 0x01, 0x02]);
        let attr_cert: &[u8] = &[0xa2, 0x01, 0x07];
        let ci = ci_of(&[&[0x30, 0x00]], Some(&[a, b, a, attr_cert]), None, &[SI]);
        let p = tolerate(&ci).unwrap();
        assert_eq!(
            p.content_info,
            ci_of(&[&[0x30, 0x00]], Some(&[a, b]), None, &[SI])
        );
        assert_eq!(
            p.tolerated,
            vec![
                Tolerated::RepeatedCertificates(1),
                Tolerated::OtherCertificateChoices(vec![CertificateChoice::AttributeCertificateV2])
            ]
        );
        let big = [0x30u8, 0x81, 0xc8]
            .into_iter()
            .chain([7u8; 200])
            .collect::<Vec<u8>>();
        let p = tolerate(&ci_of(&[], Some(&[&big, &big]), None, &[SI])).unwrap();
        assert_eq!(p.content_info, ci_of(&[], Some(&[&big]), None, &[SI]));
        assert_eq!(der_length(0x7f), vec![0x7f]);
        assert_eq!(der_length(0x80), vec![0x81, 0x80]);
        assert_eq!(der_length(0x1234), vec![0x82, 0x12, 0x34]);
    }

    #[test]
    fn rfc5940_ocsp_responses_are_read_and_other_formats_counted() {
        use der::Encode;
        let oid = RI_OCSP_RESPONSE.to_der().unwrap();
        let resp: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x00];
        let ocsp = wrap(0xa1, &[&oid, resp]);
        let other = wrap(0xa1, &[&[0x06, 0x01, 0x2b], &[0x05, 0x00]]);
        let crl: &[u8] = &[0x30, 0x01, 0x09];
        let ci = ci_of(&[], None, Some(&[crl, &ocsp, &other, crl]), &[SI]);
        let p = tolerate(&ci).unwrap();
        assert_eq!(p.ocsp_responses, vec![resp.to_vec()]);
        assert_eq!(p.content_info, ci_of(&[], None, Some(&[crl]), &[SI]));
        assert_eq!(
            p.tolerated,
            vec![
                Tolerated::RepeatedRevocationInfo(1),
                Tolerated::OtherRevocationInfo(1)
            ]
        );
    }

    #[test]
    fn repeated_unsigned_attribute_values_and_signer_infos() {
        // SignerInfo { 1, [1] { Attribute { signatureTimeStampToken,
        //   SET { tok, tok } } } }
        use der::Encode;
        let oid = crate::oids::AA_SIGNATURE_TIME_STAMP_TOKEN.to_der().unwrap();
        let name = crate::oids::AA_SIGNATURE_TIME_STAMP_TOKEN.to_string();
        let tok: &[u8] = &[0x30, 0x01, 0x05];
        let attr = |vals: &[&[u8]]| {
            let set = wrap(0x31, vals);
            wrap(0x30, &[&oid, &set])
        };
        let si = |a: &[u8]| wrap(0x30, &[&[0x02, 0x01, 0x01], &wrap(0xa1, &[a])]);
        let dup = si(&attr(&[tok, tok]));
        let one = si(&attr(&[tok]));
        let p = tolerate(&ci_of(
            &[&[0x30, 0x00], &[0x30, 0x00]],
            None,
            None,
            &[&dup, &dup],
        ))
        .unwrap();
        assert_eq!(p.signer_infos, vec![one.clone()]);
        assert_eq!(p.content_info, ci_of(&[&[0x30, 0x00]], None, None, &[&one]));
        assert_eq!(
            p.tolerated,
            vec![
                Tolerated::RepeatedDigestAlgorithms(1),
                Tolerated::RepeatedSignerInfos(1),
                Tolerated::RepeatedUnsignedAttribute {
                    signer: 1,
                    oid: name.clone()
                }
            ]
        );
        // The whole attribute repeated.
        let a = attr(&[tok]);
        let twice = wrap(0x30, &[&[0x02, 0x01, 0x01], &wrap(0xa1, &[&a, &a])]);
        let p = tolerate(&ci_of(&[], None, None, &[&twice])).unwrap();
        assert_eq!(p.signer_infos, vec![one]);
        assert_eq!(
            p.tolerated,
            vec![Tolerated::RepeatedUnsignedAttribute {
                signer: 1,
                oid: name.clone()
            }]
        );
        // Several different SignerInfos keep their encoded order.
        let p = tolerate(&ci_of(
            &[],
            None,
            None,
            &[&[0x30, 0x03, 0x02, 0x01, 0x03], SI],
        ))
        .unwrap();
        assert_eq!(
            p.signer_infos,
            vec![vec![0x30, 0x03, 0x02, 0x01, 0x03], SI.to_vec()]
        );
    }

    #[test]
    fn truncated_input_is_an_error() {
        let ci = ci_of(&[&[0x30, 0x00]], Some(&[&[0x30, 0x01, 0x01]]), None, &[SI]);
        for cut in 0..ci.len() {
            assert!(tolerate(&ci[..cut]).is_err(), "cut at {cut}");
        }
    }
}
