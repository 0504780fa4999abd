//! `kyso extend`: bring a signed PDF (kyso's or another signer's) to PAdES
//! B-LT (validation material in the DSS) or B-LTA (and a document
//! time-stamp); run again on a B-LTA file it renews the archive
//! time-stamp. Revocation evidence comes from the OCSP responders and CRL
//! distribution points named in the certificates.
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use kyso_sign::{EvidenceStatus, LtvReport, PadesLevel};
use x509_cert::Certificate;

/// Largest certificate file read by --cert.
const MAX_CERT_FILE: u64 = 1024 * 1024;

#[derive(clap::Args)]
pub struct ExtendArgs {
    /// Signed PDF to extend.
    input: PathBuf,
    /// Where to write the result (default: the input is replaced, after
    /// the whole extension succeeded).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Level to reach: B-LT, or B-LTA (needs --tsa).
    #[arg(long)]
    to: PadesLevel,
    /// URL of the RFC 3161 time-stamp authority for B-LTA.
    #[arg(long)]
    tsa: Option<String>,
    /// Certificates (PEM or DER) completing chains the signatures do not
    /// carry: issuing CAs, roots. Repeatable.
    #[arg(long = "cert")]
    certs: Vec<PathBuf>,
}

pub async fn run(args: ExtendArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || extend(args))
        .await
        .map_err(|e| anyhow!("extension task failed: {e}"))?
}

fn read_certificate(path: &Path) -> Result<Certificate> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("không đọc được / cannot read {}", path.display()))?
        .len();
    if len > MAX_CERT_FILE {
        bail!(
            "tệp chứng thư quá lớn / certificate file too large: {}",
            path.display()
        );
    }
    let data = std::fs::read(path)
        .with_context(|| format!("không đọc được / cannot read {}", path.display()))?;
    kyso_pki::certificate::parse_certificate(&data).with_context(|| {
        format!(
            "không đọc được chứng thư / cannot read the certificate {}",
            path.display()
        )
    })
}

/// Extend `input` to `level` into `output` with evidence fetched over
/// HTTP (OCSP via AIA, else CRL via CDP) and the document time-stamp from
/// `tsa`.
pub fn extend_file(
    input: &Path,
    output: &Path,
    level: PadesLevel,
    tsa: Option<&str>,
    extra: &[Certificate],
) -> Result<LtvReport> {
    if level == PadesLevel::BLta && tsa.is_none() {
        bail!("mức B-LTA cần --tsa URL / level B-LTA needs --tsa URL (the time-stamp authority of the document time-stamp)");
    }
    let transport = |req: &[u8]| -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        let url = tsa.ok_or("no TSA URL")?;
        crate::fetch::time_stamp(url, req).map_err(|e| format!("{e:#}").into())
    };
    let fetch = |chain: &[Certificate]| crate::fetch::revocation_evidence(chain);
    let tsa_transport: Option<kyso_sign::TsaTransport<'_>> = match tsa {
        Some(_) => Some(&transport),
        None => None,
    };
    Ok(kyso_sign::extend(
        input,
        output,
        level,
        tsa_transport,
        &fetch,
        extra,
    )?)
}

/// The report in plain words, Vietnamese first.
pub fn print_report(output: &Path, level: PadesLevel, r: &LtvReport) {
    println!(
        "Đã mở rộng / extended: {} → PAdES {level}",
        output.display()
    );
    println!(
        "  chữ ký / signatures: {}, dấu thời gian tài liệu có sẵn / existing document time-stamps: {}",
        r.signatures, r.document_timestamps
    );
    println!(
        "  đã nhúng vào DSS / embedded in the DSS: {} chứng thư / certificates, {} OCSP, {} CRL",
        r.certs_added(),
        r.ocsps_added(),
        r.crls_added()
    );
    if let Some(b) = r.timestamp_bytes {
        println!("  dấu thời gian tài liệu / document time-stamp: {b} byte");
    }
    println!("  số byte thêm / bytes added: {}", r.bytes_added);
    for c in &r.certificates {
        let status = match &c.status {
            EvidenceStatus::Good { source } => format!("còn hiệu lực / good ({source})"),
            EvidenceStatus::Revoked { source, time } => format!(
                "ĐÃ BỊ THU HỒI / REVOKED at {} ({source})",
                kyso_pki::time::iso8601_vn(*time)
            ),
            EvidenceStatus::Unknown => "không rõ / unknown to the OCSP responder".into(),
            EvidenceStatus::Missing => "không có bằng chứng / no evidence".into(),
        };
        println!("  [{}] {}: {status}", c.field, c.subject);
    }
    for w in &r.warnings {
        println!("  cảnh báo / warning: {w}");
    }
    if r.revoked().next().is_some() {
        println!(
            "  Lưu ý: có chứng thư đã bị thu hồi; bằng chứng vẫn được nhúng / Note: a certificate is revoked; the evidence is embedded all the same"
        );
    }
}

fn extend(a: ExtendArgs) -> Result<()> {
    if !matches!(a.to, PadesLevel::BLt | PadesLevel::BLta) {
        bail!(
            "--to phải là B-LT hoặc B-LTA / --to must be B-LT or B-LTA, not {}",
            a.to
        );
    }
    let extra = a
        .certs
        .iter()
        .map(|p| read_certificate(p))
        .collect::<Result<Vec<_>>>()?;
    let output = a.output.clone().unwrap_or_else(|| a.input.clone());
    let report = extend_file(&a.input, &output, a.to, a.tsa.as_deref(), &extra)?;
    print_report(&output, a.to, &report);
    Ok(())
}
