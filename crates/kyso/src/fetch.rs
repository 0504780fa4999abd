//! HTTP for the CLI: time-stamps from a TSA, OCSP answers and CRLs from
//! the addresses in certificates. Blocking, with a timeout and a size cap
//! on every answer; the core crates never do network I/O themselves.

use std::io::Read;
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Largest TSA or OCSP answer read.
pub const MAX_PROTOCOL_RESPONSE: u64 = 1024 * 1024;
/// Largest CRL read.
pub const MAX_CRL: u64 = 64 * 1024 * 1024;

const TIMEOUT: Duration = Duration::from_secs(30);

fn client() -> Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()?)
}

/// The body of a successful answer, at most `max` bytes.
fn body(resp: reqwest::blocking::Response, what: &str, url: &str, max: u64) -> Result<Vec<u8>> {
    if !resp.status().is_success() {
        bail!(
            "{what} trả lời / {what} at {url} answered HTTP {}",
            resp.status()
        );
    }
    if resp.content_length().is_some_and(|n| n > max) {
        bail!("câu trả lời quá lớn / the {what} answer from {url} is larger than {max} bytes");
    }
    let mut out = Vec::new();
    resp.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        bail!("câu trả lời quá lớn / the {what} answer from {url} is larger than {max} bytes");
    }
    Ok(out)
}

fn post(url: &str, what: &str, content_type: &str, request: &[u8]) -> Result<Vec<u8>> {
    let resp = client()?
        .post(url)
        .header("content-type", content_type)
        .body(request.to_vec())
        .send()
        .with_context(|| format!("không gọi được {what} / cannot reach the {what} at {url}"))?;
    body(resp, what, url, MAX_PROTOCOL_RESPONSE)
}

/// POST a DER TimeStampReq to `url` (RFC 3161 §3.4); the DER TimeStampResp.
pub fn time_stamp(url: &str, request: &[u8]) -> Result<Vec<u8>> {
    post(url, "TSA", "application/timestamp-query", request)
}

/// POST a DER OCSPRequest to `url` (RFC 6960 A.1); the DER OCSPResponse.
pub fn ocsp(url: &str, request: &[u8]) -> Result<Vec<u8>> {
    post(url, "OCSP", "application/ocsp-request", request)
}

/// GET a DER CRL from `url` (a CRL distribution point).
pub fn crl(url: &str) -> Result<Vec<u8>> {
    let resp = client()?
        .get(url)
        .send()
        .with_context(|| format!("không tải được CRL / cannot fetch the CRL at {url}"))?;
    body(resp, "CRL", url, MAX_CRL)
}

/// One answer about one certificate.
enum Evidence {
    Ocsp(Vec<u8>),
    Crl(Vec<u8>),
}

/// Revocation evidence for every certificate of `chain` (signer first,
/// each certificate followed by its issuer). For an end entity: an OCSP
/// answer from the responder its AIA names, else the CRL of its
/// distribution point. For a CA certificate the other way round, its
/// issuer's CRL first: an OCSP answer about a CA is signed by the CA above
/// it (kyso's root signs its own), and strict long-term validators
/// (EN 319 102-1 §5.6.2.1 time-sliding, pyHanko) then ask for revocation
/// information about that signer too, which a root cannot have; a CRL
/// signed by a certificate already in the path needs nothing more.
/// Certificates whose addresses do not answer are listed in the second
/// value, with the reason, so that the caller can warn.
pub fn revocation_evidence(
    chain: &[x509_cert::Certificate],
) -> (kyso_pki::path::RevocationEvidence, Vec<String>) {
    let mut evidence = kyso_pki::path::RevocationEvidence::default();
    let mut missing = Vec::new();
    for pair in chain.windows(2) {
        let (cert, issuer) = (&pair[0], &pair[1]);
        let subject = kyso_pki::name::display_name(&cert.tbs_certificate.subject);
        let (ocsp_urls, crl_urls) = kyso_pki::path::revocation_urls(cert);
        let mut errors = Vec::new();
        let by_ocsp = |errors: &mut Vec<String>| {
            ocsp_urls.iter().find_map(|url| {
                let request = kyso_pki::ocsp::build_ocsp_request(
                    cert,
                    issuer,
                    kyso_crypto::DigestAlgorithm::Sha256,
                    None,
                )
                .map_err(|e| errors.push(format!("OCSP {url}: {e}")))
                .ok()?;
                ocsp(url, &request)
                    .map_err(|e| errors.push(format!("{e:#}")))
                    .ok()
                    .map(Evidence::Ocsp)
            })
        };
        let by_crl = |errors: &mut Vec<String>| {
            crl_urls.iter().find_map(|url| {
                crl(url)
                    .map_err(|e| errors.push(format!("{e:#}")))
                    .ok()
                    .map(Evidence::Crl)
            })
        };
        let found = if kyso_pki::path::is_ca(cert) {
            by_crl(&mut errors).or_else(|| by_ocsp(&mut errors))
        } else {
            by_ocsp(&mut errors).or_else(|| by_crl(&mut errors))
        };
        match found {
            Some(Evidence::Ocsp(der)) => evidence.ocsp_responses.push(der),
            Some(Evidence::Crl(der)) => {
                if !evidence.crls.contains(&der) {
                    evidence.crls.push(der);
                }
            }
            None if errors.is_empty() => missing.push(format!(
                "{subject}: không có địa chỉ OCSP hay CRL / no OCSP or CRL address"
            )),
            None => missing.push(format!("{subject}: {}", errors.join("; "))),
        }
    }
    (evidence, missing)
}
