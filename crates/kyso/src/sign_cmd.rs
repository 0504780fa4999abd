//! `kyso sign`: PAdES signature of PDFs with a key from a PKCS#12 file or
//! a PKCS#11 token (`key_source`), at level B-B, B-T (time-stamp from an
//! RFC 3161 TSA over HTTP), B-LT or B-LTA (see `extend_cmd`); several
//! documents with one login (`batch`).
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use kyso_sign::{PadesLevel, Placement, Rect, SignOptions};

#[derive(clap::Args)]
pub struct SignArgs {
    // --- key source and batch (issue 4) ---
    /// PDFs to sign (only read), or directories whose *.pdf are signed.
    /// Several documents are signed with one PIN entry / password.
    #[arg(required = true, value_name = "IN.pdf")]
    inputs: Vec<PathBuf>,
    /// Signed PDF to write (one input).
    #[arg(short, long, conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Directory for the signed PDFs (several inputs), same file names.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    #[command(flatten)]
    key: crate::key_source::KeySourceArgs,
    // --- end key source and batch ---
    /// PAdES level: B-B, B-T (default when --tsa is given), B-LT or B-LTA
    /// (B-T plus the DSS with certificates, OCSP answers and CRLs, plus a
    /// document time-stamp for B-LTA; both need --tsa).
    #[arg(long)]
    level: Option<PadesLevel>,
    /// URL of the RFC 3161 time-stamp authority, e.g. http://127.0.0.1:8080/tsa.
    #[arg(long)]
    tsa: Option<String>,
    /// Reason for signing (/Reason).
    #[arg(long)]
    reason: Option<String>,
    /// Place of signing (/Location).
    #[arg(long)]
    location: Option<String>,
    /// Signature field name (default Signature1, Signature2, …).
    #[arg(long)]
    field: Option<String>,
    /// Page of a visible signature (1 = first); needs --rect.
    #[arg(long)]
    page: Option<u32>,
    /// Rectangle of a visible signature in points: x1,y1,x2,y2.
    #[arg(long)]
    rect: Option<Rect>,
    /// Sign RSA keys with PKCS#1 v1.5 instead of RSASSA-PSS.
    #[arg(long)]
    pkcs1v15: bool,
}

pub async fn run(args: SignArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || sign(args))
        .await
        .map_err(|e| anyhow!("signing task failed: {e}"))?
}

fn sign(a: SignArgs) -> Result<()> {
    let level = match (a.level, &a.tsa) {
        (Some(l), None) if l.has_timestamp() => {
            bail!("mức {l} cần --tsa URL / level {l} needs --tsa URL")
        }
        (Some(l), _) => l,
        (None, Some(_)) => PadesLevel::BT,
        (None, None) => PadesLevel::BB,
    };
    let placement = match (a.page, a.rect) {
        (None, None) => None,
        (Some(page), Some(rect)) => Some((page, rect)),
        (None, Some(rect)) => Some((1, rect)),
        (Some(_), None) => bail!("--page cần --rect / --page needs --rect x1,y1,x2,y2"),
    };
    let jobs = crate::batch::jobs(&a.inputs, a.output.as_deref(), a.out_dir.as_deref())?;
    let loaded = a.key.load(a.pkcs1v15)?;
    let key = loaded.signer.as_ref();
    let cert = loaded.certificate.clone();
    let chain = &loaded.chain;
    let signer_name = kyso_pki::name::common_name(&cert.tbs_certificate.subject)
        .unwrap_or_else(|| kyso_pki::name::display_name(&cert.tbs_certificate.subject));
    let tsa_url = a.tsa.clone();
    let transport = move |req: &[u8]| -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        let url = tsa_url.as_deref().ok_or("no TSA URL")?;
        crate::fetch::time_stamp(url, req).map_err(|e| format!("{e:#}").into())
    };
    let tsa: Option<kyso_sign::TsaTransport<'_>> = match level.has_timestamp() {
        true => Some(&transport),
        false => None,
    };
    let sign_one = |input: &Path, output: &Path| -> Result<PathBuf> {
        let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7));
        let mut options = SignOptions::new(cert.clone(), key.algorithm());
        options.reason = a.reason.clone();
        options.location = a.location.clone();
        options.field_name = a.field.clone();
        options.name = Some(signer_name.clone());
        options.signing_time = Some(now);
        if let Some((page, rect)) = placement {
            let when = now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            options.placement = Placement::Visible {
                page,
                rect,
                lines: vec![
                    format!("Ky boi / Signed by: {signer_name}"),
                    format!("Thoi gian / Time: {when}"),
                ],
            };
        }
        let out = kyso_sign::sign_pdf(input, output, key, chain, &options, tsa)?;
        // B-LT / B-LTA: the B-T file just written gets the DSS (and the
        // document time-stamp) in place.
        if level.is_long_term() {
            let report = crate::extend_cmd::extend_file(&out, &out, level, a.tsa.as_deref(), chain)
                .context("chữ ký B-T đã ghi, chưa mở rộng được / the B-T signature was written but could not be extended")?;
            crate::extend_cmd::print_report(&out, level, &report);
        }
        Ok(out)
    };
    let what = format!(
        "PAdES {level}, {}, {signer_name}, {}",
        key.algorithm(),
        loaded.description
    );
    crate::batch::run(&jobs, &what, sign_one)
}
