//! Verifying a CMS SignedData (RFC 5652 §5.6) with one SignerInfo: the
//! signer certificate (by issuerAndSerialNumber or subjectKeyIdentifier),
//! the messageDigest over the content (detached, digested by the caller,
//! or encapsulated), the signature over the signed attributes, the ESS
//! signing-certificate(-v2) binding (RFC 2634 / RFC 5035), and what the
//! SignerInfo carries for later steps: the signature time-stamp token
//! (RFC 3161 unsigned attribute) and embedded revocation data
//! (adbe-revocationInfoArchival, SignedData.crls).
//!
//! Algorithms are checked against Circular 15/2025: SHA-1 and RSA keys
//! shorter than 2048 bits are refused with [`CmsVerifyError::WeakAlgorithm`].
use cms::cert::CertificateChoices;
use cms::revocation::RevocationInfoChoice;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString, OctetStringRef};
use der::{Any, Decode, Encode, Sequence};
use kyso_crypto::{DigestAlgorithm, SignatureAlgorithm};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::oids;
use crate::path::RevocationEvidence;

/// ESS signing-certificate (v1, SHA-1 hashes).
pub const AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// Adobe's revocation-information archival signed attribute.
pub const ADBE_REVOCATION_INFO_ARCHIVAL: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.8");

/// Why a CMS signature does not verify; each maps to one ETSI EN 319 102-1
/// sub-indication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsVerifyError {
    /// FORMAT_FAILURE.
    #[error("CMS không đúng định dạng / malformed CMS: {0}")]
    Format(String),
    /// NO_SIGNING_CERTIFICATE_FOUND.
    #[error("không tìm thấy chứng thư số của người ký / signer certificate not found: {0}")]
    NoSigningCertificate(String),
    /// HASH_FAILURE.
    #[error("giá trị băm không khớp: nội dung đã bị thay đổi sau khi ký / message digest mismatch: the signed content was changed")]
    HashFailure,
    /// SIG_CRYPTO_FAILURE.
    #[error("chữ ký không hợp lệ về mật mã / the signature value does not verify with the signer's key: {0}")]
    SignatureInvalid(String),
    /// CRYPTO_CONSTRAINTS_FAILURE.
    #[error("thuật toán không được phép theo Thông tư 15/2025 / algorithm not allowed by Circular 15/2025: {0}")]
    WeakAlgorithm(String),
}

/// What the ESS signing-certificate attribute says about the signer
/// certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EssBinding {
    /// signing-certificate-v2 names the certificate.
    V2,
    /// signing-certificate (v1, SHA-1 hash) names the certificate.
    V1,
    /// No ESS attribute (plain CMS / adbe.pkcs7.detached).
    Absent,
}

/// A SignerInfo whose signature verified.
#[derive(Clone, Debug)]
pub struct VerifiedCms {
    pub signer: Certificate,
    /// Every certificate in SignedData.certificates.
    pub certificates: Vec<Certificate>,
    pub digest_algorithm: DigestAlgorithm,
    pub signature_algorithm: SignatureAlgorithm,
    /// The SignerInfo signature value (what a signature time-stamp covers).
    pub signature_value: Vec<u8>,
    /// The signingTime signed attribute, if present (a claim, not proof).
    pub signing_time: Option<OffsetDateTime>,
    pub ess: EssBinding,
    /// DER ContentInfo of the signature time-stamp token (unsigned
    /// attribute id-aa-signatureTimeStampToken), if present.
    pub timestamp_token: Option<Vec<u8>>,
    /// CRLs and OCSP responses carried in the CMS.
    pub revocation: RevocationEvidence,
    /// The encapsulated content, when there is one.
    pub econtent: Option<Vec<u8>>,
    pub econtent_type: ObjectIdentifier,
}

#[derive(Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

#[derive(Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// RevocationInfoArchival (Adobe, ISO 32000-1 §12.8.3.3.2).
#[derive(Sequence)]
struct RevocationInfoArchival {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl: Option<Vec<Any>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    ocsp: Option<Vec<Any>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    other: Option<Any>,
}

fn fmt_err(e: impl std::fmt::Display) -> CmsVerifyError {
    CmsVerifyError::Format(e.to_string())
}

fn single_value(info: &SignerInfo, oid: ObjectIdentifier, signed: bool) -> Option<Vec<&Any>> {
    let attrs = if signed {
        info.signed_attrs.as_ref()
    } else {
        info.unsigned_attrs.as_ref()
    }?;
    attrs
        .iter()
        .find(|a| a.oid == oid)
        .map(|a| a.values.iter().collect())
}

fn signed_value(info: &SignerInfo, oid: ObjectIdentifier) -> Result<Option<&Any>, CmsVerifyError> {
    let attrs = match info.signed_attrs.as_ref() {
        Some(a) => a,
        None => return Ok(None),
    };
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(CmsVerifyError::Format(format!(
            "signed attribute {oid} must appear once with one value"
        )));
    }
    Ok(attr.values.iter().next())
}

/// Checks the key size and curve of `spki` (Circular 15/2025).
pub fn check_key_strength(spki_der: &[u8]) -> Result<(), CmsVerifyError> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(fmt_err)?;
    let rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    let pss = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    let ec = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    if info.algorithm.oid == rsa || info.algorithm.oid == pss {
        #[derive(Sequence)]
        struct RsaPublicKey<'a> {
            modulus: der::asn1::UintRef<'a>,
            exponent: der::asn1::UintRef<'a>,
        }
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| fmt_err("unaligned key"))?;
        let key = RsaPublicKey::from_der(bits).map_err(fmt_err)?;
        let m = key.modulus.as_bytes();
        let n_bits = m.len() * 8 - m.first().map(|b| b.leading_zeros() as usize).unwrap_or(0);
        let _ = key.exponent;
        if n_bits < 2048 {
            return Err(CmsVerifyError::WeakAlgorithm(format!(
                "khóa RSA {n_bits} bit / {n_bits}-bit RSA key (at least 2048)"
            )));
        }
        Ok(())
    } else if info.algorithm.oid == ec {
        let curve = info.algorithm.parameters_oid().map_err(fmt_err)?;
        let ok = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35"]
            .iter()
            .any(|c| curve == ObjectIdentifier::new_unwrap(c));
        if ok {
            Ok(())
        } else {
            Err(CmsVerifyError::WeakAlgorithm(format!("EC curve {curve}")))
        }
    } else {
        Err(CmsVerifyError::WeakAlgorithm(format!(
            "public key {}",
            info.algorithm.oid
        )))
    }
}

fn digest_of(oid: &ObjectIdentifier) -> Result<DigestAlgorithm, CmsVerifyError> {
    let d = DigestAlgorithm::from_oid(oid)
        .map_err(|_| CmsVerifyError::WeakAlgorithm(format!("digest {oid}")))?;
    if d == DigestAlgorithm::Sha1 {
        return Err(CmsVerifyError::WeakAlgorithm("SHA-1".into()));
    }
    Ok(d)
}

/// The certificates of a SignedData (other certificate formats skipped).
pub fn certificates_of(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn find_signer(sd: &SignedData, sid: &SignerIdentifier) -> Option<Certificate> {
    certificates_of(sd).into_iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            crate::certificate::subject_key_identifier(c)
                .map(|k| k == ski.0.as_bytes())
                .unwrap_or(false)
        }
    })
}

/// Verify the single SignerInfo of the DER ContentInfo `der`. For a
/// detached signature, `detached_digest` computes the digest of the
/// signed content with the SignerInfo's digest algorithm; otherwise the
/// encapsulated content is digested.
pub fn verify_signed_data(
    der: &[u8],
    detached_digest: Option<&dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>>,
) -> Result<VerifiedCms, CmsVerifyError> {
    let deduplicated = without_repeated_certificates(der);
    let der = deduplicated.as_deref().unwrap_or(der);
    let sd = crate::cms::parse_signed_data(der).map_err(fmt_err)?;
    if sd.signer_infos.0.len() != 1 {
        return Err(CmsVerifyError::Format(format!(
            "{} SignerInfos; exactly one is expected",
            sd.signer_infos.0.len()
        )));
    }
    let info = sd.signer_infos.0.iter().next().expect("one signer");
    let digest_algorithm = digest_of(&info.digest_alg.oid)?;
    let signer = find_signer(&sd, &info.sid).ok_or_else(|| {
        CmsVerifyError::NoSigningCertificate(
            "SignedData.certificates does not hold the certificate the SignerInfo names".into(),
        )
    })?;
    let econtent_type = sd.encap_content_info.econtent_type;
    let econtent = match &sd.encap_content_info.econtent {
        Some(any) => Some(
            any.decode_as::<OctetStringRef<'_>>()
                .map_err(fmt_err)?
                .as_bytes()
                .to_vec(),
        ),
        None => None,
    };
    let content_digest = match (detached_digest, &econtent) {
        (Some(_), Some(_)) => {
            return Err(CmsVerifyError::Format(
                "a detached signature must not encapsulate content".into(),
            ))
        }
        (Some(f), None) => f(digest_algorithm).map_err(CmsVerifyError::Format)?,
        (None, Some(c)) => kyso_crypto::digest(digest_algorithm, c),
        (None, None) => {
            return Err(CmsVerifyError::Format(
                "no content: the signed document is needed to verify a detached signature".into(),
            ))
        }
    };
    let spki_der = signer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(fmt_err)?;
    check_key_strength(&spki_der)?;
    let signature_algorithm = SignatureAlgorithm::from_algorithm_identifier(
        &info.signature_algorithm,
        Some(digest_algorithm),
    )
    .map_err(|e| CmsVerifyError::WeakAlgorithm(e.to_string()))?;
    if signature_algorithm.digest() != digest_algorithm && !signature_algorithm.is_pss() {
        // The signature's own hash is what matters for the crypto check;
        // both must be SHA-2, which from_algorithm_identifier ensures.
    }
    let signature_value = info.signature.as_bytes().to_vec();

    let (message, ess) = match &info.signed_attrs {
        None => {
            // No signed attributes: the signature is over the content
            // itself (only possible with encapsulated content here).
            let Some(c) = &econtent else {
                return Err(CmsVerifyError::Format(
                    "a detached signature without signed attributes".into(),
                ));
            };
            (c.clone(), EssBinding::Absent)
        }
        Some(_) => {
            let ct = signed_value(info, oids::AA_CONTENT_TYPE)?
                .ok_or_else(|| fmt_err("the contentType signed attribute is missing"))?
                .decode_as::<ObjectIdentifier>()
                .map_err(fmt_err)?;
            if ct != econtent_type {
                return Err(CmsVerifyError::Format(format!(
                    "contentType attribute {ct} differs from eContentType {econtent_type}"
                )));
            }
            let md = signed_value(info, oids::AA_MESSAGE_DIGEST)?
                .ok_or_else(|| fmt_err("the messageDigest signed attribute is missing"))?
                .decode_as::<OctetString>()
                .map_err(fmt_err)?;
            if md.as_bytes() != content_digest.as_slice() {
                return Err(CmsVerifyError::HashFailure);
            }
            let cert_der = signer.to_der().map_err(fmt_err)?;
            let ess = if let Some(v) = signed_value(info, oids::AA_SIGNING_CERTIFICATE_V2)? {
                let sc = v.decode_as::<SigningCertificateV2>().map_err(fmt_err)?;
                let first = sc
                    .certs
                    .first()
                    .ok_or_else(|| fmt_err("empty signing-certificate-v2"))?;
                let alg = match &first.hash_algorithm {
                    Some(a) => digest_of(&a.oid)?,
                    None => DigestAlgorithm::Sha256,
                };
                if kyso_crypto::digest(alg, &cert_der) != first.cert_hash.as_bytes() {
                    return Err(CmsVerifyError::NoSigningCertificate(
                        "signing-certificate-v2 names another certificate than the signer's".into(),
                    ));
                }
                let _ = (&first.issuer_serial, &sc.policies);
                EssBinding::V2
            } else if let Some(v) = signed_value(info, AA_SIGNING_CERTIFICATE)? {
                let sc = v.decode_as::<SigningCertificate>().map_err(fmt_err)?;
                let first = sc
                    .certs
                    .first()
                    .ok_or_else(|| fmt_err("empty signing-certificate"))?;
                if kyso_crypto::digest(DigestAlgorithm::Sha1, &cert_der)
                    != first.cert_hash.as_bytes()
                {
                    return Err(CmsVerifyError::NoSigningCertificate(
                        "signing-certificate names another certificate than the signer's".into(),
                    ));
                }
                let _ = (&first.issuer_serial, &sc.policies);
                EssBinding::V1
            } else {
                EssBinding::Absent
            };
            // RFC 5652 §5.4: the signature is over the signed attributes
            // exactly as the signer encoded them, with the [0] IMPLICIT
            // tag replaced by SET (0x31). `der` re-sorts SET OF values
            // while decoding, so a re-encoding of `attrs` would differ
            // from the signer's bytes whenever they are not in DER order.
            let raw = raw_signed_attributes(der)?
                .ok_or_else(|| fmt_err("signed attributes not found in the encoding"))?;
            (raw, ess)
        }
    };
    kyso_crypto::verify_signature(&spki_der, signature_algorithm, &message, &signature_value)
        .map_err(|e| CmsVerifyError::SignatureInvalid(e.to_string()))?;

    let signing_time = match signed_value(info, oids::AA_SIGNING_TIME)? {
        Some(v) => Some(crate::time::from_x509_time(
            &x509_cert::time::Time::from_der(&v.to_der().map_err(fmt_err)?).map_err(fmt_err)?,
        )),
        None => None,
    };
    let timestamp_token = single_value(info, oids::AA_SIGNATURE_TIME_STAMP_TOKEN, false)
        .and_then(|v| v.first().map(|a| a.to_der()))
        .transpose()
        .map_err(fmt_err)?;

    let mut revocation = RevocationEvidence::default();
    for choice in sd.crls.iter().flat_map(|c| c.0.iter()) {
        if let RevocationInfoChoice::Crl(crl) = choice {
            revocation.crls.push(crl.to_der().map_err(fmt_err)?);
        }
    }
    if let Some(v) = signed_value(info, ADBE_REVOCATION_INFO_ARCHIVAL)? {
        if let Ok(ria) = v.decode_as::<RevocationInfoArchival>() {
            for c in ria.crl.iter().flatten() {
                revocation.crls.push(c.to_der().map_err(fmt_err)?);
            }
            for o in ria.ocsp.iter().flatten() {
                revocation.ocsp_responses.push(o.to_der().map_err(fmt_err)?);
            }
            let _ = ria.other;
        }
    }

    Ok(VerifiedCms {
        certificates: certificates_of(&sd),
        signer,
        digest_algorithm,
        signature_algorithm,
        signature_value,
        signing_time,
        ess,
        timestamp_token,
        revocation,
        econtent,
        econtent_type,
    })
}

/// One BER/DER TLV with a definite length: (tag, header length, total
/// length). Only single-byte tags (all CMS needs).
fn tlv(b: &[u8]) -> Result<(u8, usize, usize), CmsVerifyError> {
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
fn enter(b: &[u8], want: u8) -> Result<(&[u8], &[u8]), CmsVerifyError> {
    let (tag, h, t) = tlv(b)?;
    if tag != want {
        return Err(fmt_err(format!(
            "unexpected ASN.1 tag {tag:#04x} (expected {want:#04x})"
        )));
    }
    Ok((&b[h..t], &b[t..]))
}

/// Skips the TLV at the start of `b`.
fn skip(b: &[u8]) -> Result<(u8, &[u8]), CmsVerifyError> {
    let (tag, _, t) = tlv(b)?;
    Ok((tag, &b[t..]))
}

/// The signed attributes of the first SignerInfo of the ContentInfo `der`
/// exactly as encoded, with their `[0] IMPLICIT` tag replaced by SET
/// (0x31): the bytes the signature covers (RFC 5652 §5.4). `None` when
/// the SignerInfo has no signed attributes.
pub fn raw_signed_attributes(der: &[u8]) -> Result<Option<Vec<u8>>, CmsVerifyError> {
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
    let (ci, _) = enter(der, 0x30)?;
    let (_, ci) = skip(ci)?; // contentType
    let (explicit, _) = enter(ci, 0xa0)?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET,
    //   encapContentInfo, [0] certificates OPT, [1] crls OPT, signerInfos SET }
    let (sd, _) = enter(explicit, 0x30)?;
    let (_, mut sd) = skip(sd)?; // version
    let (_, rest) = skip(sd)?; // digestAlgorithms
    sd = rest;
    let (_, rest) = skip(sd)?; // encapContentInfo
    sd = rest;
    let signer_infos = loop {
        let (tag, h, t) = tlv(sd)?;
        match tag {
            0xa0 | 0xa1 => sd = &sd[t..],
            0x31 => break &sd[h..t],
            _ => return Err(fmt_err(format!("unexpected tag {tag:#04x} in SignedData"))),
        }
    };
    // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm,
    //   [0] IMPLICIT signedAttrs OPT, ... }
    let (si, _) = enter(signer_infos, 0x30)?;
    let (_, si) = skip(si)?; // version
    let (_, si) = skip(si)?; // sid (issuerAndSerialNumber or [0] SKI)
    let (_, si) = skip(si)?; // digestAlgorithm
    let (tag, _, t) = tlv(si)?;
    if tag != 0xa0 {
        return Ok(None);
    }
    let mut raw = si[..t].to_vec();
    raw[0] = 0x31;
    Ok(Some(raw))
}

/// DER length octets for `len`.
fn der_length(len: usize) -> Vec<u8> {
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

fn wrap(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = vec![tag];
    out.extend(der_length(len));
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// The TLVs that make up `content`.
fn members(mut content: &[u8]) -> Result<Vec<&[u8]>, CmsVerifyError> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (_, _, t) = tlv(content)?;
        out.push(&content[..t]);
        content = &content[t..];
    }
    Ok(out)
}

/// The ContentInfo `der` with repeated entries of SignedData.certificates
/// and .crls dropped, or `None` when there are none. Some signers (e.g.
/// pyHanko with the signer's certificate also in its registry) list a
/// certificate twice; X.690 allows equal elements in a SET OF, but `der`
/// refuses them. Neither set is covered by the signature, so dropping the
/// copies changes nothing that is verified.
fn without_repeated_certificates(der: &[u8]) -> Option<Vec<u8>> {
    let (ci, _) = enter(der, 0x30).ok()?;
    let (_, _, t) = tlv(ci).ok()?;
    let (oid, rest) = ci.split_at(t);
    let (explicit, _) = enter(rest, 0xa0).ok()?;
    let (sd, _) = enter(explicit, 0x30).ok()?;
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut changed = false;
    for e in members(sd).ok()? {
        if matches!(e[0], 0xa0 | 0xa1) {
            let (_, h, t) = tlv(e).ok()?;
            let all = members(&e[h..t]).ok()?;
            let mut unique: Vec<&[u8]> = Vec::new();
            for m in all {
                if !unique.contains(&m) {
                    unique.push(m);
                }
            }
            if unique.len() != members(&e[h..t]).ok()?.len() {
                changed = true;
                parts.push(wrap(e[0], &unique));
                continue;
            }
        }
        parts.push(e.to_vec());
    }
    if !changed {
        return None;
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let sd = wrap(0x30, &refs);
    let explicit = wrap(0xa0, &[&sd]);
    Some(wrap(0x30, &[oid, &explicit]))
}

/// A verified RFC 3161 time-stamp token.
#[derive(Clone, Debug)]
pub struct VerifiedTimestamp {
    pub gen_time: OffsetDateTime,
    pub policy: ObjectIdentifier,
    pub cms: VerifiedCms,
}

/// Verify a time-stamp token (DER ContentInfo): its CMS signature, that it
/// encapsulates a TSTInfo, and that the message imprint is the digest of
/// `imprinted` (the signature value for a signature time-stamp, the
/// ByteRange content for a document time-stamp, computed by `imprint`).
pub fn verify_time_stamp_token(
    token_der: &[u8],
    imprint: &dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>,
) -> Result<VerifiedTimestamp, CmsVerifyError> {
    let deduplicated = without_repeated_certificates(token_der);
    let token_der = deduplicated.as_deref().unwrap_or(token_der);
    let cms = verify_signed_data(token_der, None)?;
    if cms.econtent_type != oids::CT_TST_INFO {
        return Err(fmt_err("the time-stamp token does not hold a TSTInfo"));
    }
    let tst = crate::tsp::parse_time_stamp_token(token_der).map_err(|e| fmt_err(e.text))?;
    let alg = digest_of(&tst.imprint_algorithm)?;
    let expected = imprint(alg).map_err(CmsVerifyError::Format)?;
    if expected != tst.hashed_message {
        return Err(CmsVerifyError::HashFailure);
    }
    Ok(VerifiedTimestamp {
        gen_time: tst.gen_time,
        policy: tst.policy,
        cms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_signed_attributes_walks_to_the_signer_info() {
        // ContentInfo { oid, [0] { SignedData { 1, SET{}, SEQ{}, [0]{},
        //   SET { SignerInfo { 1, SEQ{}, SEQ{}, [0] {05 00, 04 00} } } } } }
        let si = [
            0x30, 0x0d, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00, 0xa0, 0x04, 0x05, 0x00, 0x04,
            0x00,
        ];
        let mut sd = vec![0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x00, 0xa0, 0x00, 0x31];
        sd.push(si.len() as u8);
        sd.extend_from_slice(&si);
        let mut sd_seq = vec![0x30, sd.len() as u8];
        sd_seq.extend(sd);
        let mut explicit = vec![0xa0, sd_seq.len() as u8];
        explicit.extend(sd_seq);
        let mut body = vec![0x06, 0x01, 0x2a];
        body.extend(explicit);
        let mut ci = vec![0x30, body.len() as u8];
        ci.extend(body);
        // The members keep the order they were encoded in (04 after 05).
        assert_eq!(
            raw_signed_attributes(&ci).unwrap().unwrap(),
            vec![0x31, 0x04, 0x05, 0x00, 0x04, 0x00]
        );
        for cut in 0..ci.len() {
            assert!(raw_signed_attributes(&ci[..cut]).is_err());
        }
        assert!(without_repeated_certificates(&ci).is_none());
    }

    #[test]
    fn repeated_certificates_are_dropped() {
        let ci_of = |certs: &[&[u8]]| {
            let c = wrap(0xa0, certs);
            let sd = wrap(
                0x30,
                &[
                    &[0x02, 0x01, 0x01],
                    &[0x31, 0x00],
                    &[0x30, 0x00],
                    &c,
                    &[0x31, 0x00],
                ],
            );
            let explicit = wrap(0xa0, &[&sd]);
            wrap(0x30, &[&[0x06, 0x01, 0x2a], &explicit])
        };
        let (a, b): (&[u8], &[u8]) = (&[0x30, 0x01, 0x01], &[0x30, 0x01, 0x02]);
        assert_eq!(
            without_repeated_certificates(&ci_of(&[a, b, a])),
            Some(ci_of(&[a, b]))
        );
        assert_eq!(without_repeated_certificates(&ci_of(&[a, b])), None);
        let big = vec![0x30, 0x81, 0xc8]
            .into_iter()
            .chain([7u8; 200])
            .collect::<Vec<u8>>();
        let fixed = without_repeated_certificates(&ci_of(&[&big, &big])).unwrap();
        assert_eq!(fixed, ci_of(&[&big]));
        assert_eq!(der_length(0x7f), vec![0x7f]);
        assert_eq!(der_length(0x80), vec![0x81, 0x80]);
        assert_eq!(der_length(0x1234), vec![0x82, 0x12, 0x34]);
    }

    #[test]
    fn garbage_is_a_format_failure() {
        let d = |_: DigestAlgorithm| Ok(vec![0u8; 32]);
        for bytes in [&b""[..], &[0x30, 0x80], &[0x30, 0x03, 0x06, 0x01, 0x00]] {
            assert!(matches!(
                verify_signed_data(bytes, Some(&d)),
                Err(CmsVerifyError::Format(_))
            ));
        }
    }
}
