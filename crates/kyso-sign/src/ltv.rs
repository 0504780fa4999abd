//! PAdES B-LT and B-LTA (ETSI EN 319 142-1 §5.4, §6.3): the validation
//! material of every signature and document time-stamp of a signed PDF —
//! the signer's and the TSAs' certificate chains from the CMS, and the
//! revocation evidence (OCSP answers, CRLs) for each certificate of them —
//! written into the Document Security Store; for B-LTA followed by a
//! document time-stamp, and a further DSS update with the evidence of that
//! time-stamp's TSA (as pyHanko does).
//!
//! No network here: the caller supplies the revocation fetcher and the TSA
//! transport. Re-running B-LTA on a B-LTA file adds fresh evidence and a
//! new document time-stamp (archive renewal).
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode};
use kyso_pdf::{DssMaterial, DssOutcome, DssUpdate, EmbeddedSignature, SignatureKind, VriEntry};
use kyso_pki::ocsp::CertStatusInfo;
use kyso_pki::oids;
use kyso_pki::path::RevocationEvidence;
use time::macros::offset;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::{token_from_response, PadesLevel, SignError, TsaTransport};

/// Longest certificate chain followed.
const MAX_CHAIN: usize = 10;
/// Most signatures and time-stamps handled in one document.
const MAX_SIGNATURES: usize = 1000;

/// The caller's revocation source: given a chain (each certificate
/// followed by its issuer, the leaf first), the OCSP answers and CRLs it
/// could get, and a message for each certificate it could not cover.
pub type RevocationFetcher<'a> = &'a dyn Fn(&[Certificate]) -> (RevocationEvidence, Vec<String>);

/// What the evidence says of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvidenceStatus {
    /// An OCSP answer or CRL says it is not revoked.
    Good { source: &'static str },
    /// An OCSP answer or CRL says it is revoked.
    Revoked {
        source: &'static str,
        time: OffsetDateTime,
    },
    /// The OCSP responder does not know it.
    Unknown,
    /// No evidence covers it.
    Missing,
}

/// A certificate of a chain and what its evidence says.
#[derive(Clone, Debug)]
pub struct CertificateEvidence {
    /// The certificate's subject, for people.
    pub subject: String,
    /// The signature or time-stamp field it serves.
    pub field: String,
    pub status: EvidenceStatus,
}

/// What an LTV extension did.
#[derive(Clone, Debug, Default)]
pub struct LtvReport {
    /// Signatures and document time-stamps found before extending.
    pub signatures: usize,
    pub document_timestamps: usize,
    /// Each DSS update (one for B-LT, up to two for B-LTA).
    pub dss_updates: Vec<DssOutcome>,
    /// Size of the document time-stamp's update, when one was added.
    pub timestamp_bytes: Option<u64>,
    /// Total bytes appended to the input.
    pub bytes_added: u64,
    /// Evidence per certificate (leaf certificates and CAs; roots have
    /// none).
    pub certificates: Vec<CertificateEvidence>,
    /// Certificates without evidence, chains that could not be completed,
    /// signatures that could not be read.
    pub warnings: Vec<String>,
}

impl LtvReport {
    pub fn certs_added(&self) -> usize {
        self.dss_updates.iter().map(|d| d.certs_added).sum()
    }
    pub fn ocsps_added(&self) -> usize {
        self.dss_updates.iter().map(|d| d.ocsps_added).sum()
    }
    pub fn crls_added(&self) -> usize {
        self.dss_updates.iter().map(|d| d.crls_added).sum()
    }
    /// The certificates whose evidence says revoked.
    pub fn revoked(&self) -> impl Iterator<Item = &CertificateEvidence> {
        self.certificates
            .iter()
            .filter(|c| matches!(c.status, EvidenceStatus::Revoked { .. }))
    }
}

/// The certificate identified by the first SignerInfo's `sid`.
fn signer_of<'a>(sd: &SignedData, pool: &'a [Certificate]) -> Option<&'a Certificate> {
    let si = sd.signer_infos.0.iter().next()?;
    pool.iter().find(|c| match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            kyso_pki::certificate::subject_key_identifier(c)
                .ok()
                .as_deref()
                == Some(ski.0.as_bytes())
        }
    })
}

/// The chain from `leaf` upwards through `pool` (issuer name and a valid
/// signature), ending at a self-issued certificate or where no issuer is
/// known.
fn build_chain(leaf: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    let mut chain = vec![leaf.clone()];
    while chain.len() < MAX_CHAIN {
        let last = chain.last().expect("never empty");
        if last.tbs_certificate.issuer == last.tbs_certificate.subject {
            break;
        }
        let issuer = pool.iter().find(|c| {
            c.tbs_certificate.subject == last.tbs_certificate.issuer
                && !chain.contains(c)
                && kyso_pki::certificate::verify_issued_by(last, c).is_ok()
        });
        match issuer {
            Some(i) => chain.push(i.clone()),
            None => break,
        }
    }
    chain
}

/// The signer's CMS and, for a signature, its signature time-stamp
/// token's CMS.
fn cms_parts(sig: &EmbeddedSignature) -> Result<Vec<SignedData>, String> {
    let der = sig
        .der()
        .ok_or_else(|| "/Contents is not a DER object".to_string())?;
    let sd = kyso_pki::cms::parse_signed_data(der).map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    if sig.kind == SignatureKind::Signature {
        for si in sd.signer_infos.0.iter() {
            for attr in si.unsigned_attrs.iter().flat_map(|a| a.iter()) {
                if attr.oid != oids::AA_SIGNATURE_TIME_STAMP_TOKEN {
                    continue;
                }
                for v in attr.values.iter() {
                    let token = v.to_der().map_err(|e| e.to_string())?;
                    parts
                        .push(kyso_pki::cms::parse_signed_data(&token).map_err(|e| e.to_string())?);
                }
            }
        }
    }
    parts.insert(0, sd);
    Ok(parts)
}

/// Certificates inside the BasicOCSPResponses (the responders').
fn responder_certificates(ocsp: &[u8]) -> Vec<Vec<u8>> {
    let Ok(parsed) = kyso_pki::ocsp::parse_ocsp_response(ocsp) else {
        return Vec::new();
    };
    parsed
        .basic
        .iter()
        .flat_map(|b| b.certs.iter().flatten())
        .filter_map(|c| c.to_der().ok())
        .collect()
}

/// What `evidence` says of `cert` issued by `issuer`.
fn status_of(
    cert: &Certificate,
    issuer: &Certificate,
    evidence: &RevocationEvidence,
) -> EvidenceStatus {
    let serial = cert.tbs_certificate.serial_number.as_bytes();
    for der in &evidence.ocsp_responses {
        let Ok(parsed) = kyso_pki::ocsp::parse_ocsp_response(der) else {
            continue;
        };
        for r in &parsed.responses {
            if r.cert_id.serial == serial && r.cert_id.matches_issuer(issuer) {
                return match r.status {
                    CertStatusInfo::Good => EvidenceStatus::Good { source: "OCSP" },
                    CertStatusInfo::Revoked {
                        revocation_time, ..
                    } => EvidenceStatus::Revoked {
                        source: "OCSP",
                        time: revocation_time,
                    },
                    CertStatusInfo::Unknown => EvidenceStatus::Unknown,
                };
            }
        }
    }
    for der in &evidence.crls {
        let Ok(crl) = kyso_pki::crl::parse_crl(der) else {
            continue;
        };
        if crl.tbs_cert_list.issuer != cert.tbs_certificate.issuer {
            continue;
        }
        let entry = crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|e| e.serial_number.as_bytes() == serial);
        return match entry {
            Some(e) => EvidenceStatus::Revoked {
                source: "CRL",
                time: kyso_pki::time::from_x509_time(&e.revocation_date),
            },
            None => EvidenceStatus::Good { source: "CRL" },
        };
    }
    EvidenceStatus::Missing
}

/// Collects material for the signatures of one document, asking the
/// fetcher once per distinct chain.
struct Collector<'a> {
    fetch: RevocationFetcher<'a>,
    pool: Vec<Certificate>,
    cache: HashMap<Vec<u8>, (RevocationEvidence, Vec<String>)>,
    report: LtvReport,
}

impl Collector<'_> {
    /// The VRI entry of `sig` (chains of its signer and TSAs with their
    /// evidence).
    fn signature(&mut self, sig: &EmbeddedSignature) -> Option<VriEntry> {
        let parts = match cms_parts(sig) {
            Ok(p) => p,
            Err(e) => {
                self.report.warnings.push(format!(
                    "{}: không đọc được CMS / cannot read the CMS: {e}",
                    sig.field_name
                ));
                return None;
            }
        };
        for sd in &parts {
            for c in kyso_pki::cms_verify::certificates_of(sd) {
                if !self.pool.contains(&c) {
                    self.pool.push(c);
                }
            }
        }
        let mut material = DssMaterial::default();
        for sd in &parts {
            let Some(leaf) = signer_of(sd, &self.pool).cloned() else {
                self.report.warnings.push(format!(
                    "{}: CMS không có chứng thư của người ký / the CMS lacks its signer's certificate",
                    sig.field_name
                ));
                continue;
            };
            let chain = build_chain(&leaf, &self.pool);
            let top = chain.last().expect("never empty");
            if top.tbs_certificate.issuer != top.tbs_certificate.subject {
                self.report.warnings.push(format!(
                    "{}: thiếu chứng thư của {} / the issuer certificate of {} is not known (add it with --cert)",
                    sig.field_name,
                    kyso_pki::name::display_name(&top.tbs_certificate.issuer),
                    kyso_pki::name::display_name(&top.tbs_certificate.subject),
                ));
            }
            let key = chain
                .iter()
                .flat_map(|c| c.to_der().unwrap_or_default())
                .collect::<Vec<u8>>();
            let (evidence, missing) = self
                .cache
                .entry(key)
                .or_insert_with(|| (self.fetch)(&chain))
                .clone();
            for m in missing {
                let w = format!("{}: {m}", sig.field_name);
                if !self.report.warnings.contains(&w) {
                    self.report.warnings.push(w);
                }
            }
            for pair in chain.windows(2) {
                self.report.certificates.push(CertificateEvidence {
                    subject: kyso_pki::name::display_name(&pair[0].tbs_certificate.subject),
                    field: sig.field_name.clone(),
                    status: status_of(&pair[0], &pair[1], &evidence),
                });
            }
            let mut m = DssMaterial {
                certs: chain.iter().filter_map(|c| c.to_der().ok()).collect(),
                ocsps: evidence.ocsp_responses.clone(),
                crls: evidence.crls.clone(),
            };
            for o in &evidence.ocsp_responses {
                m.certs.extend(responder_certificates(o));
            }
            material.merge(&DssMaterial {
                certs: m.certs,
                ocsps: m.ocsps,
                crls: m.crls,
            });
        }
        Some(VriEntry {
            signature_contents: sig.contents.clone(),
            material,
        })
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(offset!(+7))
}

/// The signatures of `input`, refusing a document that has none.
fn signatures_of(input: &Path) -> Result<(Vec<EmbeddedSignature>, DssMaterial), SignError> {
    let mut opened = kyso_pdf::open(input)?;
    let sigs = kyso_pdf::embedded_signatures(opened.document())?;
    if sigs.is_empty() {
        return Err(SignError::Ltv(
            "tệp chưa có chữ ký nào / the file has no signature to extend".into(),
        ));
    }
    if sigs.len() > MAX_SIGNATURES {
        return Err(SignError::Ltv(format!(
            "quá nhiều chữ ký / more than {MAX_SIGNATURES} signatures"
        )));
    }
    Ok((sigs, opened.dss()?))
}

impl<'a> Collector<'a> {
    fn new(fetch: RevocationFetcher<'a>, extra: &[Certificate]) -> Self {
        Collector {
            fetch,
            pool: extra.to_vec(),
            cache: HashMap::new(),
            report: LtvReport::default(),
        }
    }

    /// Write a DSS update to `output` covering the signatures of `input`
    /// selected by `select`.
    fn dss(
        &mut self,
        input: &Path,
        output: &Path,
        select: impl Fn(usize, &EmbeddedSignature) -> bool,
    ) -> Result<DssOutcome, SignError> {
        let (sigs, existing) = signatures_of(input)?;
        for der in &existing.certs {
            if let Ok(c) = Certificate::from_der(der) {
                if !self.pool.contains(&c) {
                    self.pool.push(c);
                }
            }
        }
        let mut vri = Vec::new();
        for (i, sig) in sigs.iter().enumerate() {
            if select(i, sig) {
                vri.extend(self.signature(sig));
            }
        }
        let outcome = kyso_pdf::append_dss(
            input,
            output,
            &DssUpdate {
                material: DssMaterial::default(),
                vri,
                time: now(),
            },
        )?;
        self.report.dss_updates.push(outcome);
        self.report.bytes_added += outcome.bytes_added;
        Ok(outcome)
    }
}

/// Add a document time-stamp to `input`, written to `output`; the bytes
/// added. The token is checked against the request (imprint, nonce).
pub fn add_document_timestamp(
    input: &Path,
    output: &Path,
    tsa: TsaTransport<'_>,
) -> Result<u64, SignError> {
    let before = std::fs::metadata(input)
        .map_err(kyso_pdf::PdfError::Io)?
        .len();
    let mut size = kyso_pdf::DEFAULT_TIMESTAMP_CONTENTS_SIZE;
    // A token larger than the room reserved is asked for again with
    // enough room (once).
    for _ in 0..2 {
        let mut prepared = kyso_pdf::prepare_doc_timestamp(input, output, size)?;
        let digest = prepared.digest(kyso_crypto::DigestAlgorithm::Sha256)?;
        let query = crate::timestamp::document_timestamp_request(&digest)?;
        let response =
            tsa(&query.request_der).map_err(|e| SignError::TsaTransport(e.to_string()))?;
        let token = token_from_response(&response, &query)?;
        if token.len() > size {
            size = token.len() + 2048;
            continue;
        }
        let out = prepared.finalize(&token)?;
        let after = std::fs::metadata(&out)
            .map_err(kyso_pdf::PdfError::Io)?
            .len();
        return Ok(after.saturating_sub(before));
    }
    Err(SignError::TimeStamp(
        "dấu thời gian quá lớn / the time-stamp token does not fit".into(),
    ))
}

/// Extend the signed PDF `input` to `level` (B-LT or B-LTA), writing
/// `output` (which may be `input`: the file is replaced only when
/// everything succeeded).
///
/// B-LT: one DSS update with, for every signature and document
/// time-stamp, the certificate chains found in the CMS (completed from
/// `extra_certificates` and the DSS) and the evidence `fetch` returns for
/// them, with a `/VRI` entry each. B-LTA: then a document time-stamp from
/// `tsa`, then a DSS update with the evidence for that time-stamp.
pub fn extend(
    input: &Path,
    output: &Path,
    level: PadesLevel,
    tsa: Option<TsaTransport<'_>>,
    fetch: RevocationFetcher<'_>,
    extra_certificates: &[Certificate],
) -> Result<LtvReport, SignError> {
    let tsa = match (level, tsa) {
        (PadesLevel::BLt, _) => None,
        (PadesLevel::BLta, Some(t)) => Some(t),
        (PadesLevel::BLta, None) => {
            return Err(SignError::Ltv(
                "mức B-LTA cần máy chủ dấu thời gian (--tsa URL) / level B-LTA needs a time-stamp authority (--tsa URL)".into(),
            ))
        }
        (l, _) => {
            return Err(SignError::Ltv(format!(
                "chỉ mở rộng lên B-LT hoặc B-LTA / can only extend to B-LT or B-LTA, not {l}"
            )))
        }
    };
    let (sigs, _) = signatures_of(input)?;
    let mut c = Collector::new(fetch, extra_certificates);
    c.report.signatures = sigs
        .iter()
        .filter(|s| s.kind == SignatureKind::Signature)
        .count();
    c.report.document_timestamps = sigs.len() - c.report.signatures;

    // Work on a temporary file beside the output; the output appears only
    // at the end.
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".kyso-ltv-")
        .suffix(".pdf")
        .tempfile_in(&dir)
        .map_err(kyso_pdf::PdfError::Io)?
        .into_temp_path();
    c.dss(input, &work, |_, _| true)?;
    if let Some(tsa) = tsa {
        let n = sigs.len();
        let bytes = add_document_timestamp(&work, &work, tsa)?;
        c.report.timestamp_bytes = Some(bytes);
        c.report.bytes_added += bytes;
        // The new time-stamp's TSA evidence (cached when the same TSA
        // stamped a signature).
        c.dss(&work, &work, |i, _| i >= n)?;
    }
    work.persist(output)
        .map_err(|e| kyso_pdf::PdfError::Io(e.error))?;
    Ok(c.report)
}
