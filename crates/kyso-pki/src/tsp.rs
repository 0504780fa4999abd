//! Time-Stamp Protocol (RFC 3161, ESS signing-certificate-v2 per RFC 5816).
//!
//! Authority side: [`parse_time_stamp_req`], [`build_time_stamp_resp`],
//! [`rejection_response`]. Client side: [`build_time_stamp_req`],
//! [`parse_time_stamp_resp`].
use std::fmt;

use der::asn1::{
    AnyRef, BitStringRef, GeneralizedTime, Int, ObjectIdentifier, OctetString, OctetStringRef,
    Utf8StringRef,
};
use der::{Any, Decode, Encode, Sequence, Tagged};
use kyso_crypto::{DigestAlgorithm, Signer};
use spki::AlgorithmIdentifier;
use time::OffsetDateTime;
use x509_cert::ext::Extensions;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TspVersion, TstInfo};

use crate::cms::{self, SignedAttributesInput, SignedDataParts};
use crate::{oids, MAX_REQUEST_DER};

/// Largest TimeStampResp [`parse_time_stamp_resp`] reads: 1 MiB.
pub const MAX_RESPONSE_DER: usize = 1024 * 1024;

/// PKIFailureInfo bits a TSA uses (RFC 3161 §2.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PkiFailureInfo {
    /// Unrecognized or unsupported algorithm identifier.
    BadAlg,
    /// Transaction not permitted or supported.
    BadRequest,
    /// The data submitted has the wrong format.
    BadDataFormat,
    /// The TSA's time source is not available.
    TimeNotAvailable,
    /// The requested TSA policy is not supported.
    UnacceptedPolicy,
    /// The requested extension is not supported.
    UnacceptedExtension,
    /// The additional information requested could not be understood.
    AddInfoNotAvailable,
    /// The request cannot be handled due to system failure.
    SystemFailure,
}

const ALL_FAILURES: [PkiFailureInfo; 8] = [
    PkiFailureInfo::BadAlg,
    PkiFailureInfo::BadRequest,
    PkiFailureInfo::BadDataFormat,
    PkiFailureInfo::TimeNotAvailable,
    PkiFailureInfo::UnacceptedPolicy,
    PkiFailureInfo::UnacceptedExtension,
    PkiFailureInfo::AddInfoNotAvailable,
    PkiFailureInfo::SystemFailure,
];

impl PkiFailureInfo {
    /// The bit number in the PKIFailureInfo BIT STRING.
    pub fn bit(self) -> u8 {
        match self {
            Self::BadAlg => 0,
            Self::BadRequest => 2,
            Self::BadDataFormat => 5,
            Self::TimeNotAvailable => 14,
            Self::UnacceptedPolicy => 15,
            Self::UnacceptedExtension => 16,
            Self::AddInfoNotAvailable => 17,
            Self::SystemFailure => 25,
        }
    }

    /// The RFC 3161 name, e.g. `badAlg`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BadAlg => "badAlg",
            Self::BadRequest => "badRequest",
            Self::BadDataFormat => "badDataFormat",
            Self::TimeNotAvailable => "timeNotAvailable",
            Self::UnacceptedPolicy => "unacceptedPolicy",
            Self::UnacceptedExtension => "unacceptedExtension",
            Self::AddInfoNotAvailable => "addInfoNotAvailable",
            Self::SystemFailure => "systemFailure",
        }
    }

    /// DER BIT STRING with only this bit set (trailing zero bits removed,
    /// X.690 §11.2.2).
    fn bit_string_der(self) -> Vec<u8> {
        let bit = usize::from(self.bit());
        let octets = bit / 8 + 1;
        let mut der = vec![0u8; octets + 3];
        der[0] = 0x03;
        der[1] = (octets + 1) as u8;
        der[2] = (7 - bit % 8) as u8;
        der[octets + 2] = 0x80 >> (bit % 8);
        der
    }
}

impl fmt::Display for PkiFailureInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a request is rejected; becomes a `rejection` TimeStampResp.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text} ({fail_info})")]
pub struct TspFailure {
    pub fail_info: PkiFailureInfo,
    pub text: String,
}

impl TspFailure {
    /// A failure with `fail_info` and a human-readable `text`.
    pub fn new(fail_info: PkiFailureInfo, text: impl Into<String>) -> Self {
        TspFailure {
            fail_info,
            text: text.into(),
        }
    }
}

fn bad_data(e: impl fmt::Display) -> TspFailure {
    TspFailure::new(PkiFailureInfo::BadDataFormat, format!("malformed: {e}"))
}

fn system(e: impl fmt::Display) -> TspFailure {
    TspFailure::new(PkiFailureInfo::SystemFailure, e.to_string())
}

/// TimeStampReq (RFC 3161 §2.4.1) as decoded: version kept as an INTEGER
/// to tell a wrong version from garbage, certReq read leniently.
#[derive(Sequence)]
struct TimeStampReqAsn1 {
    version: Int,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(optional = "true")]
    cert_req: Option<bool>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// A time-stamp request as the TSA uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeStampRequest {
    /// SHA-256, SHA-384 or SHA-512.
    pub digest_algorithm: DigestAlgorithm,
    pub hashed_message: Vec<u8>,
    pub req_policy: Option<ObjectIdentifier>,
    /// INTEGER content bytes, echoed exactly.
    pub nonce: Option<Vec<u8>>,
    pub cert_req: bool,
    /// Whether the request's hashAlgorithm carried NULL parameters; the
    /// TSTInfo repeats the messageImprint the same way.
    pub imprint_null_parameters: bool,
}

/// Parse a DER TimeStampReq. Only version 1, SHA-2 imprints of the right
/// length and no extensions are accepted.
pub fn parse_time_stamp_req(der: &[u8]) -> Result<TimeStampRequest, TspFailure> {
    if der.len() > MAX_REQUEST_DER {
        return Err(TspFailure::new(
            PkiFailureInfo::BadDataFormat,
            format!("request of {} bytes is too large", der.len()),
        ));
    }
    let req = TimeStampReqAsn1::from_der(der).map_err(bad_data)?;
    if req.version.as_bytes() != [1] {
        return Err(TspFailure::new(
            PkiFailureInfo::BadRequest,
            "unsupported request version",
        ));
    }
    let alg = &req.message_imprint.hash_algorithm;
    let digest_algorithm = match DigestAlgorithm::from_oid(&alg.oid) {
        Ok(DigestAlgorithm::Sha1) | Err(_) => {
            return Err(TspFailure::new(
                PkiFailureInfo::BadAlg,
                format!("unsupported message imprint algorithm {}", alg.oid),
            ))
        }
        Ok(d) => d,
    };
    let imprint_null_parameters = match &alg.parameters {
        None => false,
        Some(p) if *p == Any::null() => true,
        Some(_) => {
            return Err(TspFailure::new(
                PkiFailureInfo::BadAlg,
                "message imprint algorithm with parameters",
            ))
        }
    };
    let hashed_message = req.message_imprint.hashed_message.as_bytes().to_vec();
    if hashed_message.len() != digest_algorithm.output_len() {
        return Err(TspFailure::new(
            PkiFailureInfo::BadDataFormat,
            format!(
                "message imprint of {} bytes for {}",
                hashed_message.len(),
                digest_algorithm.name()
            ),
        ));
    }
    if req.extensions.is_some() {
        return Err(TspFailure::new(
            PkiFailureInfo::UnacceptedExtension,
            "request extensions are not supported",
        ));
    }
    Ok(TimeStampRequest {
        digest_algorithm,
        hashed_message,
        req_policy: req.req_policy,
        nonce: req.nonce.map(|n| n.as_bytes().to_vec()),
        cert_req: req.cert_req.unwrap_or(false),
        imprint_null_parameters,
    })
}

/// Accuracy of genTime (RFC 3161 §2.4.2); zero parts are omitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accuracy {
    pub seconds: u32,
    /// 0..=999
    pub millis: u16,
    /// 0..=999
    pub micros: u16,
}

/// The TSA's policy settings.
#[derive(Clone, Debug)]
pub struct TsaPolicy {
    /// Policy used when the request names none.
    pub policy: ObjectIdentifier,
    /// Other policies a request may ask for.
    pub accepted_policies: Vec<ObjectIdentifier>,
    pub accuracy: Accuracy,
    /// SignerInfo digest algorithm; must be the TSA signer's hash.
    pub digest_algorithm: DigestAlgorithm,
}

/// A TSA: its certificate (critical timeStamping EKU), the chain above it
/// and its key.
#[derive(Clone, Copy)]
pub struct TsaUnit<'a> {
    pub certificate: &'a Certificate,
    pub chain: &'a [Certificate],
    pub signer: &'a dyn Signer,
}

/// INTEGER content bytes for the unsigned big-endian number `magnitude`.
fn positive_integer(magnitude: &[u8]) -> Result<Int, der::Error> {
    let start = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len());
    let digits = &magnitude[start..];
    let mut bytes = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        bytes.push(0);
    }
    bytes.extend_from_slice(digits);
    Int::new(&bytes)
}

fn imprint(
    alg: DigestAlgorithm,
    hashed: &[u8],
    null_parameters: bool,
) -> Result<MessageImprint, der::Error> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifier {
            oid: alg.oid(),
            parameters: null_parameters.then(Any::null),
        },
        hashed_message: OctetString::new(hashed)?,
    })
}

fn accuracy_asn1(a: Accuracy) -> Result<Option<x509_tsp::Accuracy>, TspFailure> {
    if a.millis > 999 || a.micros > 999 {
        return Err(system("accuracy millis and micros must be 0..=999"));
    }
    if a == Accuracy::default() {
        return Ok(None);
    }
    Ok(Some(x509_tsp::Accuracy {
        seconds: (a.seconds > 0).then_some(u64::from(a.seconds)),
        millis: (a.millis > 0).then_some(a.millis as i16),
        micros: (a.micros > 0).then_some(a.micros as i16),
    }))
}

/// Time-stamp `req`: a granted TimeStampResp whose token is a SignedData
/// over a TSTInfo (policy, copied messageImprint, `serial` — an unsigned
/// big-endian number —, `gen_time`, accuracy, echoed nonce), signed with
/// contentType, messageDigest, signingCertificateV2 and signingTime. The
/// TSA certificate and chain are embedded only when certReq was set.
pub fn build_time_stamp_resp(
    req: &TimeStampRequest,
    tsa: &TsaUnit<'_>,
    policy: &TsaPolicy,
    serial: &[u8],
    gen_time: OffsetDateTime,
) -> Result<Vec<u8>, TspFailure> {
    let chosen_policy = match req.req_policy {
        None => policy.policy,
        Some(p) if p == policy.policy || policy.accepted_policies.contains(&p) => p,
        Some(p) => {
            return Err(TspFailure::new(
                PkiFailureInfo::UnacceptedPolicy,
                format!("policy {p} is not accepted"),
            ))
        }
    };
    if req.hashed_message.len() != req.digest_algorithm.output_len() {
        return Err(TspFailure::new(
            PkiFailureInfo::BadDataFormat,
            "message imprint length does not match its algorithm",
        ));
    }
    let algorithm = tsa.signer.algorithm();
    if algorithm.digest() != policy.digest_algorithm {
        return Err(system(format!(
            "TSA policy digest {} does not match the signer's {algorithm}",
            policy.digest_algorithm.name()
        )));
    }
    cms::check_signer_key(tsa.signer, tsa.certificate).map_err(system)?;
    let gen_time_asn1 = crate::time::generalized_time(gen_time).map_err(system)?;
    let tst_info = TstInfo {
        version: TspVersion::V1,
        policy: chosen_policy,
        message_imprint: imprint(
            req.digest_algorithm,
            &req.hashed_message,
            req.imprint_null_parameters,
        )
        .map_err(system)?,
        serial_number: positive_integer(serial).map_err(system)?,
        gen_time: gen_time_asn1,
        accuracy: accuracy_asn1(policy.accuracy)?,
        ordering: false,
        nonce: req
            .nonce
            .as_deref()
            .map(Int::new)
            .transpose()
            .map_err(bad_data)?,
        tsa: None,
        extensions: None,
    };
    let tst_der = tst_info.to_der().map_err(system)?;
    let message_digest = kyso_crypto::digest(policy.digest_algorithm, &tst_der);
    let attrs = cms::signed_attributes(&SignedAttributesInput {
        content_type: oids::CT_TST_INFO,
        message_digest: &message_digest,
        signer_certificate: tsa.certificate,
        signing_time: Some(gen_time),
        extra: Vec::new(),
    })
    .map_err(system)?;
    let to_sign = cms::signed_attributes_der(&attrs).map_err(system)?;
    let signature = tsa.signer.sign(&to_sign).map_err(system)?;
    let certificates = if req.cert_req {
        std::iter::once(tsa.certificate)
            .chain(tsa.chain)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let token = cms::assemble_signed_data(SignedDataParts {
        encapsulated_content_type: oids::CT_TST_INFO,
        encapsulated_content: Some(&tst_der),
        digest_algorithm: policy.digest_algorithm,
        signature_algorithm: algorithm,
        signed_attributes: attrs,
        signature,
        signer_certificate: tsa.certificate,
        certificates,
        unsigned_attributes: Vec::new(),
    })
    .map_err(system)?;
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo { granted }, token }
    const GRANTED: [u8; 5] = [0x30, 0x03, 0x02, 0x01, 0x00];
    let body_len = GRANTED.len() + token.len();
    let header = der::Header::new(
        der::Tag::Sequence,
        der::Length::try_from(body_len).map_err(system)?,
    )
    .map_err(system)?;
    let mut out = Vec::with_capacity(body_len + 6);
    header.encode_to_vec(&mut out).map_err(system)?;
    out.extend_from_slice(&GRANTED);
    out.extend_from_slice(&token);
    Ok(out)
}

/// PKIStatusInfo (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct PkiStatusInfoAsn1<'a> {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<Utf8StringRef<'a>>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitStringRef<'a>>,
}

/// TimeStampResp (RFC 3161 §2.4.2), token kept undecoded.
#[derive(Sequence)]
struct TimeStampRespAsn1<'a> {
    status: PkiStatusInfoAsn1<'a>,
    #[asn1(optional = "true")]
    time_stamp_token: Option<AnyRef<'a>>,
}

/// A `rejection` TimeStampResp carrying `f`'s text and failure bit.
pub fn rejection_response(f: &TspFailure) -> Vec<u8> {
    let bits = f.fail_info.bit_string_der();
    let encode = |text: &str| -> Result<Vec<u8>, der::Error> {
        TimeStampRespAsn1 {
            status: PkiStatusInfoAsn1 {
                status: PkiStatus::Rejection as u8,
                status_string: Some(vec![Utf8StringRef::new(text)?]),
                fail_info: Some(BitStringRef::from_der(&bits)?),
            },
            time_stamp_token: None,
        }
        .to_der()
    };
    let text: String = f.text.chars().take(512).collect();
    encode(&text)
        .or_else(|_| encode("rejected"))
        .unwrap_or_else(|_| vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02])
}

/// Build a DER TimeStampReq. `nonce` is read as an unsigned big-endian
/// number.
pub fn build_time_stamp_req(
    digest_algorithm: DigestAlgorithm,
    hashed_message: &[u8],
    nonce: Option<&[u8]>,
    cert_req: bool,
    policy: Option<ObjectIdentifier>,
) -> Result<Vec<u8>, TspFailure> {
    let req = x509_tsp::TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint(digest_algorithm, hashed_message, true).map_err(bad_data)?,
        req_policy: policy,
        nonce: nonce.map(positive_integer).transpose().map_err(bad_data)?,
        cert_req,
        extensions: None,
    };
    req.to_der().map_err(bad_data)
}

/// PKIStatus values (RFC 3161 §2.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkiStatus {
    Granted = 0,
    GrantedWithMods = 1,
    Rejection = 2,
    Waiting = 3,
    RevocationWarning = 4,
    RevocationNotification = 5,
}

impl PkiStatus {
    fn from_code(c: u8) -> Option<Self> {
        use PkiStatus::*;
        [
            Granted,
            GrantedWithMods,
            Rejection,
            Waiting,
            RevocationWarning,
            RevocationNotification,
        ]
        .into_iter()
        .find(|s| *s as u8 == c)
    }
}

/// TSTInfo fields as read by a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedTstInfo {
    pub policy: ObjectIdentifier,
    /// serialNumber INTEGER content bytes.
    pub serial: Vec<u8>,
    pub gen_time: OffsetDateTime,
    /// nonce INTEGER content bytes.
    pub nonce: Option<Vec<u8>>,
    pub accuracy: Option<Accuracy>,
    pub imprint_algorithm: ObjectIdentifier,
    pub hashed_message: Vec<u8>,
    /// The encapsulated TSTInfo DER (what messageDigest covers).
    pub tst_info_der: Vec<u8>,
}

/// A TimeStampResp as read by a client. The token's signature is not
/// checked here.
#[derive(Clone, Debug)]
pub struct ParsedTimeStampResp {
    pub status: PkiStatus,
    pub status_text: Vec<String>,
    pub fail_info: Vec<PkiFailureInfo>,
    /// The timeStampToken (ContentInfo) DER, when granted.
    pub token_der: Option<Vec<u8>>,
    pub tst_info: Option<ParsedTstInfo>,
}

/// TSTInfo as decoded by clients: genTime is read by hand because other
/// TSAs write fractional seconds, which `der`'s GeneralizedTime refuses.
#[derive(Sequence)]
struct TstInfoAsn1<'a> {
    version: TspVersion,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: AnyRef<'a>,
    #[asn1(optional = "true")]
    accuracy: Option<x509_tsp::Accuracy>,
    #[asn1(optional = "true")]
    ordering: Option<bool>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<AnyRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// GeneralizedTime `YYYYMMDDHHMMSS[.f+]Z`, fractions dropped.
fn read_generalized_time(t: AnyRef<'_>) -> Result<OffsetDateTime, TspFailure> {
    if t.tag() != der::Tag::GeneralizedTime {
        return Err(bad_data("genTime is not a GeneralizedTime"));
    }
    let s = t.value();
    let whole = match s.iter().position(|b| *b == b'.') {
        Some(dot) => {
            let frac = &s[dot + 1..];
            if frac.len() < 2
                || frac.last() != Some(&b'Z')
                || !frac[..frac.len() - 1].iter().all(u8::is_ascii_digit)
            {
                return Err(bad_data("bad genTime fraction"));
            }
            let mut w = s[..dot].to_vec();
            w.push(b'Z');
            w
        }
        None => s.to_vec(),
    };
    let g = AnyRef::new(der::Tag::GeneralizedTime, &whole)
        .and_then(|a| a.decode_as::<GeneralizedTime>())
        .map_err(bad_data)?;
    Ok(crate::time::from_generalized_time(&g))
}

fn read_token(token_der: &[u8]) -> Result<ParsedTstInfo, TspFailure> {
    let sd = cms::parse_signed_data(token_der).map_err(bad_data)?;
    if sd.encap_content_info.econtent_type != oids::CT_TST_INFO {
        return Err(bad_data("token does not encapsulate a TSTInfo"));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| bad_data("token without TSTInfo"))?;
    let tst_der = econtent
        .decode_as::<OctetStringRef<'_>>()
        .map_err(bad_data)?
        .as_bytes()
        .to_vec();
    parse_tst_info(&tst_der)
}

/// Read a DER TSTInfo (the encapsulated content of a time-stamp token).
pub fn parse_tst_info(tst_der: &[u8]) -> Result<ParsedTstInfo, TspFailure> {
    let tst = TstInfoAsn1::from_der(tst_der).map_err(bad_data)?;
    let accuracy = tst.accuracy.map(|a| Accuracy {
        seconds: a.seconds.unwrap_or(0).min(u64::from(u32::MAX)) as u32,
        millis: a.millis.unwrap_or(0).clamp(0, 999) as u16,
        micros: a.micros.unwrap_or(0).clamp(0, 999) as u16,
    });
    Ok(ParsedTstInfo {
        policy: tst.policy,
        serial: tst.serial_number.as_bytes().to_vec(),
        gen_time: read_generalized_time(tst.gen_time)?,
        nonce: tst.nonce.map(|n| n.as_bytes().to_vec()),
        accuracy,
        imprint_algorithm: tst.message_imprint.hash_algorithm.oid,
        hashed_message: tst.message_imprint.hashed_message.as_bytes().to_vec(),
        tst_info_der: tst_der.to_vec(),
    })
}

/// Read the TSTInfo of a time-stamp token (DER ContentInfo). The token's
/// signature is not checked here (see [`crate::cms_verify`]).
pub fn parse_time_stamp_token(token_der: &[u8]) -> Result<ParsedTstInfo, TspFailure> {
    read_token(token_der)
}

/// Read a DER TimeStampResp and, when granted, its TSTInfo.
pub fn parse_time_stamp_resp(der: &[u8]) -> Result<ParsedTimeStampResp, TspFailure> {
    if der.len() > MAX_RESPONSE_DER {
        return Err(bad_data(format!("response of {} bytes", der.len())));
    }
    let resp = TimeStampRespAsn1::from_der(der).map_err(bad_data)?;
    let status = PkiStatus::from_code(resp.status.status)
        .ok_or_else(|| bad_data(format!("unknown PKIStatus {}", resp.status.status)))?;
    let status_text = resp
        .status
        .status_string
        .iter()
        .flatten()
        .map(|s| s.as_str().to_string())
        .collect();
    let fail_info = match resp.status.fail_info {
        None => Vec::new(),
        Some(bits) => {
            let bytes = bits.raw_bytes();
            let bit_len = bits.bit_len();
            ALL_FAILURES
                .into_iter()
                .filter(|f| {
                    let n = usize::from(f.bit());
                    n < bit_len && bytes.get(n / 8).is_some_and(|b| b & (0x80 >> (n % 8)) != 0)
                })
                .collect()
        }
    };
    let (token_der, tst_info) = match resp.time_stamp_token {
        Some(token) => {
            let token_der = token.to_der().map_err(bad_data)?;
            let tst = read_token(&token_der)?;
            (Some(token_der), Some(tst))
        }
        None => (None, None),
    };
    Ok(ParsedTimeStampResp {
        status,
        status_text,
        fail_info,
        token_der,
        tst_info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_info_bits_are_named_bit_strings() {
        assert_eq!(
            PkiFailureInfo::BadAlg.bit_string_der(),
            [0x03, 0x02, 0x07, 0x80]
        );
        assert_eq!(
            PkiFailureInfo::SystemFailure.bit_string_der(),
            [0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40]
        );
        assert_eq!(
            PkiFailureInfo::BadDataFormat.bit_string_der(),
            [0x03, 0x02, 0x02, 0x04]
        );
        for f in ALL_FAILURES {
            let der = rejection_response(&TspFailure::new(f, "no"));
            let p = parse_time_stamp_resp(&der).unwrap();
            assert_eq!(p.status, PkiStatus::Rejection);
            assert_eq!(p.fail_info, vec![f]);
            assert_eq!(p.status_text, vec!["no".to_string()]);
        }
    }

    #[test]
    fn requests_round_trip_and_sha1_is_bad_alg() {
        let h = kyso_crypto::digest(DigestAlgorithm::Sha256, b"abc");
        let der = build_time_stamp_req(DigestAlgorithm::Sha256, &h, Some(&[0xff, 1]), true, None)
            .unwrap();
        let r = parse_time_stamp_req(&der).unwrap();
        assert_eq!(r.hashed_message, h);
        assert_eq!(r.nonce.as_deref(), Some(&[0x00, 0xff, 0x01][..]));
        assert!(r.cert_req);
        let h1 = kyso_crypto::digest(DigestAlgorithm::Sha1, b"abc");
        let der = build_time_stamp_req(DigestAlgorithm::Sha1, &h1, None, false, None).unwrap();
        assert_eq!(
            parse_time_stamp_req(&der).unwrap_err().fail_info,
            PkiFailureInfo::BadAlg
        );
        let der = build_time_stamp_req(DigestAlgorithm::Sha256, &h1, None, false, None).unwrap();
        assert_eq!(
            parse_time_stamp_req(&der).unwrap_err().fail_info,
            PkiFailureInfo::BadDataFormat
        );
    }

    #[test]
    fn fractional_gen_time_is_read() {
        let t = AnyRef::new(der::Tag::GeneralizedTime, b"20240102030405.123Z").unwrap();
        assert_eq!(
            read_generalized_time(t).unwrap(),
            time::macros::datetime!(2024-01-02 03:04:05 UTC)
        );
        let t = AnyRef::new(der::Tag::GeneralizedTime, b"20240102030405.Z").unwrap();
        assert!(read_generalized_time(t).is_err());
    }

    #[test]
    fn serials_are_positive_minimal_integers() {
        assert_eq!(positive_integer(&[0, 0, 5]).unwrap().as_bytes(), [5]);
        assert_eq!(positive_integer(&[0x80]).unwrap().as_bytes(), [0, 0x80]);
        assert_eq!(positive_integer(&[]).unwrap().as_bytes(), [0]);
    }
}
