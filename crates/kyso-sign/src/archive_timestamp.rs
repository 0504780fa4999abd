//! The archive time-stamp of a B-LTA file: its last document time-stamp,
//! whose TSA certificate's expiry (or algorithm weakening) is when the
//! file must be time-stamped again (archive renewal, ETSI EN 319 142-1
//! §5.5; DESIGN §11).
use std::path::Path;

use kyso_pdf::SignatureKind;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::SignError;

/// What the last document time-stamp of a file rests on.
#[derive(Clone, Debug)]
pub struct ArchiveTimestamp {
    /// The time the TSA gave.
    pub time: OffsetDateTime,
    /// The TSA's certificate.
    pub tsa_certificate: Certificate,
    /// Its notAfter: the time-stamp must be renewed before then.
    pub not_after: OffsetDateTime,
    /// Digest and signature algorithm of the token, e.g.
    /// `SHA-256 / ecdsa-with-SHA-256`.
    pub algorithm: String,
    /// Algorithms of the token that Circular 15/2025 refuses (SHA-1, RSA
    /// under 2048 bits, other curves): empty when none.
    pub weak: Vec<String>,
}

/// The last document time-stamp of the PDF at `path`, or `None` when it
/// has none (B-B, B-T, B-LT).
pub fn last_document_timestamp(path: &Path) -> Result<Option<ArchiveTimestamp>, SignError> {
    let opened = kyso_pdf::open(path)?;
    let sigs = kyso_pdf::embedded_signatures(opened.document())?;
    let Some(last) = sigs
        .iter()
        .rev()
        .find(|s| s.kind == SignatureKind::DocTimeStamp)
    else {
        return Ok(None);
    };
    let der = last.der().ok_or_else(|| {
        SignError::Ltv(format!(
            "dấu thời gian tài liệu {} không đọc được / the document time-stamp {} cannot be read",
            last.field_name, last.field_name
        ))
    })?;
    let bad = |e: String| {
        SignError::Ltv(format!(
            "dấu thời gian tài liệu {} không hợp lệ / the document time-stamp {} is not valid: {e}",
            last.field_name, last.field_name
        ))
    };
    let cms =
        kyso_pki::cms_verify::verify_signed_data(der, None).map_err(|e| bad(e.to_string()))?;
    let tst = cms
        .econtent
        .as_deref()
        .ok_or_else(|| bad("no TSTInfo".into()))
        .and_then(|c| kyso_pki::tsp::parse_tst_info(c).map_err(|e| bad(e.text)))?;
    let mut weak: Vec<String> = cms.refused.iter().map(|r| r.to_string()).collect();
    match kyso_crypto::DigestAlgorithm::from_oid(&tst.imprint_algorithm) {
        Ok(kyso_crypto::DigestAlgorithm::Sha1) | Err(_) => {
            let r = format!("imprint {}", tst.imprint_algorithm);
            if !weak.contains(&r) {
                weak.push(r)
            }
        }
        Ok(_) => {}
    }
    let not_after = cms
        .signer
        .tbs_certificate
        .validity
        .not_after
        .to_system_time()
        .into();
    Ok(Some(ArchiveTimestamp {
        time: tst.gen_time,
        algorithm: format!(
            "{} / {}",
            cms.digest_algorithm.name(),
            cms.signature_algorithm
        ),
        not_after,
        tsa_certificate: cms.signer,
        weak,
    }))
}
