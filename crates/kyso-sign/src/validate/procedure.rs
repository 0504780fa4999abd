//! The validation procedure of DESIGN §7 (ETSI EN 319 102-1 with the
//! PAdES checks): format and ByteRange, CMS, signing-certificate binding,
//! cryptographic constraints, signature time-stamp, path and revocation,
//! modification analysis. No network I/O: revocation evidence that is not
//! embedded comes from the caller's [`EvidenceFetcher`].
use std::path::Path;

use kyso_crypto::DigestAlgorithm;
use kyso_pdf::lopdf::Object;
use kyso_pdf::revision::Revisions;
use kyso_pdf::signature_dict::{self, SignatureField, SignatureKind};
use kyso_pdf::{DssMaterial, PdfError};
use kyso_pki::cms_verify::{self, CmsVerifyError, VerifiedCms};
use kyso_pki::path::{
    self, PathError, RevocationEvidence, RevocationPolicy, RevocationSource, RevocationStatus,
    ValidationOptions,
};
use kyso_pki::time::iso8601_vn;
use kyso_pki::trust::TrustStore;
use time::OffsetDateTime;
use x509_cert::Certificate;

use super::report::*;

/// Largest PDF validated: 2 GiB.
pub const MAX_PDF_BYTES: usize = 2 * 1024 * 1024 * 1024;
/// At most this many signatures are validated.
pub const MAX_SIGNATURES: usize = 256;

/// Fetches revocation evidence for a chain (end entity first, each
/// certificate followed by its issuer). Returns the evidence and a note
/// per certificate for which nothing answered.
pub type EvidenceFetcher<'a> = &'a dyn Fn(&[Certificate]) -> (RevocationEvidence, Vec<String>);

/// Fetches the certificate(s) an AIA caIssuers URL points to (RFC 5280
/// §4.2.2.1: DER, PEM or a PKCS#7 certs-only bundle), for path building
/// when an intermediate is missing. The caller does the network I/O.
pub type IssuerFetcher<'a> = &'a dyn Fn(&str) -> Result<Vec<Certificate>, String>;

/// Rounds of AIA caIssuers fetching per path (each may add one level).
const MAX_AIA_ROUNDS: usize = 4;

/// What a validation runs against.
pub struct ValidationContext<'a> {
    pub trust: &'a TrustStore,
    /// Further certificates that may complete paths (intermediates).
    pub extra_certificates: Vec<Certificate>,
    /// `None`: offline, only embedded revocation data is used.
    pub fetch: Option<EvidenceFetcher<'a>>,
    /// `None`: offline, missing intermediates are not fetched from the
    /// AIA caIssuers URLs of the certificates.
    pub fetch_issuer: Option<IssuerFetcher<'a>>,
    /// The current time.
    pub now: OffsetDateTime,
    /// The date printed on the document (`--document-date`), compared
    /// with the signing date.
    pub document_date: Option<time::Date>,
}

/// The file cannot be read at all (`kyso verify` exits 3).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("tệp quá lớn / file too large ({0} bytes)")]
    TooLarge(usize),
    #[error("lỗi đọc tệp / I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Not a PDF (no `%PDF-` header in the first 1024 bytes), no `%%EOF`
    /// at all (cut off before its first revision ends), no readable
    /// cross-reference data, or no document catalog.
    #[error("không đọc được tệp PDF / cannot read the PDF: {0}")]
    Unreadable(PdfError),
}

struct Outcome {
    indication: Indication,
    sub: Option<SubIndication>,
    vi: String,
    en: String,
}

fn fail(sub: SubIndication, vi: impl Into<String>, en: impl Into<String>) -> Outcome {
    let indication = match sub {
        SubIndication::FormatFailure
        | SubIndication::HashFailure
        | SubIndication::SigCryptoFailure
        | SubIndication::Revoked
        | SubIndication::DisallowedModification => Indication::TotalFailed,
        _ => Indication::Indeterminate,
    };
    Outcome {
        indication,
        sub: Some(sub),
        vi: vi.into(),
        en: en.into(),
    }
}

fn passed(vi: impl Into<String>, en: impl Into<String>) -> Outcome {
    Outcome {
        indication: Indication::TotalPassed,
        sub: None,
        vi: vi.into(),
        en: en.into(),
    }
}

/// Certificate fields for the report.
pub fn certificate_info(c: &Certificate) -> CertificateInfo {
    use der::Encode;
    let tbs = &c.tbs_certificate;
    let subject = kyso_pki::name::SubjectName::from_name(&tbs.subject).ok();
    let der = c.to_der().unwrap_or_default();
    CertificateInfo {
        subject: kyso_pki::name::display_name(&tbs.subject),
        common_name: kyso_pki::name::common_name(&tbs.subject),
        organization: subject.as_ref().and_then(|s| s.organization.clone()),
        organizational_units: subject
            .as_ref()
            .map(|s| s.organizational_units.clone())
            .unwrap_or_default(),
        email: subject.as_ref().and_then(|s| s.email.clone()),
        issuer: kyso_pki::name::display_name(&tbs.issuer),
        serial: kyso_pki::certificate::serial_hex(c),
        not_before: iso8601_vn(kyso_pki::time::from_x509_time(&tbs.validity.not_before)),
        not_after: iso8601_vn(kyso_pki::time::from_x509_time(&tbs.validity.not_after)),
        sha256: kyso_pki::certificate::fingerprint_sha256(&der),
    }
}

fn cms_outcome(e: &CmsVerifyError) -> Outcome {
    let sub = match e {
        CmsVerifyError::Format(_) => SubIndication::FormatFailure,
        CmsVerifyError::NoSigningCertificate(_) => SubIndication::NoSigningCertificateFound,
        CmsVerifyError::HashFailure | CmsVerifyError::ImprintMismatch => SubIndication::HashFailure,
        CmsVerifyError::SignatureInvalid(_) => SubIndication::SigCryptoFailure,
        CmsVerifyError::WeakAlgorithm(_) => SubIndication::CryptoConstraintsFailure,
    };
    let m = e.to_string();
    let (vi, en) = m.split_once(" / ").unwrap_or((&m, &m));
    let mut o = fail(sub, vi, en);
    if sub == SubIndication::CryptoConstraintsFailure {
        // Circular 15/2025: SHA-1 and short keys fail outright.
        o.indication = Indication::TotalFailed;
    }
    o
}

fn path_outcome(e: &PathError, has_poe: bool) -> Outcome {
    let msg = e.to_string();
    let sub = match e {
        PathError::NoPathToTrustAnchor { .. } => SubIndication::NoCertificateChainFound,
        PathError::Expired { .. } | PathError::NotYetValid { .. } => {
            let _ = has_poe;
            SubIndication::OutOfBoundsNoPoe
        }
        PathError::Revoked { .. } => SubIndication::Revoked,
        // EN 319 102-1 (V1.3.1) §5.2.6 and table 5: when the revocation
        // status of a certificate of an otherwise valid path cannot be
        // established, the X.509 validation block returns INDETERMINATE
        // with TRY_LATER ("the revocation status information is not
        // available yet; the validation may succeed later", e.g. online
        // or once the next CRL is out). The other candidates do not fit:
        // REVOKED_NO_POE and REVOCATION_OUT_OF_BOUNDS_NO_POE need
        // revocation information that says or dates something (here
        // there is none), CERTIFICATE_CHAIN_GENERAL_FAILURE is for a
        // chain that is wrong, and NO_CERTIFICATE_CHAIN_FOUND for one
        // that is absent; this path was built and checked.
        PathError::RevocationUnknown { .. } => SubIndication::TryLater,
        PathError::WeakKey { .. } | PathError::WeakAlgorithm { .. } => {
            SubIndication::CryptoConstraintsFailure
        }
        PathError::BadSignature { .. } | PathError::Malformed(_) => {
            SubIndication::CertificateChainGeneralFailure
        }
        _ => SubIndication::ChainConstraintsFailure,
    };
    let vi = match sub {
        SubIndication::NoCertificateChainFound => "không dựng được đường dẫn tới điểm tin cậy",
        SubIndication::OutOfBoundsNoPoe => "chứng thư số hết hạn hoặc chưa có hiệu lực và không có dấu thời gian chứng minh thời điểm ký",
        SubIndication::Revoked => "chứng thư số đã bị thu hồi trước thời điểm ký",
        SubIndication::TryLater => "không có thông tin thu hồi (OCSP/CRL) nào trả lời; hãy kiểm tra lại sau",
        SubIndication::CryptoConstraintsFailure => "thuật toán hoặc độ dài khóa không đạt Thông tư 15/2025",
        _ => "đường dẫn chứng thư số không hợp lệ",
    };
    fail(sub, vi, msg)
}

/// What a path error says about "certificate valid at signing time":
/// the INDETERMINATE cases (no revocation information, no path to an
/// anchor, expired or not yet valid without proof of existence of the
/// signature in the validity period) leave it unknown; the others
/// (revoked, a broken or constrained chain, weak keys) are failures.
fn path_check(e: &PathError) -> Check {
    match e {
        PathError::RevocationUnknown { .. }
        | PathError::NoPathToTrustAnchor { .. }
        | PathError::Expired { .. }
        | PathError::NotYetValid { .. } => Check::Unknown,
        _ => Check::Failed,
    }
}

/// The revocation status alone is missing: the path is still shown (with
/// `unknown` rows for the certificates nothing answered for), validated
/// with [`RevocationPolicy::BestEffort`].
#[allow(clippy::too_many_arguments)]
fn partial_path(
    cert: &Certificate,
    certs: &[Certificate],
    embedded: &RevocationEvidence,
    ctx: &ValidationContext<'_>,
    time: OffsetDateTime,
    eku: Option<der::asn1::ObjectIdentifier>,
    r: &mut SignatureReport,
) {
    let mut opts = ValidationOptions::at(time);
    opts.required_eku = eku;
    opts.revocation = RevocationPolicy::BestEffort;
    if let Ok(p) = path::validate_path(cert, certs, ctx.trust, embedded, &opts) {
        r.chain = p.certificates.iter().map(certificate_info).collect();
        r.revocation = revocation_rows(&p);
    }
}

fn revocation_rows(p: &path::ValidatedPath) -> Vec<RevocationInfo> {
    p.revocation
        .iter()
        .map(|(serial, st)| {
            let (status, source) = match st {
                RevocationStatus::Good { source, .. } => ("good", Some(*source)),
                RevocationStatus::Revoked { source, .. } => ("revoked", Some(*source)),
                RevocationStatus::Unknown => ("unknown", None),
            };
            RevocationInfo {
                serial: serial.clone(),
                status: status.into(),
                source: source.map(|s| {
                    match s {
                        RevocationSource::Ocsp => "ocsp",
                        RevocationSource::Crl => "crl",
                        RevocationSource::NoCheck => "ocsp-nocheck",
                    }
                    .into()
                }),
            }
        })
        .collect()
}

/// The highest certificate reachable from `cert` through issuer names
/// among `certs`: the one whose issuer is missing when no path is found.
fn top_of_partial_chain<'c>(cert: &'c Certificate, certs: &'c [Certificate]) -> &'c Certificate {
    let mut cur = cert;
    for _ in 0..MAX_AIA_ROUNDS * 4 {
        let tbs = &cur.tbs_certificate;
        if tbs.subject == tbs.issuer {
            break;
        }
        match certs
            .iter()
            .find(|c| c.tbs_certificate.subject == tbs.issuer && *c != cur)
        {
            Some(next) => cur = next,
            None => break,
        }
    }
    cur
}

/// No path to a trust anchor: fetch the missing issuer from the AIA
/// caIssuers URLs of the top of the partial chain (not offline), record
/// what came from where, and try again; up to [`MAX_AIA_ROUNDS`] levels.
#[allow(clippy::too_many_arguments)]
fn complete_with_aia(
    cert: &Certificate,
    certs: &mut Vec<Certificate>,
    embedded: &RevocationEvidence,
    ctx: &ValidationContext<'_>,
    opts: &ValidationOptions,
    mut result: Result<path::ValidatedPath, PathError>,
    warnings: &mut Vec<String>,
    fetched: &mut Vec<FetchedCertificate>,
) -> Result<path::ValidatedPath, PathError> {
    let Some(fetch) = ctx.fetch_issuer else {
        return result;
    };
    let mut tried: Vec<String> = Vec::new();
    for _ in 0..MAX_AIA_ROUNDS {
        let Err(PathError::NoPathToTrustAnchor { .. }) = &result else {
            break;
        };
        let top = top_of_partial_chain(cert, certs).clone();
        let urls: Vec<String> = path::ca_issuers_urls(&top)
            .into_iter()
            .filter(|u| !tried.contains(u))
            .collect();
        if urls.is_empty() {
            break;
        }
        let mut added = false;
        for url in urls {
            tried.push(url.clone());
            match fetch(&url) {
                Ok(found) => {
                    for c in found {
                        // Only a certificate that issues `top` helps.
                        if c.tbs_certificate.subject != top.tbs_certificate.issuer
                            || certs.contains(&c)
                        {
                            continue;
                        }
                        fetched.push(FetchedCertificate {
                            url: url.clone(),
                            for_subject: kyso_pki::name::display_name(&top.tbs_certificate.subject),
                            certificate: certificate_info(&c),
                        });
                        certs.push(c);
                        added = true;
                    }
                }
                Err(e) => warnings.push(format!(
                    "không tải được chứng thư của tổ chức cấp (AIA caIssuers) / cannot fetch the issuer certificate (AIA caIssuers) from {url}: {e}"
                )),
            }
            if added {
                break;
            }
        }
        if !added {
            break;
        }
        result = path::validate_path(cert, certs, ctx.trust, embedded, opts);
    }
    result
}

/// Path validation with embedded evidence first, then fetched evidence;
/// a missing intermediate is fetched from AIA caIssuers when online.
/// Returns the path (or the error); warnings and fetched certificates go
/// to `warnings` and `fetched`.
#[allow(clippy::too_many_arguments)]
fn validate_chain(
    cert: &Certificate,
    certs: &mut Vec<Certificate>,
    embedded: &RevocationEvidence,
    ctx: &ValidationContext<'_>,
    time: OffsetDateTime,
    eku: Option<der::asn1::ObjectIdentifier>,
    warnings: &mut Vec<String>,
    fetched: &mut Vec<FetchedCertificate>,
) -> Result<path::ValidatedPath, PathError> {
    let mut opts = ValidationOptions::at(time);
    opts.required_eku = eku;
    let first = path::validate_path(cert, certs, ctx.trust, embedded, &opts);
    let first = complete_with_aia(cert, certs, embedded, ctx, &opts, first, warnings, fetched);
    let certs: &[Certificate] = certs;
    match first {
        Err(PathError::RevocationUnknown { .. }) => {}
        other => return other,
    }
    // Which chain? Validate without revocation to learn it, then fetch.
    let mut skip = opts.clone();
    skip.revocation = RevocationPolicy::Skip;
    let chain = path::validate_path(cert, certs, ctx.trust, embedded, &skip)?;
    let Some(fetch) = ctx.fetch else {
        warnings.push("chế độ ngoại tuyến: không hỏi OCSP/CRL, không có dữ liệu thu hồi nhúng trong tệp / offline: no embedded revocation data and OCSP/CRL were not asked".into());
        return path::validate_path(cert, certs, ctx.trust, embedded, &opts);
    };
    let (fetched, missing) = fetch(&chain.certificates);
    for m in missing {
        warnings.push(format!(
            "không nhận được thông tin thu hồi / no revocation information answered: {m}"
        ));
    }
    let mut all = embedded.clone();
    all.crls.extend(fetched.crls);
    all.ocsp_responses.extend(fetched.ocsp_responses);
    path::validate_path(cert, certs, ctx.trust, &all, &opts)
}

/// The digest of `ranges` (offset, length) of the file, read in chunks.
fn digest_ranges(
    revs: &Revisions,
    ranges: &[(usize, usize)],
    alg: DigestAlgorithm,
) -> Result<Vec<u8>, String> {
    let mut h = kyso_crypto::Hasher::new(alg);
    let ranges: Vec<(u64, u64)> = ranges.iter().map(|(s, l)| (*s as u64, *l as u64)).collect();
    revs.feed(&ranges, |c| h.update(c))
        .map_err(|e| e.to_string())?;
    Ok(h.finish())
}

/// Whether the file holds only white space from `from` on.
fn all_white_after(revs: &Revisions, from: u64) -> bool {
    let mut at = from;
    while at < revs.len() {
        let Ok(chunk) = revs.read(at, 64 * 1024) else {
            return false;
        };
        if chunk.is_empty() || !chunk.iter().all(u8::is_ascii_whitespace) {
            return chunk.is_empty();
        }
        at += chunk.len() as u64;
    }
    true
}

/// Checks the ByteRange strictly: `[0 a b c]`, the gap `[a, b)` is exactly
/// the hex `/Contents` string of this signature dictionary, inside that
/// dictionary's object, and `b + c` ends a revision. Returns the end of
/// the signed revision.
fn check_byte_range(
    revs: &Revisions,
    field: &SignatureField,
    sig_offset: Option<usize>,
) -> Result<usize, String> {
    let br = &field.byte_range;
    if br.len() != 4 {
        return Err(format!(
            "/ByteRange có {} số thay vì 4 / /ByteRange has {} numbers instead of 4",
            br.len(),
            br.len()
        ));
    }
    if br.iter().any(|v| *v < 0) || br[0] != 0 {
        return Err("/ByteRange phải bắt đầu bằng 0 và không âm / /ByteRange must start at 0 with non-negative values".into());
    }
    let len = revs.len();
    let (a, b, c) = (br[1] as u128, br[2] as u128, br[3] as u128);
    if a >= b || b + c > len as u128 {
        return Err(format!("/ByteRange [0 {a} {b} {c}] nằm ngoài tệp hoặc chồng lấn / /ByteRange [0 {a} {b} {c}] overlaps or lies outside the file ({len} bytes)"));
    }
    let (a, b, c) = (a as usize, b as usize, c as usize);
    let io = |e: PdfError| e.to_string();
    if !revs.is_revision_end((b + c) as u64).map_err(io)? {
        return Err(format!("/ByteRange không kết thúc ở cuối một phiên bản (%%EOF) / /ByteRange ends at {} which is not the end of a revision (%%EOF)", b + c));
    }
    let byte = |at: usize| {
        revs.read(at as u64, 1)
            .ok()
            .and_then(|v| v.first().copied())
    };
    if byte(a) != Some(b'<') || byte(b - 1) != Some(b'>') {
        return Err("khoảng trống của /ByteRange không phải chuỗi hex /Contents / the /ByteRange gap is not the hex /Contents string".into());
    }
    // The gap must be this signature's /Contents: as long, then equal
    // (read only once its length is known to be right).
    let not_ours = "khoảng trống của /ByteRange không phải /Contents của chữ ký này / the /ByteRange gap is not this signature's /Contents";
    let non_hex = "khoảng trống của /ByteRange chứa ký tự không phải hex / the /ByteRange gap holds non-hex bytes";
    if b - a - 2 != 2 * field.contents.len() {
        let inner = revs
            .read(a as u64 + 1, (b - a - 2).min(1 << 20))
            .map_err(io)?;
        if !inner.iter().all(u8::is_ascii_hexdigit) {
            return Err(non_hex.into());
        }
        return Err(not_ours.into());
    }
    let inner = revs.read(a as u64 + 1, b - a - 2).map_err(io)?;
    if !inner.iter().all(u8::is_ascii_hexdigit) || !inner.len().is_multiple_of(2) {
        return Err(non_hex.into());
    }
    let decoded = hex::decode(inner).map_err(|e| e.to_string())?;
    if decoded != field.contents {
        return Err(not_ours.into());
    }
    let pre = revs
        .read(a.saturating_sub(64) as u64, a.min(64))
        .map_err(io)?;
    let trimmed = pre.trim_ascii_end();
    if !trimmed.ends_with(b"/Contents") {
        return Err("khoảng trống của /ByteRange không đứng sau khóa /Contents / the /ByteRange gap does not follow the /Contents key".into());
    }
    match sig_offset {
        Some(off) => {
            // The dictionary's object must not end before the gap does.
            let ends_before = off < b
                && revs
                    .find(b"endobj", off as u64, (b - off) as u64)
                    .map_err(io)?
                    .is_some();
            if off >= a || ends_before {
                return Err("/Contents được ký nằm ngoài từ điển chữ ký / the signed /Contents lies outside the signature dictionary object".into());
            }
        }
        None => {
            return Err("từ điển chữ ký phải là đối tượng gián tiếp không nén / the signature dictionary must be an uncompressed indirect object".into())
        }
    }
    Ok(b + c)
}

/// Certificates and revocation data of the DSS (read by kyso-pdf through
/// its bounded decoder), and whether the document has a DSS.
fn dss_evidence(m: &DssMaterial, has_dss: bool) -> (Vec<Certificate>, RevocationEvidence, bool) {
    let certs = m
        .certs
        .iter()
        .filter_map(|der| kyso_pki::certificate::parse_certificate(der).ok())
        .collect();
    let small = |v: &Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        v.iter()
            .filter(|d| d.len() <= path::MAX_EVIDENCE_DER)
            .cloned()
            .collect()
    };
    let ev = RevocationEvidence {
        ocsp_responses: small(&m.ocsps),
        crls: small(&m.crls),
    };
    (certs, ev, has_dss)
}

fn merge(a: &RevocationEvidence, b: &RevocationEvidence) -> RevocationEvidence {
    let mut r = a.clone();
    r.crls.extend(b.crls.iter().cloned());
    r.ocsp_responses.extend(b.ocsp_responses.iter().cloned());
    r
}

const KP_TIME_STAMPING: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Verifies a time-stamp token and its TSA path.
fn timestamp_info(
    token: &[u8],
    imprint: &dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>,
    extra: &[Certificate],
    embedded: &RevocationEvidence,
    ctx: &ValidationContext<'_>,
    warnings: &mut Vec<String>,
    fetched: &mut Vec<FetchedCertificate>,
) -> (Option<TimestampInfo>, Option<OffsetDateTime>) {
    match cms_verify::verify_time_stamp_token(token, imprint) {
        Err(e) => {
            warnings.push(format!(
                "dấu thời gian không hợp lệ / invalid time-stamp token: {e}"
            ));
            (
                Some(TimestampInfo {
                    time: String::new(),
                    tsa: None,
                    intact: false,
                    // Not evaluated: the token itself is broken.
                    trusted: Check::Unknown,
                    problem: Some(e.to_string()),
                }),
                None,
            )
        }
        Ok(ts) if !ts.cms.refused.is_empty() => {
            // Intact, but no proof of time under Circular 15/2025.
            let list = refused_list(&ts.cms.refused);
            let problem = format!("dấu thời gian dùng thuật toán không được phép theo Thông tư 15/2025 / the time-stamp uses algorithms Circular 15/2025 does not allow: {list}");
            warnings.push(problem.clone());
            (
                Some(TimestampInfo {
                    time: iso8601_vn(ts.gen_time),
                    tsa: Some(certificate_info(&ts.cms.signer)),
                    intact: true,
                    trusted: Check::Failed,
                    problem: Some(problem),
                }),
                None,
            )
        }
        Ok(ts) => {
            let mut certs = ts.cms.certificates.clone();
            certs.extend(extra.iter().cloned());
            let ev = merge(embedded, &ts.cms.revocation);
            let mut w = Vec::new();
            // The TSA's own path is checked at the time it proves.
            let r = validate_chain(
                &ts.cms.signer,
                &mut certs,
                &ev,
                ctx,
                ts.gen_time,
                Some(KP_TIME_STAMPING),
                &mut w,
                fetched,
            );
            let (trusted, problem) = match r {
                Ok(p) => {
                    w.extend(p.warnings);
                    (Check::Passed, None)
                }
                Err(e) => (path_check(&e), Some(e.to_string())),
            };
            for x in w {
                warnings.push(format!("TSA: {x}"));
            }
            if let Some(p) = &problem {
                warnings.push(format!(
                    "chứng thư TSA không tin cậy / the TSA certificate is not trusted: {p}"
                ));
            }
            (
                Some(TimestampInfo {
                    time: iso8601_vn(ts.gen_time),
                    tsa: Some(certificate_info(&ts.cms.signer)),
                    intact: true,
                    trusted,
                    problem,
                }),
                trusted.is_passed().then_some(ts.gen_time),
            )
        }
    }
}

fn refused_list(refused: &[cms_verify::RefusedAlgorithm]) -> String {
    refused
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The verified CMS in the report: integrity, algorithms, what Circular
/// 15/2025 refuses, and how the CMS departs from one DER SignedData with
/// one SignerInfo (the departures that bear on the signature are also
/// warnings; what the signature does not cover is only listed).
fn record_cms(r: &mut SignatureReport, cms: &VerifiedCms) {
    use kyso_pki::cms_verify::CmsNote;
    r.integrity = Check::Passed;
    r.digest_algorithm = Some(cms.digest_algorithm.name().into());
    r.signature_algorithm = Some(cms.signature_algorithm.to_string());
    r.cms_signing_time = cms.signing_time.map(iso8601_vn);
    r.refused_algorithms = cms.refused.iter().map(ToString::to_string).collect();
    for n in &cms.notes {
        let m = n.to_string();
        let (vi, en) = m.split_once(" / ").unwrap_or((&m, &m));
        r.cms_notes.push(CmsNoteInfo {
            code: n.code().into(),
            message_vi: vi.into(),
            message_en: en.into(),
        });
        if matches!(
            n,
            CmsNote::SignedAttributesBer
                | CmsNote::SignedAttributesNotInDerOrder
                | CmsNote::SeveralSignerInfos { .. }
        ) {
            r.warnings.push(m);
        }
    }
}

/// CRYPTO_CONSTRAINTS_FAILURE for a signature that verified with
/// algorithms Circular 15/2025 refuses (integrity stays true).
fn refused_outcome(refused: &[cms_verify::RefusedAlgorithm]) -> Outcome {
    let list = refused_list(refused);
    let mut o = fail(
        SubIndication::CryptoConstraintsFailure,
        format!("thuật toán không được phép theo Thông tư 15/2025: {list}. Các byte được ký vẫn toàn vẹn, nhưng chữ ký không được chấp nhận."),
        format!("algorithm not allowed by Circular 15/2025: {list}. The signed bytes are intact, but the signature is not accepted."),
    );
    // Circular 15/2025: refused algorithms fail outright.
    o.indication = Indication::TotalFailed;
    o
}

/// A signature time-stamp that does not time-stamp this signature (its
/// imprint does not match the signature value, or the token is broken)
/// keeps the signature from TOTAL-PASSED: INDETERMINATE /
/// SIG_CONSTRAINTS_FAILURE with the reason; worse verdicts stay.
fn timestamp_caveat(o: Outcome, problem: Option<&str>) -> Outcome {
    match problem {
        Some(p) if o.indication == Indication::TotalPassed => Outcome {
            indication: Indication::Indeterminate,
            sub: Some(SubIndication::SigConstraintsFailure),
            vi: format!("{} Tuy nhiên dấu thời gian của chữ ký không hợp lệ nên không xác nhận được chữ ký: {p}", o.vi),
            en: format!("{} However, the signature time-stamp is not valid, so the signature cannot be confirmed: {p}", o.en),
        },
        _ => o,
    }
}

/// adbe.pkcs7.sha1 (ISO 32000-1 §12.8.3.3.1): the SignedData encapsulates
/// the SHA-1 digest of the ByteRange; SHA-1 is refused by policy, the
/// integrity is still checked.
fn verify_pkcs7_sha1(
    contents: &[u8],
    digest: &dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>,
) -> Result<VerifiedCms, CmsVerifyError> {
    let mut cms = cms_verify::verify_signed_data(contents, None)?;
    let expected = digest(DigestAlgorithm::Sha1).map_err(CmsVerifyError::Format)?;
    match cms.econtent.as_deref() {
        Some(c) if c == expected.as_slice() => {}
        Some(_) => return Err(CmsVerifyError::HashFailure),
        None => {
            return Err(CmsVerifyError::Format(
                "adbe.pkcs7.sha1 không chứa giá trị băm SHA-1 của tài liệu / adbe.pkcs7.sha1 holds no encapsulated SHA-1 digest of the document".into(),
            ))
        }
    }
    let sha1 = cms_verify::RefusedAlgorithm::Digest(DigestAlgorithm::Sha1.name());
    if !cms.refused.contains(&sha1) {
        cms.refused.insert(0, sha1);
    }
    Ok(cms)
}

fn empty_report(
    index: usize,
    field: &SignatureField,
    ctx: &ValidationContext<'_>,
) -> SignatureReport {
    SignatureReport {
        index,
        field: Some(field.name.clone()),
        kind: match field.kind {
            SignatureKind::Signature => "signature",
            SignatureKind::DocTimeStamp => "document-timestamp",
        }
        .into(),
        sub_filter: Some(field.sub_filter.clone()),
        level: None,
        indication: Indication::TotalFailed,
        sub_indication: None,
        message_vi: String::new(),
        message_en: String::new(),
        signer: None,
        issuer: None,
        managing_unit: None,
        claimed_signing_time: field
            .m
            .as_deref()
            .and_then(signature_dict::parse_pdf_date)
            .map(iso8601_vn),
        cms_signing_time: None,
        timestamp: None,
        validation_time: iso8601_vn(ctx.now),
        integrity: Check::Unknown,
        certificate_valid_at_signing_time: Check::Unknown,
        chain: Vec::new(),
        revocation: Vec::new(),
        digest_algorithm: None,
        signature_algorithm: None,
        refused_algorithms: Vec::new(),
        cms_notes: Vec::new(),
        doc_mdp: field.doc_mdp,
        signed_revision_length: None,
        covers_whole_document: Check::Unknown,
        modifications: Vec::new(),
        later_revisions: Vec::new(),
        fetched_certificates: Vec::new(),
        reason: field.reason.clone(),
        location: field.location.clone(),
        warnings: Vec::new(),
    }
}

fn apply(r: &mut SignatureReport, o: Outcome) {
    // The signed bytes were shown not to verify (or cannot even be
    // delimited): integrity failed. Other failures before the signature
    // check leave it unknown.
    if r.integrity == Check::Unknown
        && matches!(
            o.sub,
            Some(
                SubIndication::FormatFailure
                    | SubIndication::HashFailure
                    | SubIndication::SigCryptoFailure
            )
        )
    {
        r.integrity = Check::Failed;
    }
    r.indication = o.indication;
    r.sub_indication = o.sub;
    r.message_vi = o.vi;
    r.message_en = o.en;
}

fn file_header(
    bytes: &[u8],
    format: &str,
    revisions: usize,
    now: OffsetDateTime,
) -> ValidationReport {
    ValidationReport {
        schema_version: REPORT_SCHEMA_VERSION,
        format: format.into(),
        file_sha256: hex::encode(kyso_crypto::digest(DigestAlgorithm::Sha256, bytes)),
        file_size: bytes.len() as u64,
        revisions,
        indication: Indication::TotalFailed,
        message_vi: String::new(),
        message_en: String::new(),
        validated_at: iso8601_vn(now),
        signatures: Vec::new(),
        warnings: Vec::new(),
    }
}

fn finish(mut rep: ValidationReport) -> ValidationReport {
    if rep.signatures.is_empty() {
        rep.indication = Indication::TotalFailed;
        if rep.message_en.is_empty() {
            rep.message_vi = "tệp không có chữ ký số nào".into();
            rep.message_en = "the file holds no digital signature".into();
        }
        return rep;
    }
    rep.indication = rep
        .signatures
        .iter()
        .map(|s| s.indication)
        .max()
        .unwrap_or(Indication::TotalFailed);
    let n = rep.signatures.len();
    let ok = rep
        .signatures
        .iter()
        .filter(|s| s.indication == Indication::TotalPassed)
        .count();
    let (vi, en) = match rep.indication {
        Indication::TotalPassed => (
            format!("Tất cả {n} chữ ký hợp lệ."),
            format!("All {n} signature(s) are valid."),
        ),
        Indication::Indeterminate => (
            format!(
                "{ok}/{n} chữ ký hợp lệ; chưa xác định được tính hợp lệ của các chữ ký còn lại."
            ),
            format!("{ok} of {n} signature(s) are valid; the others could not be confirmed."),
        ),
        Indication::TotalFailed => (
            format!("{ok}/{n} chữ ký hợp lệ; có chữ ký KHÔNG hợp lệ."),
            format!("{ok} of {n} signature(s) are valid; at least one signature is NOT valid."),
        ),
    };
    rep.message_vi = vi;
    rep.message_en = en;
    rep
}

/// Validates every signature and document time-stamp of the PDF at
/// `path`, reading it from disk as signing does: the cross-reference
/// data, then only the objects the signatures and the updates after them
/// touch; each `/ByteRange` hashed in chunks. Memory does not grow with
/// the file (a 1 GB scan is verified in a few tens of megabytes).
///
/// `Err` when the file cannot be read at all: not a PDF, no readable
/// cross-reference data (`kyso verify` exits 3).
pub fn validate_pdf_file(
    path: &Path,
    ctx: &ValidationContext<'_>,
) -> Result<ValidationReport, ValidateError> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_PDF_BYTES as u64 {
        return Err(ValidateError::TooLarge(
            usize::try_from(len).unwrap_or(usize::MAX),
        ));
    }
    let revs = Revisions::open(path).map_err(unreadable)?;
    // The file's SHA-256 beside the validation, on the other core.
    std::thread::scope(|s| {
        let sha = s.spawn(|| file_sha256(&revs));
        let rep = validate_revisions(&revs, ctx);
        let sha = sha
            .join()
            .unwrap_or_else(|_| Err(PdfError::Internal("sha-256".into())));
        let mut rep = rep?;
        rep.file_sha256 = sha.map_err(unreadable)?;
        Ok(rep)
    })
}

/// [`validate_pdf_file`] on a PDF held in memory (an upload, a fuzz
/// input). The same reader is used, over the bytes.
pub fn validate_pdf(
    bytes: &[u8],
    ctx: &ValidationContext<'_>,
) -> Result<ValidationReport, ValidateError> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(ValidateError::TooLarge(bytes.len()));
    }
    let revs = Revisions::from_bytes(bytes).map_err(unreadable)?;
    let mut rep = validate_revisions(&revs, ctx)?;
    rep.file_sha256 = hex::encode(kyso_crypto::digest(DigestAlgorithm::Sha256, bytes));
    Ok(rep)
}

fn unreadable(e: PdfError) -> ValidateError {
    match e {
        PdfError::Io(e) => ValidateError::Io(e),
        e => ValidateError::Unreadable(e),
    }
}

fn file_sha256(revs: &Revisions) -> Result<String, PdfError> {
    let mut h = kyso_crypto::Hasher::new(DigestAlgorithm::Sha256);
    revs.feed(&[(0, revs.len())], |c| h.update(c))?;
    Ok(hex::encode(h.finish()))
}

/// The report on the file `revs` reads (its SHA-256 left to the caller).
fn validate_revisions(
    revs: &Revisions,
    ctx: &ValidationContext<'_>,
) -> Result<ValidationReport, ValidateError> {
    let mut rep = file_header(&[], "pdf", revs.marks().len(), ctx.now);
    rep.file_size = revs.len();
    let mut doc = revs.last().map_err(unreadable)?;
    doc.load_catalog().map_err(unreadable)?;
    if matches!(doc.document().trailer.get(b"Encrypt"), Ok(o) if !matches!(o, Object::Null)) {
        rep.warnings
            .push("tệp PDF bị mã hóa / the PDF is encrypted".into());
    }
    let fields = match signature_dict::signature_fields(doc.document()) {
        Ok(f) => f,
        Err(e) => {
            rep.message_vi = format!("không đọc được biểu mẫu chữ ký: {e}");
            rep.message_en = format!("cannot read the signature fields: {e}");
            return Ok(finish(rep));
        }
    };
    let has_dss = doc.document().catalog().is_ok_and(|c| c.has(b"DSS"));
    let (dss_certs, dss_ev, has_dss) = match doc.dss() {
        Ok(m) => dss_evidence(&m, has_dss),
        Err(e) => {
            rep.warnings
                .push(format!("không đọc được DSS / the DSS cannot be read: {e}"));
            (Vec::new(), RevocationEvidence::default(), false)
        }
    };
    drop(doc);
    // Signature revision ends, to order signatures and find DocMDP/B-LTA.
    let mut items: Vec<(SignatureField, Option<usize>)> = fields
        .into_iter()
        .take(MAX_SIGNATURES)
        .map(|f| {
            let end = (f.byte_range.len() == 4)
                .then(|| f.byte_range[2].checked_add(f.byte_range[3]))
                .flatten()
                .and_then(|e| usize::try_from(e).ok());
            (f, end)
        })
        .collect();
    items.sort_by_key(|(_, e)| e.unwrap_or(usize::MAX));
    // Every update after the first signature, compared with the revision
    // before it, under the DocMDP/FieldMDP in force when it was made.
    let marks: Vec<super::revisions::SignatureMark<'_>> = items
        .iter()
        .map(|(f, e)| super::revisions::SignatureMark {
            end: e.map(|e| e as u64),
            kind: f.kind,
            field: &f.name,
            doc_mdp: f.doc_mdp,
            locks: f.field_mdp.iter().chain(f.lock.iter()).cloned().collect(),
        })
        .collect();
    let steps = super::revisions::analyse(revs, &marks, &mut rep.warnings);
    let doc_ts_ends: Vec<usize> = items
        .iter()
        .filter(|(f, _)| f.kind == SignatureKind::DocTimeStamp)
        .filter_map(|(_, e)| *e)
        .collect();

    for (i, (field, _)) in items.iter().enumerate() {
        let mut r = empty_report(i + 1, field, ctx);
        let end_hint = items[i].1.unwrap_or(usize::MAX);
        let o = validate_one(revs, field, ctx, &dss_certs, &dss_ev, &steps, &mut r);
        apply(&mut r, o);
        // Allowed changes that paint over the signed content.
        for m in r.later_revisions.iter().flat_map(|v| v.changes.iter()) {
            if let (true, Some(_)) = (m.allowed, m.covers) {
                let (vi, en) = m.reason.split_once(" / ").unwrap_or((&m.reason, &m.reason));
                let n = m.revision.unwrap_or(0);
                r.warnings
                    .push(format!("phiên bản {n}: {vi} / revision {n}: {en}"));
            }
        }
        // Level.
        if field.kind == SignatureKind::Signature && r.integrity.is_passed() {
            let mut level = "B-B";
            if r.timestamp.as_ref().is_some_and(|t| t.intact) {
                level = "B-T";
                if has_dss {
                    level = "B-LT";
                    if doc_ts_ends.iter().any(|e| *e > end_hint) {
                        level = "B-LTA";
                    }
                }
            }
            r.level = Some(level.into());
        }
        rep.signatures.push(r);
    }
    Ok(finish(rep))
}

fn validate_one(
    revs: &Revisions,
    field: &SignatureField,
    ctx: &ValidationContext<'_>,
    dss_certs: &[Certificate],
    dss_ev: &RevocationEvidence,
    steps: &[RevisionInfo],
    r: &mut SignatureReport,
) -> Outcome {
    let o = validate_signature(revs, field, ctx, dss_certs, dss_ev, steps, r);
    let broken_timestamp = r
        .timestamp
        .as_ref()
        .filter(|t| !t.intact)
        .and_then(|t| t.problem.as_deref());
    timestamp_caveat(o, broken_timestamp)
}

fn validate_signature(
    revs: &Revisions,
    field: &SignatureField,
    ctx: &ValidationContext<'_>,
    dss_certs: &[Certificate],
    dss_ev: &RevocationEvidence,
    steps: &[RevisionInfo],
    r: &mut SignatureReport,
) -> Outcome {
    let fmt = |vi: &str, en: &str| fail(SubIndication::FormatFailure, vi, en);
    // 1. Format: a signature dictionary that cannot be read (wrapped,
    //    wrong types), then the signed revision and the ByteRange.
    if let Some(p) = &field.problem {
        let (vi, en) = p.split_once(" / ").unwrap_or((p, p));
        return fmt(vi, en);
    }
    let end = match field.byte_range.get(2..4) {
        Some([b, c]) if *b >= 0 && *c >= 0 => (*b as u128 + *c as u128) as usize,
        _ if field.byte_range.len() != 4 => {
            let n = field.byte_range.len();
            return fmt(
                &format!("/ByteRange có {n} số thay vì 4"),
                &format!("/ByteRange has {n} numbers instead of 4"),
            );
        }
        _ => {
            return fmt(
                "/ByteRange có giá trị âm",
                "/ByteRange holds a negative value",
            )
        }
    };
    if end as u64 > revs.len() {
        return fmt(
            "/ByteRange vượt quá độ dài tệp",
            "/ByteRange reaches beyond the end of the file",
        );
    }
    let (offset, unreadable) = match revs.revision_ending_at(end as u64) {
        Ok(signed) => (
            field
                .signature_id
                .and_then(|id| signed.object_offset(id))
                .map(|o| o as usize),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    if let Err(m) = check_byte_range(revs, field, offset) {
        // The /ByteRange's own faults first; else the signed revision
        // could not be read to find the signature dictionary.
        if let (Some(e), None) = (unreadable, field.byte_range.get(4)) {
            if m.contains("uncompressed indirect object") {
                return fmt(
                    &format!("không đọc được phiên bản được ký: {e}"),
                    &format!("the signed revision cannot be read: {e}"),
                );
            }
        }
        let (vi, en) = m.split_once(" / ").unwrap_or((&m, &m));
        return fmt(vi, en);
    }
    r.signed_revision_length = Some(end as u64);
    r.covers_whole_document = all_white_after(revs, end as u64).into();
    let a = field.byte_range[1] as usize;
    let b = field.byte_range[2] as usize;
    let ranges = [(0usize, a), (b, end - b)];
    let digest = |alg: DigestAlgorithm| digest_ranges(revs, &ranges, alg);

    // 2. Modification analysis: the updates after the signed revision,
    //    each against the revision before it.
    r.later_revisions = steps
        .iter()
        .filter(|s| s.start >= end as u64)
        .cloned()
        .collect();
    r.modifications = r
        .later_revisions
        .iter()
        .flat_map(|s| s.changes.iter().cloned())
        .collect();

    // 3. The CMS (or the time-stamp token of a document time-stamp).
    let mut certs: Vec<Certificate> = dss_certs.to_vec();
    certs.extend(ctx.extra_certificates.iter().cloned());
    if field.contents.iter().all(|b| *b == 0) {
        return fmt(
            "/Contents của chữ ký rỗng (toàn số 0): chữ ký chưa bao giờ được áp vào",
            "the signature's /Contents is empty (all zeros): the signature was never applied",
        );
    }
    let contents = trim_der(&field.contents);
    let (cms, signing_time, sig_ts): (VerifiedCms, OffsetDateTime, Option<OffsetDateTime>) =
        if field.kind == SignatureKind::DocTimeStamp {
            if field.sub_filter != "ETSI.RFC3161" {
                return fmt(
                    "dấu thời gian tài liệu phải có /SubFilter /ETSI.RFC3161",
                    "a document time-stamp must have /SubFilter /ETSI.RFC3161",
                );
            }
            match cms_verify::verify_time_stamp_token(contents, &digest) {
                Err(e) => return cms_outcome(&e),
                Ok(ts) => {
                    r.timestamp = Some(TimestampInfo {
                        time: iso8601_vn(ts.gen_time),
                        tsa: Some(certificate_info(&ts.cms.signer)),
                        intact: true,
                        trusted: Check::Unknown,
                        problem: None,
                    });
                    (ts.cms, ts.gen_time, None)
                }
            }
        } else {
            let cms = match field.sub_filter.as_str() {
                "ETSI.CAdES.detached" | "adbe.pkcs7.detached" => {
                    cms_verify::verify_signed_data(contents, Some(&digest))
                }
                "adbe.pkcs7.sha1" => verify_pkcs7_sha1(contents, &digest),
                other => {
                    return fmt(
                        &format!("/SubFilter {other} không được hỗ trợ"),
                        &format!(
                            "/SubFilter {other} is not supported (ETSI.CAdES.detached, adbe.pkcs7.detached, adbe.pkcs7.sha1, ETSI.RFC3161)"
                        ),
                    )
                }
            };
            let cms = match cms {
                Ok(c) => c,
                Err(e) => return cms_outcome(&e),
            };
            if field.sub_filter == "ETSI.CAdES.detached"
                && cms.ess == cms_verify::EssBinding::Absent
            {
                r.warnings.push("chữ ký PAdES thiếu thuộc tính signing-certificate-v2 / the PAdES signature lacks the signing-certificate-v2 attribute".into());
            }
            let mut ts_time = None;
            if let Some(tok) = &cms.timestamp_token {
                let sv = cms.signature_value.clone();
                let imprint = move |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, &sv));
                let mut extra = certs.clone();
                extra.extend(cms.certificates.iter().cloned());
                let (info, t) = timestamp_info(
                    tok,
                    &imprint,
                    &extra,
                    dss_ev,
                    ctx,
                    &mut r.warnings,
                    &mut r.fetched_certificates,
                );
                r.timestamp = info;
                ts_time = t;
            }
            (cms, ts_time.unwrap_or(ctx.now), ts_time)
        };
    record_cms(r, &cms);
    let info = certificate_info(&cms.signer);
    r.issuer = Some(info.issuer.clone());
    r.managing_unit = {
        let mut parts: Vec<String> = info.organizational_units.clone();
        if let Some(o) = &info.organization {
            parts.push(o.clone());
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    };
    r.signer = Some(info);
    if let Some(d) = ctx.document_date {
        let signed_on = signing_time
            .to_offset(kyso_pki::time::vietnam_offset())
            .date();
        if signed_on != d {
            r.warnings.push(format!(
                "ngày ký {signed_on} khác ngày của văn bản {d} / the signing date {signed_on} differs from the document date {d}"
            ));
        }
    }
    if !cms.refused.is_empty() {
        return refused_outcome(&cms.refused);
    }

    // 4. Path to a trust anchor at the signing time proven by a trusted
    //    time-stamp, else now.
    certs.extend(cms.certificates.iter().cloned());
    let embedded = merge(dss_ev, &cms.revocation);
    r.validation_time = iso8601_vn(signing_time);
    let eku = (field.kind == SignatureKind::DocTimeStamp).then_some(KP_TIME_STAMPING);
    let path = validate_chain(
        &cms.signer,
        &mut certs,
        &embedded,
        ctx,
        signing_time,
        eku,
        &mut r.warnings,
        &mut r.fetched_certificates,
    );
    let path = match path {
        Ok(p) => p,
        Err(e) => {
            r.certificate_valid_at_signing_time = path_check(&e);
            if let Some(t) = r.timestamp.as_mut() {
                if field.kind == SignatureKind::DocTimeStamp {
                    t.trusted = path_check(&e);
                }
            }
            if let PathError::RevocationUnknown { .. } = e {
                r.warnings.push("không có OCSP hay CRL nào trả lời cho chứng thư số / no OCSP responder or CRL answered for the certificate".into());
                partial_path(&cms.signer, &certs, &embedded, ctx, signing_time, eku, r);
            }
            // A disallowed change fails the signature whatever the
            // certificate's status: that verdict does not wait for trust.
            if let Some(o) = modification_outcome(r) {
                return o;
            }
            return path_outcome(&e, sig_ts.is_some());
        }
    };
    r.certificate_valid_at_signing_time = Check::Passed;
    r.chain = path.certificates.iter().map(certificate_info).collect();
    r.revocation = revocation_rows(&path);
    r.warnings.extend(path.warnings.iter().cloned());
    if let Some(t) = r.timestamp.as_mut() {
        if field.kind == SignatureKind::DocTimeStamp {
            t.trusted = Check::Passed;
        }
    }

    // 5. Modifications after the signature, revision by revision.
    if let Some(o) = modification_outcome(r) {
        return o;
    }
    let who = r
        .signer
        .as_ref()
        .and_then(|s| s.common_name.clone())
        .unwrap_or_default();
    let when = iso8601_vn(signing_time);
    let (later, later_en) = if r.later_revisions.is_empty() {
        (String::new(), String::new())
    } else {
        let vi: Vec<&str> = r
            .later_revisions
            .iter()
            .map(|s| s.message_vi.as_str())
            .collect();
        let en: Vec<&str> = r
            .later_revisions
            .iter()
            .map(|s| s.message_en.as_str())
            .collect();
        (
            format!(" Các thay đổi sau đó đều được phép. {}", vi.join(" ")),
            format!(" Later changes are all allowed. {}", en.join(" ")),
        )
    };
    if field.kind == SignatureKind::DocTimeStamp {
        passed(
            format!("Dấu thời gian tài liệu hợp lệ, thời điểm {when}, TSA {who}.{later}"),
            format!("The document time-stamp is valid: {when}, TSA {who}.{later_en}"),
        )
    } else {
        let proof = if sig_ts.is_some() {
            "có dấu thời gian"
        } else {
            "theo giờ hiện tại, không có dấu thời gian"
        };
        let proof_en = if sig_ts.is_some() {
            "time-stamped"
        } else {
            "checked at the current time, no time-stamp"
        };
        passed(
            format!("Chữ ký của {who} hợp lệ: tài liệu toàn vẹn, chứng thư số hợp lệ và tin cậy tại {when} ({proof}).{later}"),
            format!("The signature of {who} is valid: the document is intact and the certificate was valid and trusted at {when} ({proof_en}).{later_en}"),
        )
    }
}

/// TOTAL-FAILED / DISALLOWED_MODIFICATION when an update after the
/// signature is not allowed, naming the revisions.
fn modification_outcome(r: &SignatureReport) -> Option<Outcome> {
    let bad: Vec<&RevisionInfo> = r.later_revisions.iter().filter(|s| !s.allowed).collect();
    if bad.is_empty() {
        return None;
    }
    let vi: Vec<&str> = bad.iter().map(|s| s.message_vi.as_str()).collect();
    let en: Vec<&str> = bad.iter().map(|s| s.message_en.as_str()).collect();
    Some(fail(
        SubIndication::DisallowedModification,
        format!(
            "Tài liệu đã bị thay đổi sau khi ký theo cách không được phép. {}",
            vi.join(" ")
        ),
        format!(
            "The document was changed after signing in a way that is not allowed. {}",
            en.join(" ")
        ),
    ))
}

/// `/Contents` is zero-padded: keep the (BER or DER) object only.
fn trim_der(c: &[u8]) -> &[u8] {
    kyso_pki::ber::first_object(c).unwrap_or(c)
}

/// Validates a detached CMS/CAdES signature `p7s` (DER, or PEM "CMS"/
/// "PKCS7") over content digested by `digest`.
pub fn validate_detached(
    p7s: &[u8],
    content_len: u64,
    digest: &dyn Fn(DigestAlgorithm) -> Result<Vec<u8>, String>,
    ctx: &ValidationContext<'_>,
) -> ValidationReport {
    let mut rep = file_header(p7s, "cms-detached", 0, ctx.now);
    let _ = content_len;
    let der_bytes = pem_to_der(p7s).unwrap_or_else(|| p7s.to_vec());
    let field = SignatureField {
        name: String::new(),
        field_id: None,
        signature_id: None,
        kind: SignatureKind::Signature,
        filter: String::new(),
        sub_filter: String::new(),
        byte_range: Vec::new(),
        contents: Vec::new(),
        m: None,
        signer_name: None,
        reason: None,
        location: None,
        doc_mdp: None,
        field_mdp: None,
        lock: None,
        problem: None,
    };
    let mut r = empty_report(1, &field, ctx);
    r.field = None;
    r.sub_filter = None;
    r.covers_whole_document = Check::Passed;
    let o = (|| {
        let cms = match cms_verify::verify_signed_data(trim_der(&der_bytes), Some(digest)) {
            Ok(c) => c,
            Err(e) => return cms_outcome(&e),
        };
        record_cms(&mut r, &cms);
        let mut certs = ctx.extra_certificates.clone();
        certs.extend(cms.certificates.iter().cloned());
        let mut ts_time = None;
        if let Some(tok) = &cms.timestamp_token {
            let sv = cms.signature_value.clone();
            let imprint = move |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, &sv));
            let (info, t) = timestamp_info(
                tok,
                &imprint,
                &certs,
                &cms.revocation,
                ctx,
                &mut r.warnings,
                &mut r.fetched_certificates,
            );
            r.timestamp = info;
            ts_time = t;
        }
        let info = certificate_info(&cms.signer);
        r.issuer = Some(info.issuer.clone());
        r.managing_unit = info.organization.clone();
        r.signer = Some(info);
        if !cms.refused.is_empty() {
            return refused_outcome(&cms.refused);
        }
        let t = ts_time.unwrap_or(ctx.now);
        r.validation_time = iso8601_vn(t);
        r.level = Some(if ts_time.is_some() { "B-T" } else { "B-B" }.into());
        match validate_chain(
            &cms.signer,
            &mut certs,
            &cms.revocation,
            ctx,
            t,
            None,
            &mut r.warnings,
            &mut r.fetched_certificates,
        ) {
            Err(e) => {
                r.certificate_valid_at_signing_time = path_check(&e);
                if let PathError::RevocationUnknown { .. } = e {
                    partial_path(&cms.signer, &certs, &cms.revocation, ctx, t, None, &mut r);
                }
                path_outcome(&e, ts_time.is_some())
            }
            Ok(p) => {
                r.certificate_valid_at_signing_time = Check::Passed;
                r.chain = p.certificates.iter().map(certificate_info).collect();
                r.revocation = revocation_rows(&p);
                r.warnings.extend(p.warnings.iter().cloned());
                let who = r
                    .signer
                    .as_ref()
                    .and_then(|s| s.common_name.clone())
                    .unwrap_or_default();
                passed(
                    format!("Chữ ký của {who} hợp lệ: tệp toàn vẹn, chứng thư số hợp lệ và tin cậy tại {}.", iso8601_vn(t)),
                    format!("The signature of {who} is valid: the file is intact and the certificate was valid and trusted at {}.", iso8601_vn(t)),
                )
            }
        }
    })();
    let broken_timestamp = r
        .timestamp
        .as_ref()
        .filter(|t| !t.intact)
        .and_then(|t| t.problem.clone());
    apply(&mut r, timestamp_caveat(o, broken_timestamp.as_deref()));
    rep.signatures.push(r);
    finish(rep)
}

fn pem_to_der(b: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let s = std::str::from_utf8(b).ok()?;
    let start = s.find("-----BEGIN ")?;
    let body_start = s[start..].find('\n')? + start + 1;
    let end = s[body_start..].find("-----END ")? + body_start;
    let body: String = s[body_start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}
