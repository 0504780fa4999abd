//! `kyso sign`: PAdES signature of PDFs with a key from a PKCS#12 file or
//! a PKCS#11 token (`key_source`), at level B-B, B-T (time-stamp from an
//! RFC 3161 TSA over HTTP), B-LT or B-LTA (see `extend_cmd`); several
//! documents with one login (`batch`).
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use kyso_crypto::Signer;
use kyso_sign::{
    DocMdp, FieldLock, NewField, NewFieldKind, PadesLevel, Placement, Rect, SignOptions,
};
use x509_cert::Certificate;

#[derive(clap::Args)]
pub struct SignArgs {
    // --- key source and batch (issue 4) ---
    /// PDFs to sign (only read), or directories whose *.pdf are signed.
    /// Several documents are signed with one PIN entry / password.
    #[arg(required = true, value_name = "IN.pdf")]
    inputs: Vec<PathBuf>,
    /// Signed PDF to write (one input; with --detached: the .p7s, default
    /// INPUT.p7s).
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
    /// Signature field name: an existing empty signature field to sign
    /// into, else the name of the new field (invisible unless placed with
    /// --page/--rect, --anchor or --as). Default Signature1, Signature2, …
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
    // Two-signature flow (DESIGN §6) and detached signatures.
    /// Certification signature: P1 (no change allowed), P2 (form filling
    /// and signing), P3 (also annotations). Must be the first signature.
    #[arg(long, value_name = "P1|P2|P3")]
    certify: Option<DocMdp>,
    /// Lock form fields when signed (FieldMDP): all, NAME,NAME… or except:NAME,…
    #[arg(long, value_name = "all|NAMES|except:NAMES")]
    lock_fields: Option<FieldLock>,
    /// Create an empty text field in the signed revision: NAME@PAGE:x1,y1,x2,y2 (repeatable).
    #[arg(long = "text-field", value_name = "NAME@PAGE:RECT")]
    text_fields: Vec<String>,
    /// Create an empty, placed signature field for a later signer: NAME@PAGE:x1,y1,x2,y2 (repeatable).
    #[arg(long = "seal-field", value_name = "NAME@PAGE:RECT")]
    seal_fields: Vec<String>,
    /// Fill the existing text field NAME in the signed revision (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Detached CAdES signature (.p7s) of any file instead of a PAdES PDF.
    #[arg(long)]
    detached: bool,
    // Visible signature appearance and placement (sign_appearance.rs).
    #[command(flatten)]
    appearance: crate::sign_appearance::AppearanceArgs,
}

pub async fn run(args: SignArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || sign(args))
        .await
        .map_err(|e| anyhow!("signing task failed: {e}"))?
}

/// The two-signature flow's options (certification, locks, new fields,
/// values), refused with --detached.
fn flow_options(a: &SignArgs, options: &mut SignOptions) -> Result<()> {
    if a.detached {
        if a.certify.is_some()
            || a.lock_fields.is_some()
            || !a.text_fields.is_empty()
            || !a.seal_fields.is_empty()
            || !a.set.is_empty()
            || a.field.is_some()
            || a.rect.is_some()
        {
            bail!("--detached không đi cùng các tùy chọn PDF / --detached takes no PDF option (--certify, --lock-fields, --text-field, --seal-field, --set, --field, --rect)");
        }
        return Ok(());
    }
    options.certify = a.certify;
    options.lock = a.lock_fields.clone();
    for (specs, kind) in [
        (&a.text_fields, NewFieldKind::Text),
        (&a.seal_fields, NewFieldKind::Signature),
    ] {
        for spec in specs {
            options.new_fields.push(NewField::parse(spec, kind)?);
        }
    }
    options.fill = a
        .set
        .iter()
        .map(|s| crate::fill_cmd::parse_set(s))
        .collect::<Result<_>>()?;
    Ok(())
}

/// `--detached`: a CAdES signature of `input` written to `output`, B-B or B-T.
fn sign_detached(
    input: &Path,
    output: &Path,
    key: &dyn Signer,
    options: &SignOptions,
    chain: &[Certificate],
    tsa: Option<kyso_sign::TsaTransport<'_>>,
) -> Result<PathBuf> {
    let der = kyso_sign::sign_detached(
        input,
        key,
        &options.signer_certificate,
        chain,
        options.signing_time,
        tsa,
    )?;
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kyso-sign-")
        .suffix(".p7s.part")
        .tempfile_in(&dir)
        .with_context(|| format!("không ghi được / cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, &der)?;
    tmp.as_file().sync_all()?;
    tmp.persist(output).map_err(|e| {
        anyhow!(
            "không ghi được / cannot write {}: {}",
            output.display(),
            e.error
        )
    })?;
    Ok(output.to_path_buf())
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
    let jobs = if a.detached && a.output.is_none() && a.out_dir.is_none() {
        // INPUT.p7s beside each input.
        a.inputs
            .iter()
            .map(|i| {
                let mut s = i.clone().into_os_string();
                s.push(".p7s");
                (i.clone(), PathBuf::from(s))
            })
            .collect()
    } else {
        crate::batch::jobs(&a.inputs, a.output.as_deref(), a.out_dir.as_deref())?
    };
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
        let now = now.replace_nanosecond(0).unwrap_or(now);
        // The PDF is parsed once: for the placement and for the update.
        let mut pdf = match a.detached {
            true => None,
            false => Some(kyso_sign::open_pdf(input)?),
        };
        let visible = match &mut pdf {
            None => None,
            Some(pdf) => crate::sign_appearance::placement(
                &a.appearance,
                pdf,
                &cert,
                &signer_name,
                now,
                placement,
                a.field.as_deref(),
            )?,
        };
        // --field NAME names the existing field to sign into, or the new
        // (invisible unless placed) field to create, as pyHanko's --field.
        let field_exists = match (&pdf, &a.field) {
            (Some(pdf), Some(name)) => pdf.has_field(name)?,
            _ => false,
        };
        let mut options = SignOptions::new(cert.clone(), key.algorithm());
        options.reason = a.reason.clone();
        options.location = a.location.clone();
        options.field_name = a.field.clone();
        options.name = Some(signer_name.clone());
        options.signing_time = Some(now);
        match (visible, placement, &a.field) {
            // --field without a rectangle: the existing, empty field of that
            // name, showing the appearance asked for (or the signer and time).
            (Some(Placement::Visible { appearance, .. }), None, Some(_)) => {
                options.placement = Placement::InField { appearance }
            }
            (None, None, Some(_)) if field_exists => {
                options.placement = Placement::InField {
                    appearance: Box::new(kyso_sign::plain_appearance(&signer_name, now)),
                }
            }
            (Some(p), _, _) => options.placement = p,
            (None, _, _) => {}
        }
        flow_options(&a, &mut options)?;
        let Some(pdf) = pdf else {
            return sign_detached(input, output, key, &options, chain, tsa);
        };
        let out = kyso_sign::sign_opened_pdf(pdf, output, key, chain, &options, tsa)?;
        // B-LT / B-LTA: the B-T file just written gets the DSS (and the
        // document time-stamp) in place.
        if level.is_long_term() {
            let report = crate::extend_cmd::extend_file(&out, &out, level, a.tsa.as_deref(), chain)
                .context("chữ ký B-T đã ghi, chưa mở rộng được / the B-T signature was written but could not be extended")?;
            crate::extend_cmd::print_report(&out, level, &report);
        }
        Ok(out)
    };
    let format = match (a.detached, level.has_timestamp()) {
        (true, true) => "CAdES-B-T detached".to_string(),
        (true, false) => "CAdES-B-B detached".to_string(),
        (false, _) => format!("PAdES {level}"),
    };
    let what = format!(
        "{format}, {}, {signer_name}, {}",
        key.algorithm(),
        loaded.description
    );
    crate::batch::run(&jobs, &what, sign_one)
}
