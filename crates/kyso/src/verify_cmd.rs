//! `kyso verify`: validate the signatures of a PDF (PAdES) or a detached
//! CMS/CAdES signature (`--signature FILE.p7s`) following DESIGN §7.
//!
//! Exit status: 0 every signature TOTAL-PASSED, 1 some INDETERMINATE
//! (none failed), 2 some TOTAL-FAILED (or no signature), 3 the file could
//! not be read.
use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use kyso_pki::trust::TrustStore;
use kyso_sign::validate::{self, ValidationContext};
use x509_cert::Certificate;

use crate::context::Context;

/// Largest detached signature read: 16 MiB.
const MAX_P7S: u64 = 16 * 1024 * 1024;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The signed PDF, or the signed file when --signature is given.
    file: PathBuf,
    /// Detached CMS/CAdES signature (.p7s, DER or PEM) over FILE.
    #[arg(long)]
    signature: Option<PathBuf>,
    /// Report as JSON (schema: docs/verify-report.schema.json).
    #[arg(long, conflicts_with = "html")]
    json: bool,
    /// Report as a self-contained HTML page.
    #[arg(long)]
    html: bool,
    /// Extra trust anchor(s) (PEM bundle or DER), besides the anchors of
    /// `kyso trust` in the data directory. May be repeated.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Extra intermediate certificates (PEM bundle or DER). May be repeated.
    #[arg(long)]
    certs: Vec<PathBuf>,
    /// Never fetch OCSP, CRLs or missing intermediate certificates (AIA
    /// caIssuers): use only what the file and the options hold.
    #[arg(long)]
    offline: bool,
    /// Date printed on the document (YYYY-MM-DD); a different signing date
    /// is reported.
    #[arg(long)]
    document_date: Option<String>,
}

fn read_certs(path: &PathBuf) -> Result<Vec<Certificate>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("không đọc được tệp / cannot read {}", path.display()))?;
    let mut t = TrustStore::new();
    let n = if bytes.starts_with(b"-----") || bytes.windows(10).any(|w| w == b"-----BEGIN") {
        t.add_pem_bundle(&bytes, "cli")?
    } else {
        t.add_der(&bytes, "cli")?;
        1
    };
    if n == 0 {
        bail!(
            "không có chứng thư số trong / no certificate in {}",
            path.display()
        );
    }
    Ok(t.anchors().iter().map(|a| a.certificate.clone()).collect())
}

pub async fn run(ctx: &Context, a: VerifyArgs) -> Result<u8> {
    let mut trust = TrustStore::new();
    // Anchors of `kyso trust` (and the built-in root) when there is a data
    // directory; a missing one is not created.
    if ctx.db_configured() {
        let store = ctx.store().await?;
        for anchor in store.trust_anchors().await? {
            if let Err(e) = trust.add_der(&anchor.der, &anchor.label) {
                tracing::warn!("trust anchor {}: {e}", anchor.fingerprint_sha256);
            }
        }
    }
    for p in &a.trust {
        for c in read_certs(p)? {
            use der::Encode;
            let der = c.to_der()?;
            // Already an anchor (e.g. the built-in root of the data directory).
            if trust
                .find(&kyso_pki::trust::fingerprint_sha256(&der))
                .is_none()
            {
                trust.add_der(&der, &p.display().to_string())?;
            }
        }
    }
    let mut extra = Vec::new();
    for p in &a.certs {
        extra.extend(read_certs(p)?);
    }
    let document_date = match &a.document_date {
        Some(d) => Some(
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                .with_context(|| format!("ngày không hợp lệ / invalid date {d} (YYYY-MM-DD)"))?,
        ),
        None => None,
    };
    tokio::task::spawn_blocking(move || verify_blocking(a, trust, extra, document_date)).await?
}

fn verify_blocking(
    a: VerifyArgs,
    trust: TrustStore,
    extra: Vec<Certificate>,
    document_date: Option<time::Date>,
) -> Result<u8> {
    let fetch = |chain: &[Certificate]| crate::fetch::revocation_evidence(chain);
    let fetcher: validate::EvidenceFetcher<'_> = &fetch;
    // Each caIssuers URL is fetched at most once per run.
    let issuers: std::sync::Mutex<
        std::collections::HashMap<String, Result<Vec<Certificate>, String>>,
    > = Default::default();
    let issuer = |url: &str| -> Result<Vec<Certificate>, String> {
        let mut cache = issuers.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(url.to_string())
            .or_insert_with(|| crate::fetch::ca_issuers(url).map_err(|e| format!("{e:#}")))
            .clone()
    };
    let issuer_fetcher: validate::IssuerFetcher<'_> = &issuer;
    let vctx = ValidationContext {
        trust: &trust,
        extra_certificates: extra,
        fetch: if a.offline { None } else { Some(fetcher) },
        fetch_issuer: if a.offline {
            None
        } else {
            Some(issuer_fetcher)
        },
        now: time::OffsetDateTime::now_utc(),
        document_date,
    };
    if trust.is_empty() {
        eprintln!("Cảnh báo: không có điểm tin cậy nào (dùng --trust hoặc `kyso trust import`) / warning: no trust anchor (use --trust or `kyso trust import`)");
    }
    let report = match &a.signature {
        Some(sig) => {
            let mut f = std::fs::File::open(sig)
                .with_context(|| format!("không đọc được tệp / cannot read {}", sig.display()))?;
            let mut p7s = Vec::new();
            (&mut f).take(MAX_P7S + 1).read_to_end(&mut p7s)?;
            if p7s.len() as u64 > MAX_P7S {
                bail!("tệp chữ ký quá lớn / signature file larger than {MAX_P7S} bytes");
            }
            let path = a.file.clone();
            let len = std::fs::metadata(&path)
                .with_context(|| format!("không đọc được tệp / cannot read {}", path.display()))?
                .len();
            let digest = move |alg: kyso_crypto::DigestAlgorithm| -> Result<Vec<u8>, String> {
                let mut f = std::fs::File::open(&path).map_err(|e| e.to_string())?;
                let mut h = kyso_crypto::Hasher::new(alg);
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = f.read(&mut buf).map_err(|e| e.to_string())?;
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                }
                Ok(h.finish())
            };
            validate::validate_detached(&p7s, len, &digest, &vctx)
        }
        // Read from disk object by object, as signing does.
        None => validate::validate_pdf_file(&a.file, &vctx)
            .with_context(|| format!("không đọc được tệp / cannot read {}", a.file.display()))?,
    };
    let out = if a.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else if a.html {
        validate::render::html(&report)
    } else {
        validate::render::text(&report)
    };
    // A closed pipe (`kyso verify … | head`) is not an error of the verification.
    let mut stdout = std::io::stdout().lock();
    match std::io::Write::write_all(&mut stdout, out.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut stdout))
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(report.exit_code())
}
