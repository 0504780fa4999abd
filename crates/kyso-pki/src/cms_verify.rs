//! Verifying a CMS SignedData (RFC 5652 §5.6): the signer certificate (by
//! issuerAndSerialNumber or subjectKeyIdentifier), the messageDigest over
//! the content (detached, digested by the caller, or encapsulated), the
//! signature over the signed attributes, the ESS signing-certificate(-v2)
//! binding (RFC 2634 / RFC 5035), and what the SignerInfo carries for
//! later steps: the signature time-stamp token (RFC 3161 unsigned
//! attribute) and embedded revocation data (adbe-revocationInfoArchival,
//! SignedData.crls, RFC 5940 OCSP responses).
//!
//! Read as the world writes it: BER is converted to DER first
//! ([`crate::ber`]), and what no signature covers is tolerated and
//! reported ([`crate::signed_data_parts`]). The signed attributes are
//! verified over their DER encoding in the order they were sent (RFC 5652
//! §5.4 with the SET tag; openssl and pyHanko do the same). Several
//! SignerInfos: each is verified, the first that verifies is used and the
//! others are reported ([`CmsNote::SeveralSignerInfos`]).
//!
//! Integrity is a fact, the algorithm policy a decision: a signature made
//! with an algorithm Circular 15/2025 refuses (SHA-1, RSA keys shorter
//! than 2048 bits, curves other than P-256/384/521) is still verified when
//! an implementation exists, and the refusal is returned in
//! [`VerifiedCms::refused`] for the caller to apply.
//! [`CmsVerifyError::WeakAlgorithm`] remains for signatures that cannot be
//! checked at all (e.g. brainpool curves, unknown algorithms).
use std::borrow::Cow;

use cms::cert::CertificateChoices;
use cms::revocation::RevocationInfoChoice;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString, OctetStringRef};
use der::{Any, Decode, Encode, Sequence};
use kyso_crypto::{AnySignatureAlgorithm, CryptoError, DigestAlgorithm};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::oids;
use crate::path::RevocationEvidence;
use crate::signed_data_parts::{enter, members, tlv, Tolerated};

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
    /// The message imprint of a time-stamp token is not the digest of the
    /// data it should time-stamp (HASH_FAILURE for a document time-stamp;
    /// for a signature time-stamp, the token belongs to something else).
    #[error("dấu thời gian không đóng dấu dữ liệu này (message imprint không khớp) / the time-stamp's message imprint does not match the time-stamped data")]
    ImprintMismatch,
    /// SIG_CRYPTO_FAILURE.
    #[error("chữ ký không hợp lệ về mật mã / the signature value does not verify with the signer's key: {0}")]
    SignatureInvalid(String),
    /// CRYPTO_CONSTRAINTS_FAILURE, the signature could not be checked.
    #[error("thuật toán không được phép theo Thông tư 15/2025 / algorithm not allowed by Circular 15/2025: {0}")]
    WeakAlgorithm(String),
}

/// An algorithm Circular 15/2025 refuses, found in a signature whose
/// integrity could still be checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefusedAlgorithm {
    /// A digest (SHA-1) in the digestAlgorithm, the signature algorithm
    /// or a time-stamp's message imprint.
    Digest(&'static str),
    /// An RSA key shorter than 2048 bits.
    RsaKey(usize),
    /// An elliptic curve other than P-256, P-384 and P-521.
    Curve(String),
}

impl std::fmt::Display for RefusedAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefusedAlgorithm::Digest(d) => f.write_str(d),
            RefusedAlgorithm::RsaKey(bits) => write!(f, "RSA-{bits}"),
            RefusedAlgorithm::Curve(c) => f.write_str(c),
        }
    }
}

/// A SignerInfo other than the one verified, when there are several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherSignerInfo {
    /// 1-based, in encoded order.
    pub index: usize,
    /// Subject of its certificate, when found.
    pub signer: Option<String>,
    /// `None`: it verifies too; else why not.
    pub problem: Option<String>,
}

/// How the CMS departs from one DER SignedData with one SignerInfo, in
/// ways that change nothing the signature covers (or that are reported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmsNote {
    /// The SignedData was BER (indefinite lengths, constructed strings,
    /// non-minimal lengths); read after conversion to DER.
    BerEncoded,
    /// The signed attributes themselves were sent in BER; the signature
    /// was verified over their DER encoding (RFC 5652 §5.4).
    SignedAttributesBer,
    /// The signed attributes were not sent in DER (sorted) order; the
    /// signature was verified over them in the order sent.
    SignedAttributesNotInDerOrder,
    /// Something outside the signed bytes was read past.
    Tolerated(Tolerated),
    /// Several SignerInfos (PAdES and ISO 32000 expect one): SignerInfo
    /// `used` (1-based) is the one verified and reported.
    SeveralSignerInfos {
        count: usize,
        used: usize,
        others: Vec<OtherSignerInfo>,
    },
}

impl CmsNote {
    /// A stable code for the JSON report.
    pub fn code(&self) -> &'static str {
        match self {
            CmsNote::BerEncoded => "ber-encoded",
            CmsNote::SignedAttributesBer => "signed-attributes-ber",
            CmsNote::SignedAttributesNotInDerOrder => "signed-attributes-not-in-der-order",
            CmsNote::Tolerated(t) => match t {
                Tolerated::RepeatedCertificates(_) => "repeated-certificates",
                Tolerated::OtherCertificateChoices(_) => "other-certificate-choices",
                Tolerated::RepeatedRevocationInfo(_) => "repeated-revocation-info",
                Tolerated::OtherRevocationInfo(_) => "other-revocation-info",
                Tolerated::RepeatedDigestAlgorithms(_) => "repeated-digest-algorithms",
                Tolerated::RepeatedSignerInfos(_) => "repeated-signer-infos",
                Tolerated::RepeatedUnsignedAttribute { .. } => "repeated-unsigned-attribute",
            },
            CmsNote::SeveralSignerInfos { .. } => "several-signer-infos",
        }
    }
}

impl std::fmt::Display for CmsNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CmsNote::BerEncoded => f.write_str("CMS mã hóa BER (độ dài không xác định), đã đọc sau khi chuyển sang DER / the CMS is BER-encoded (indefinite lengths); read after conversion to DER"),
            CmsNote::SignedAttributesBer => f.write_str("các thuộc tính được ký mã hóa BER; chữ ký được kiểm tra trên mã DER của chúng (RFC 5652 §5.4) / the signed attributes were BER-encoded; the signature was verified over their DER encoding (RFC 5652 §5.4)"),
            CmsNote::SignedAttributesNotInDerOrder => f.write_str("các thuộc tính được ký không theo thứ tự DER; chữ ký được kiểm tra theo thứ tự đã gửi (như openssl và pyHanko) / the signed attributes are not in DER order; the signature was verified over them in the order sent (as openssl and pyHanko do)"),
            CmsNote::Tolerated(t) => t.fmt(f),
            CmsNote::SeveralSignerInfos { count, used, others } => {
                write!(f, "CMS có {count} SignerInfo (PAdES chỉ cho phép một); đánh giá SignerInfo {used} / the CMS holds {count} SignerInfos (PAdES allows one); SignerInfo {used} is the one evaluated")?;
                for o in others {
                    let who = o.signer.as_deref().unwrap_or("?");
                    match &o.problem {
                        None => write!(f, "; SignerInfo {} ({who}) cũng hợp lệ / also verifies", o.index)?,
                        Some(p) => write!(f, "; SignerInfo {} ({who}) không hợp lệ / does not verify: {p}", o.index)?,
                    }
                }
                Ok(())
            }
        }
    }
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
    pub signature_algorithm: AnySignatureAlgorithm,
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
    /// Algorithms Circular 15/2025 refuses that the verified signature
    /// uses (empty: none). The signature verified all the same.
    pub refused: Vec<RefusedAlgorithm>,
    /// Departures from one DER SignedData with one SignerInfo.
    pub notes: Vec<CmsNote>,
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

/// Names of the curves kyso refuses but recognises.
fn curve_name(curve: &ObjectIdentifier) -> String {
    let name = match curve.to_string().as_str() {
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
        "1.3.132.0.10" => "secp256k1",
        _ => return format!("EC curve {curve}"),
    };
    format!("{name} ({curve})")
}

/// The key size or curve of `spki` that Circular 15/2025 refuses, if any.
fn key_refusal(spki_der: &[u8]) -> Result<Option<RefusedAlgorithm>, CmsVerifyError> {
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
        Ok((n_bits < 2048).then_some(RefusedAlgorithm::RsaKey(n_bits)))
    } else if info.algorithm.oid == ec {
        let curve = info.algorithm.parameters_oid().map_err(fmt_err)?;
        let ok = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35"]
            .iter()
            .any(|c| curve == ObjectIdentifier::new_unwrap(c));
        Ok((!ok).then(|| RefusedAlgorithm::Curve(curve_name(&curve))))
    } else {
        Err(CmsVerifyError::WeakAlgorithm(format!(
            "public key {}",
            info.algorithm.oid
        )))
    }
}

/// Checks the key size and curve of `spki` (Circular 15/2025).
pub fn check_key_strength(spki_der: &[u8]) -> Result<(), CmsVerifyError> {
    match key_refusal(spki_der)? {
        None => Ok(()),
        Some(RefusedAlgorithm::RsaKey(n)) => Err(CmsVerifyError::WeakAlgorithm(format!(
            "khóa RSA {n} bit / {n}-bit RSA key (at least 2048)"
        ))),
        Some(r) => Err(CmsVerifyError::WeakAlgorithm(r.to_string())),
    }
}

/// A digest algorithm kyso can compute; SHA-1 is noted in `refused`.
fn digest_any(
    oid: &ObjectIdentifier,
    refused: &mut Vec<RefusedAlgorithm>,
) -> Result<DigestAlgorithm, CmsVerifyError> {
    let d = DigestAlgorithm::from_oid(oid)
        .map_err(|_| CmsVerifyError::WeakAlgorithm(format!("digest {oid}")))?;
    note_digest(d, refused);
    Ok(d)
}

fn note_digest(d: DigestAlgorithm, refused: &mut Vec<RefusedAlgorithm>) {
    let r = RefusedAlgorithm::Digest(d.name());
    if d == DigestAlgorithm::Sha1 && !refused.contains(&r) {
        refused.push(r);
    }
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

fn find_signer(certs: &[Certificate], sid: &SignerIdentifier) -> Option<Certificate> {
    certs
        .iter()
        .find(|c| match sid {
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
        .cloned()
}

/// What a SignerInfo's signature value signs.
enum Signed {
    /// The DER signed attributes, or the encapsulated content.
    Message(Vec<u8>),
    /// Detached content without signed attributes, by its digest.
    Digest(Vec<u8>),
}

/// One SignerInfo, verified.
struct VerifiedSigner {
    signer: Certificate,
    digest_algorithm: DigestAlgorithm,
    signature_algorithm: AnySignatureAlgorithm,
    signature_value: Vec<u8>,
    signing_time: Option<OffsetDateTime>,
    ess: EssBinding,
    timestamp_token: Option<Vec<u8>>,
    archival: RevocationEvidence,
    refused: Vec<RefusedAlgorithm>,
    /// The signed attributes as verified (SET tag, DER, order as sent).
    signed_attributes: Option<Vec<u8>>,
    not_in_der_order: bool,
}

/// What every SignerInfo of one SignedData shares.
struct Shared<'a> {
    certificates: &'a [Certificate],
    econtent: Option<&'a [u8]>,
    econtent_type: ObjectIdentifier,
    detached_digest: Option<&'a dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>>,
    /// Digests of the content already computed, per algorithm.
    digests: std::cell::RefCell<Vec<(DigestAlgorithm, Vec<u8>)>>,
}

impl Shared<'_> {
    fn content_digest(&self, alg: DigestAlgorithm) -> Result<Vec<u8>, CmsVerifyError> {
        if let Some((_, d)) = self.digests.borrow().iter().find(|(a, _)| *a == alg) {
            return Ok(d.clone());
        }
        let d = match (self.detached_digest, self.econtent) {
            (Some(_), Some(_)) => {
                return Err(CmsVerifyError::Format(
                    "a detached signature must not encapsulate content".into(),
                ))
            }
            (Some(f), None) => f(alg).map_err(CmsVerifyError::Format)?,
            (None, Some(c)) => kyso_crypto::digest(alg, c),
            (None, None) => {
                return Err(CmsVerifyError::Format(
                    "no content: the signed document is needed to verify a detached signature"
                        .into(),
                ))
            }
        };
        self.digests.borrow_mut().push((alg, d.clone()));
        Ok(d)
    }
}

/// X.690 §11.6 order of SET OF members: as octet strings, the shorter
/// padded with zero octets.
fn der_set_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            (
                a.get(i).copied().unwrap_or(0),
                b.get(i).copied().unwrap_or(0),
            )
        })
        .find(|(x, y)| x != y)
        .map(|(x, y)| x.cmp(&y))
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The SET OF `raw` (tag, length, members) with its members sorted into
/// DER order, or `None` when they are in DER order already.
fn der_sorted(raw: &[u8]) -> Result<Option<Vec<u8>>, CmsVerifyError> {
    let (_, h, t) = tlv(raw)?;
    let mut m = members(&raw[h..t])?;
    if m.windows(2).all(|w| der_set_order(w[0], w[1]).is_le()) {
        return Ok(None);
    }
    m.sort_by(|a, b| der_set_order(a, b));
    let mut out = raw[..h].to_vec();
    for x in m {
        out.extend_from_slice(x);
    }
    Ok(Some(out))
}

/// The signed attributes of the DER SignerInfo `si` exactly as encoded,
/// with their `[0] IMPLICIT` tag replaced by SET (0x31): the bytes the
/// signature covers (RFC 5652 §5.4). `None` without signed attributes.
fn signer_info_signed_attributes(si: &[u8]) -> Result<Option<Vec<u8>>, CmsVerifyError> {
    // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm,
    //   [0] IMPLICIT signedAttrs OPT, ... }
    let (si, _) = enter(si, 0x30)?;
    let parts = members(si)?;
    match parts.get(3) {
        Some(p) if p[0] == 0xa0 => {
            let mut raw = p.to_vec();
            raw[0] = 0x31;
            Ok(Some(raw))
        }
        Some(_) => Ok(None),
        None => Err(fmt_err("SignerInfo too short")),
    }
}

fn verify_signer(
    shared: &Shared<'_>,
    info: &SignerInfo,
    si_der: &[u8],
) -> Result<VerifiedSigner, CmsVerifyError> {
    let mut refused = Vec::new();
    let digest_algorithm = digest_any(&info.digest_alg.oid, &mut refused)?;
    let signer = find_signer(shared.certificates, &info.sid).ok_or_else(|| {
        CmsVerifyError::NoSigningCertificate(
            "SignedData.certificates does not hold the certificate the SignerInfo names".into(),
        )
    })?;
    let content_digest = shared.content_digest(digest_algorithm)?;
    let spki_der = signer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(fmt_err)?;
    if let Some(r) = key_refusal(&spki_der)? {
        refused.push(r);
    }
    let signature_algorithm = AnySignatureAlgorithm::from_algorithm_identifier(
        &info.signature_algorithm,
        Some(digest_algorithm),
    )
    .map_err(|e| CmsVerifyError::WeakAlgorithm(e.to_string()))?;
    note_digest(signature_algorithm.digest, &mut refused);
    let signature_value = info.signature.as_bytes().to_vec();

    let (message, ess, signed_attributes) = match &info.signed_attrs {
        // No signed attributes (RFC 5652 §5.4, content type id-data): the
        // signature is over the content itself; over detached content it
        // is checked against the content's digest.
        None => match shared.econtent {
            Some(c) => (Signed::Message(c.to_vec()), EssBinding::Absent, None),
            None => (Signed::Digest(content_digest), EssBinding::Absent, None),
        },
        Some(_) => {
            let ct = signed_value(info, oids::AA_CONTENT_TYPE)?
                .ok_or_else(|| fmt_err("the contentType signed attribute is missing"))?
                .decode_as::<ObjectIdentifier>()
                .map_err(fmt_err)?;
            if ct != shared.econtent_type {
                return Err(CmsVerifyError::Format(format!(
                    "contentType attribute {ct} differs from eContentType {}",
                    shared.econtent_type
                )));
            }
            let md = signed_value(info, oids::AA_MESSAGE_DIGEST)?
                .ok_or_else(|| fmt_err("the messageDigest signed attribute is missing"))?
                .decode_as::<OctetString>()
                .map_err(fmt_err)?;
            if md.as_bytes() != content_digest.as_slice() {
                return Err(CmsVerifyError::HashFailure);
            }
            let ess = ess_binding(info, &signer)?;
            let raw = signer_info_signed_attributes(si_der)?
                .ok_or_else(|| fmt_err("signed attributes not found in the encoding"))?;
            (Signed::Message(raw.clone()), ess, Some(raw))
        }
    };
    let not_in_der_order = match &signed_attributes {
        Some(raw) => der_sorted(raw)?.is_some(),
        None => false,
    };
    let checked = match &message {
        Signed::Message(m) => kyso_crypto::verify_signature_any_strength(
            &spki_der,
            signature_algorithm,
            m,
            &signature_value,
        ),
        Signed::Digest(d) => kyso_crypto::verify_digest_any_strength(
            &spki_der,
            signature_algorithm,
            d,
            &signature_value,
        ),
    };
    match checked {
        Ok(()) => {}
        Err(CryptoError::UnsupportedAlgorithm(what)) => {
            // A refused key (e.g. a brainpool curve) names the cause best.
            let what = match refused
                .iter()
                .find(|r| !matches!(r, RefusedAlgorithm::Digest(_)))
            {
                Some(r) => format!("{signature_algorithm} with {r}"),
                None => what,
            };
            let digest_note = if signed_attributes.is_some() {
                "; the document digest matches the signed messageDigest"
            } else {
                ""
            };
            return Err(CmsVerifyError::WeakAlgorithm(format!(
                "{what}: no implementation to check the signature value{digest_note}"
            )));
        }
        Err(e) => {
            // The signer may have signed the attributes in DER order and
            // sent them in another: say so (kyso, like openssl and
            // pyHanko, verifies the order sent; BouncyCastle re-sorts).
            if let Some(sorted) = signed_attributes
                .as_deref()
                .map(der_sorted)
                .transpose()?
                .flatten()
            {
                if kyso_crypto::verify_signature_any_strength(
                    &spki_der,
                    signature_algorithm,
                    &sorted,
                    &signature_value,
                )
                .is_ok()
                {
                    return Err(CmsVerifyError::SignatureInvalid(
                        "các thuộc tính được ký đã bị sắp xếp lại sau khi ký: chữ ký khớp với thứ tự DER, không khớp với thứ tự được gửi / the signed attributes were re-ordered after signing: the signature matches them in DER order, not in the order sent".into(),
                    ));
                }
            }
            return Err(CmsVerifyError::SignatureInvalid(e.to_string()));
        }
    }

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
    let mut archival = RevocationEvidence::default();
    if let Some(v) = signed_value(info, ADBE_REVOCATION_INFO_ARCHIVAL)? {
        if let Ok(ria) = v.decode_as::<RevocationInfoArchival>() {
            for c in ria.crl.iter().flatten() {
                archival.crls.push(c.to_der().map_err(fmt_err)?);
            }
            for o in ria.ocsp.iter().flatten() {
                archival.ocsp_responses.push(o.to_der().map_err(fmt_err)?);
            }
            let _ = ria.other;
        }
    }
    Ok(VerifiedSigner {
        signer,
        digest_algorithm,
        signature_algorithm,
        signature_value,
        signing_time,
        ess,
        timestamp_token,
        archival,
        refused,
        signed_attributes,
        not_in_der_order,
    })
}

/// The ESS signing-certificate(-v2) attribute checked against `signer`.
fn ess_binding(info: &SignerInfo, signer: &Certificate) -> Result<EssBinding, CmsVerifyError> {
    let cert_der = signer.to_der().map_err(fmt_err)?;
    if let Some(v) = signed_value(info, oids::AA_SIGNING_CERTIFICATE_V2)? {
        let sc = v.decode_as::<SigningCertificateV2>().map_err(fmt_err)?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| fmt_err("empty signing-certificate-v2"))?;
        // The hash only identifies the certificate (v1 uses SHA-1 by
        // definition): any digest kyso can compute will do.
        let alg = match &first.hash_algorithm {
            Some(a) => DigestAlgorithm::from_oid(&a.oid)
                .map_err(|_| CmsVerifyError::WeakAlgorithm(format!("digest {}", a.oid)))?,
            None => DigestAlgorithm::Sha256,
        };
        if kyso_crypto::digest(alg, &cert_der) != first.cert_hash.as_bytes() {
            return Err(CmsVerifyError::NoSigningCertificate(
                "signing-certificate-v2 names another certificate than the signer's".into(),
            ));
        }
        let _ = (&first.issuer_serial, &sc.policies);
        Ok(EssBinding::V2)
    } else if let Some(v) = signed_value(info, AA_SIGNING_CERTIFICATE)? {
        let sc = v.decode_as::<SigningCertificate>().map_err(fmt_err)?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| fmt_err("empty signing-certificate"))?;
        if kyso_crypto::digest(DigestAlgorithm::Sha1, &cert_der) != first.cert_hash.as_bytes() {
            return Err(CmsVerifyError::NoSigningCertificate(
                "signing-certificate names another certificate than the signer's".into(),
            ));
        }
        let _ = (&first.issuer_serial, &sc.policies);
        Ok(EssBinding::V1)
    } else {
        Ok(EssBinding::Absent)
    }
}

/// Verifies the BER or DER ContentInfo `input` (bytes after the object
/// are ignored); returns the result and the DER SignedData read.
fn verify(
    input: &[u8],
    detached_digest: Option<&dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>>,
) -> Result<(VerifiedCms, Vec<u8>), CmsVerifyError> {
    let original = crate::ber::first_object(input).map_err(fmt_err)?;
    let der = crate::ber::to_der(original).map_err(fmt_err)?;
    let mut notes = Vec::new();
    if matches!(der, Cow::Owned(_)) {
        notes.push(CmsNote::BerEncoded);
    }
    let parts = crate::signed_data_parts::tolerate(&der)?;
    notes.extend(parts.tolerated.iter().cloned().map(CmsNote::Tolerated));
    let sd = crate::cms::parse_signed_data(&parts.content_info).map_err(fmt_err)?;
    if parts.signer_infos.is_empty() {
        return Err(fmt_err("the SignedData has no SignerInfo"));
    }
    let certificates = certificates_of(&sd);
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
    let shared = Shared {
        certificates: &certificates,
        econtent: econtent.as_deref(),
        econtent_type,
        detached_digest,
        digests: Default::default(),
    };
    let mut results: Vec<(Option<String>, Result<VerifiedSigner, CmsVerifyError>)> = Vec::new();
    for si_der in &parts.signer_infos {
        let info = SignerInfo::from_der(si_der).map_err(fmt_err);
        let who = info
            .as_ref()
            .ok()
            .and_then(|i| find_signer(&certificates, &i.sid))
            .map(|c| crate::name::display_name(&c.tbs_certificate.subject));
        results.push((who, info.and_then(|i| verify_signer(&shared, &i, si_der))));
    }
    let used = results.iter().position(|(_, r)| r.is_ok()).unwrap_or(0);
    if results.len() > 1 {
        let others = results
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != used)
            .map(|(k, (who, r))| OtherSignerInfo {
                index: k + 1,
                signer: who.clone(),
                problem: r.as_ref().err().map(|e| e.to_string()),
            })
            .collect();
        notes.push(CmsNote::SeveralSignerInfos {
            count: results.len(),
            used: used + 1,
            others,
        });
    }
    let v = results.swap_remove(used).1?;
    if v.signed_attributes.is_some()
        && notes.contains(&CmsNote::BerEncoded)
        && signed_attributes_were_ber(original, used, results.len() + 1)
    {
        notes.push(CmsNote::SignedAttributesBer);
    }
    if v.not_in_der_order {
        notes.push(CmsNote::SignedAttributesNotInDerOrder);
    }
    let mut revocation = RevocationEvidence::default();
    for choice in sd.crls.iter().flat_map(|c| c.0.iter()) {
        if let RevocationInfoChoice::Crl(crl) = choice {
            revocation.crls.push(crl.to_der().map_err(fmt_err)?);
        }
    }
    revocation.ocsp_responses.extend(parts.ocsp_responses);
    revocation.crls.extend(v.archival.crls);
    revocation.ocsp_responses.extend(v.archival.ocsp_responses);
    Ok((
        VerifiedCms {
            certificates,
            signer: v.signer,
            digest_algorithm: v.digest_algorithm,
            signature_algorithm: v.signature_algorithm,
            signature_value: v.signature_value,
            signing_time: v.signing_time,
            ess: v.ess,
            timestamp_token: v.timestamp_token,
            revocation,
            econtent,
            econtent_type,
            refused: v.refused,
            notes,
        },
        parts.content_info,
    ))
}

/// Whether the signed attributes of SignerInfo `index` (0-based, of
/// `count`) were sent in BER in the ContentInfo `original`: ContentInfo →
/// [0] → SignedData → signerInfos (last) → SignerInfo → signedAttrs (4th).
/// Unknown (false) when repeated SignerInfos were dropped, or there are
/// more than 16 (each is walked from the start).
fn signed_attributes_were_ber(original: &[u8], index: usize, count: usize) -> bool {
    if count > 16 {
        return false;
    }
    let infos = crate::ber::element_at(original, &[1, 0, usize::MAX]);
    let Ok(Some(infos)) = infos else {
        return false;
    };
    let n = (0..)
        .take_while(|k| {
            crate::ber::element_at(&original[infos.clone()], &[*k])
                .ok()
                .flatten()
                .is_some()
        })
        .take(count + 1)
        .count();
    if n != count {
        return false;
    }
    match crate::ber::element_at(&original[infos.clone()], &[index, 3]) {
        Ok(Some(r)) => matches!(
            crate::ber::to_der(&original[infos.start + r.start..infos.start + r.end]),
            Ok(Cow::Owned(_))
        ),
        _ => false,
    }
}

/// Verify the SignedData ContentInfo `der` (BER or DER; bytes after it,
/// such as the zero padding of a PDF `/Contents`, are ignored). For a
/// detached signature, `detached_digest` computes the digest of the
/// signed content with a SignerInfo's digest algorithm; otherwise the
/// encapsulated content is digested. Check [`VerifiedCms::refused`]: a
/// signature that verified may still use refused algorithms.
pub fn verify_signed_data(
    der: &[u8],
    detached_digest: Option<&dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>>,
) -> Result<VerifiedCms, CmsVerifyError> {
    verify(der, detached_digest).map(|(v, _)| v)
}

/// The signed attributes of the first SignerInfo of the DER ContentInfo
/// `der` exactly as encoded, with their `[0] IMPLICIT` tag replaced by SET
/// (0x31): the bytes the signature covers (RFC 5652 §5.4). `None` when
/// the SignerInfo has no signed attributes.
pub fn raw_signed_attributes(der: &[u8]) -> Result<Option<Vec<u8>>, CmsVerifyError> {
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
    let (ci, _) = enter(der, 0x30)?;
    let (_, _, t) = tlv(ci)?;
    let (explicit, _) = enter(&ci[t..], 0xa0)?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET,
    //   encapContentInfo, [0] certificates OPT, [1] crls OPT, signerInfos SET }
    let (sd, _) = enter(explicit, 0x30)?;
    let fields = members(sd)?;
    let infos = fields
        .last()
        .filter(|f| f[0] == 0x31 && fields.len() >= 4)
        .ok_or_else(|| fmt_err("no signerInfos in SignedData"))?;
    let (_, h, t) = tlv(infos)?;
    let first = members(&infos[h..t])?
        .into_iter()
        .next()
        .ok_or_else(|| fmt_err("no SignerInfo"))?;
    signer_info_signed_attributes(first)
}

/// A verified RFC 3161 time-stamp token.
#[derive(Clone, Debug)]
pub struct VerifiedTimestamp {
    pub gen_time: OffsetDateTime,
    pub policy: ObjectIdentifier,
    /// The token's CMS; its `refused` also lists a SHA-1 message imprint.
    pub cms: VerifiedCms,
}

/// Verify a time-stamp token (BER or DER ContentInfo): its CMS signature,
/// that it encapsulates a TSTInfo, and that the message imprint is the
/// digest of `imprinted` (the signature value for a signature
/// time-stamp, the ByteRange content for a document time-stamp, computed
/// by `imprint`): else [`CmsVerifyError::ImprintMismatch`].
pub fn verify_time_stamp_token(
    token_der: &[u8],
    imprint: &dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>,
) -> Result<VerifiedTimestamp, CmsVerifyError> {
    let (mut cms, _) = verify(token_der, None)?;
    if cms.econtent_type != oids::CT_TST_INFO {
        return Err(fmt_err("the time-stamp token does not hold a TSTInfo"));
    }
    let tst_der = cms
        .econtent
        .as_deref()
        .ok_or_else(|| fmt_err("the time-stamp token holds no TSTInfo"))?;
    let tst = crate::tsp::parse_tst_info(tst_der).map_err(|e| fmt_err(e.text))?;
    let alg = digest_any(&tst.imprint_algorithm, &mut cms.refused)?;
    let expected = imprint(alg).map_err(CmsVerifyError::Format)?;
    if expected != tst.hashed_message {
        return Err(CmsVerifyError::ImprintMismatch);
    }
    Ok(VerifiedTimestamp {
        gen_time: tst.gen_time,
        policy: tst.policy,
        cms,
    })
}

#[cfg(test)]
mod tests;
