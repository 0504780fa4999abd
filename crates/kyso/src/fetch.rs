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

/// Largest issuer certificate (or certs-only bundle) read from an AIA
/// caIssuers URL.
pub const MAX_CA_ISSUERS: u64 = 1024 * 1024;

/// The certificates an AIA caIssuers URL (RFC 5280 §4.2.2.1) serves: one
/// DER certificate, a PKCS#7/CMS certs-only bundle (DER), or PEM
/// (CERTIFICATE, PKCS7 or CMS blocks). Only http and https URLs are
/// fetched; the answer is capped at [`MAX_CA_ISSUERS`] bytes.
pub fn ca_issuers(url: &str) -> Result<Vec<x509_cert::Certificate>> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("chỉ hỗ trợ http/https / only http and https caIssuers URLs are fetched: {url}");
    }
    let resp = client()?.get(url).send().with_context(|| {
        format!("không tải được chứng thư / cannot fetch the certificate at {url}")
    })?;
    let bytes = body(resp, "caIssuers", url, MAX_CA_ISSUERS)?;
    let certs = certificates_in(&bytes).with_context(|| {
        format!("không đọc được chứng thư / cannot read the certificates from {url}")
    })?;
    if certs.is_empty() {
        bail!("không có chứng thư số / no certificate at {url}");
    }
    Ok(certs)
}

/// Certificates in DER, PKCS#7/CMS certs-only (DER) or PEM bytes.
pub fn certificates_in(bytes: &[u8]) -> Result<Vec<x509_cert::Certificate>> {
    use base64::Engine;
    let der_items = |der: &[u8]| -> Result<Vec<x509_cert::Certificate>> {
        if let Ok(c) = kyso_pki::certificate::parse_certificate(der) {
            return Ok(vec![c]);
        }
        let sd = kyso_pki::cms::parse_signed_data(der)
            .map_err(|e| anyhow::anyhow!("neither a certificate nor PKCS#7: {e}"))?;
        Ok(kyso_pki::cms_verify::certificates_of(&sd))
    };
    let Some(text) = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.contains("-----BEGIN "))
    else {
        return der_items(bytes);
    };
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after.find("-----").context("malformed PEM")?;
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_start.find(&end_marker).context("malformed PEM")?;
        let b64: String = body_start[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if matches!(label, "CERTIFICATE" | "PKCS7" | "CMS") {
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .context("malformed PEM base64")?;
            out.extend(der_items(&der)?);
        }
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use kyso_crypto::{KeySpec, Signer, SoftwareKey};
    use kyso_pki::certificate::{issue, random_serial, to_der, CertificateTemplate};

    fn self_signed(cn: &str) -> x509_cert::Certificate {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let subject = kyso_pki::name::SubjectName {
            common_name: cn.into(),
            ..Default::default()
        };
        let template = CertificateTemplate {
            profile: kyso_pki::profile::Profile::RootCa,
            subject: subject.to_name().unwrap(),
            subject_public_key_info: key.public_key_der().to_vec(),
            serial: random_serial(),
            not_before: now,
            not_after: now + time::Duration::days(1),
            policy_oids: Vec::new(),
            ocsp_url: None,
            ca_issuers_url: None,
            crl_url: None,
            path_len: None,
            email_san: None,
        };
        issue(&template, None, &key).unwrap()
    }

    fn pem(label: &str, der: &[u8]) -> String {
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        )
    }

    #[test]
    fn ca_issuers_answers_in_der_pem_and_pkcs7() {
        let (a, b) = (self_signed("A"), self_signed("B"));
        let (da, db) = (to_der(&a), to_der(&b));
        assert_eq!(certificates_in(&da).unwrap(), vec![a.clone()]);
        let bundle = format!(
            "junk\n{}{}",
            pem("CERTIFICATE", &da),
            pem("CERTIFICATE", &db)
        );
        assert_eq!(
            certificates_in(bundle.as_bytes()).unwrap(),
            vec![a.clone(), b.clone()]
        );
        // A certs-only PKCS#7 made by openssl, in DER and in PEM.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("c.pem"),
            pem("CERTIFICATE", &da) + &pem("CERTIFICATE", &db),
        )
        .unwrap();
        let out = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args([
                "crl2pkcs7",
                "-nocrl",
                "-certfile",
                "c.pem",
                "-outform",
                "DER",
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let got = certificates_in(&o.stdout).unwrap();
                assert!(got.contains(&a) && got.contains(&b) && got.len() == 2);
                let p = pem("PKCS7", &o.stdout);
                assert_eq!(certificates_in(p.as_bytes()).unwrap().len(), 2);
            }
            _ if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") => {
                panic!("openssl is required")
            }
            _ => {}
        }
        for junk in [
            &b""[..],
            b"\x30\x03\x02\x01\x00",
            b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
        ] {
            assert!(certificates_in(junk).is_err());
        }
        assert!(ca_issuers("ldap://example/cn=x").is_err());
    }
}
