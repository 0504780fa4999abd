//! `kyso sign`: PAdES signature of a PDF with a key from a PKCS#12 file,
//! at level B-B or B-T (time-stamp from an RFC 3161 TSA over HTTP).
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use der::Decode;
use kyso_crypto::{SignatureAlgorithm, Signer, SoftwareKey};
use kyso_sign::{
    DocMdp, FieldLock, NewField, NewFieldKind, PadesLevel, Placement, Rect, SignOptions,
};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use x509_cert::Certificate;

/// Largest PKCS#12 file read.
const MAX_P12: u64 = 1024 * 1024;

#[derive(clap::Args)]
pub struct SignArgs {
    /// PDF (or, with --detached, any file) to sign (only read).
    input: PathBuf,
    /// Signed PDF to write (with --detached: the .p7s, default INPUT.p7s).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// PKCS#12 file with the signing key and its certificate chain.
    #[arg(long)]
    p12: PathBuf,
    /// Environment variable holding the PKCS#12 password (asked for when unset).
    #[arg(long, default_value = "KYSO_P12_PASSWORD")]
    p12_password_env: String,
    /// PAdES level: B-B, or B-T (default when --tsa is given).
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
}

pub async fn run(args: SignArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || sign(args))
        .await
        .map_err(|e| anyhow!("signing task failed: {e}"))?
}

/// The key and certificates of a PKCS#12 file: the signer's certificate
/// (the one certifying the key) and the others.
fn read_p12(path: &Path, password: &str) -> Result<(SoftwareKey, Certificate, Vec<Certificate>)> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("không đọc được / cannot read {}", path.display()))?
        .len();
    if len > MAX_P12 {
        bail!("tệp PKCS#12 quá lớn / PKCS#12 file too large ({len} bytes)");
    }
    let data = std::fs::read(path)
        .with_context(|| format!("không đọc được / cannot read {}", path.display()))?;
    let ks = KeyStore::from_pkcs12(&data, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| {
        anyhow!("không mở được PKCS#12 (sai mật khẩu?) / cannot open the PKCS#12 (wrong password?): {e}")
    })?;
    let (_, chain) = ks.private_key_chain().ok_or_else(|| {
        anyhow!("PKCS#12 không có khóa bí mật / the PKCS#12 holds no private key")
    })?;
    let key = SoftwareKey::from_pkcs8_der(chain.key().as_der(), None)
        .context("khóa trong PKCS#12 / the key in the PKCS#12")?;
    let mut signer_cert = None;
    let mut others = Vec::new();
    for c in chain.certs() {
        let cert = Certificate::from_der(c.as_der())
            .context("chứng thư trong PKCS#12 / a certificate in the PKCS#12")?;
        let spki = der::Encode::to_der(&cert.tbs_certificate.subject_public_key_info)?;
        if signer_cert.is_none() && spki == key.public_key_der() {
            signer_cert = Some(cert);
        } else {
            others.push(cert);
        }
    }
    let signer_cert = signer_cert.ok_or_else(|| {
        anyhow!("PKCS#12 không có chứng thư của khóa / the PKCS#12 has no certificate for its key")
    })?;
    Ok((key, signer_cert, others))
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

/// `--detached`: a CAdES signature of the file, B-B or B-T.
fn sign_detached(
    a: &SignArgs,
    key: &SoftwareKey,
    options: &SignOptions,
    chain: &[Certificate],
    tsa: Option<kyso_sign::TsaTransport<'_>>,
) -> Result<()> {
    let timestamped = tsa.is_some();
    let output = a.output.clone().unwrap_or_else(|| {
        let mut s = a.input.clone().into_os_string();
        s.push(".p7s");
        PathBuf::from(s)
    });
    let der = kyso_sign::sign_detached(
        &a.input,
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
    tmp.persist(&output).map_err(|e| {
        anyhow!(
            "không ghi được / cannot write {}: {}",
            output.display(),
            e.error
        )
    })?;
    let level = if timestamped {
        "CAdES-B-T"
    } else {
        "CAdES-B-B"
    };
    eprintln!(
        "Đã ký / signed: {} (chữ ký tách rời / detached {level}, {})",
        output.display(),
        key.algorithm()
    );
    Ok(())
}

fn sign(a: SignArgs) -> Result<()> {
    let level = match (a.level, &a.tsa) {
        (Some(PadesLevel::BT), None) => {
            bail!("mức B-T cần --tsa URL / level B-T needs --tsa URL")
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
    let password = match std::env::var(&a.p12_password_env) {
        Ok(p) if !p.is_empty() => p,
        _ => rpassword::prompt_password("Mật khẩu PKCS#12 / PKCS#12 password: ")?,
    };
    let (mut key, cert, chain) = read_p12(&a.p12, &password)?;
    if a.pkcs1v15 {
        if !key.algorithm().is_rsa() {
            bail!("--pkcs1v15 chỉ dùng cho khóa RSA / --pkcs1v15 is for RSA keys only");
        }
        let alg = match key.algorithm().digest() {
            kyso_crypto::DigestAlgorithm::Sha384 => SignatureAlgorithm::RsaPkcs1Sha384,
            kyso_crypto::DigestAlgorithm::Sha512 => SignatureAlgorithm::RsaPkcs1Sha512,
            _ => SignatureAlgorithm::RsaPkcs1Sha256,
        };
        key = key.with_algorithm(alg)?;
    }
    let signer_name = kyso_pki::name::common_name(&cert.tbs_certificate.subject)
        .unwrap_or_else(|| kyso_pki::name::display_name(&cert.tbs_certificate.subject));
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7));
    let mut options = SignOptions::new(cert, key.algorithm());
    options.reason = a.reason.clone();
    options.location = a.location.clone();
    options.field_name = a.field.clone();
    options.name = Some(signer_name.clone());
    options.signing_time = Some(now);
    let when = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let lines = vec![
        format!("Ky boi / Signed by: {signer_name}"),
        format!("Thoi gian / Time: {when}"),
    ];
    match (placement, &a.field) {
        (Some((page, rect)), _) => options.placement = Placement::Visible { page, rect, lines },
        // --field without a rectangle: the existing, empty field of that name.
        (None, Some(_)) => options.placement = Placement::InField { lines },
        (None, None) => {}
    }
    flow_options(&a, &mut options)?;
    let tsa_url = a.tsa.clone();
    let transport = move |req: &[u8]| -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        let url = tsa_url.as_deref().ok_or("no TSA URL")?;
        crate::fetch::time_stamp(url, req).map_err(|e| format!("{e:#}").into())
    };
    let tsa: Option<kyso_sign::TsaTransport<'_>> = match level {
        PadesLevel::BT => Some(&transport),
        PadesLevel::BB => None,
    };
    if a.detached {
        return sign_detached(&a, &key, &options, &chain, tsa);
    }
    let output = a
        .output
        .clone()
        .ok_or_else(|| anyhow!("thiếu -o TỆP_RA / -o OUTPUT is required"))?;
    let out = kyso_sign::sign_pdf(&a.input, &output, &key, &chain, &options, tsa)?;
    eprintln!(
        "Đã ký / signed: {} (PAdES {level}, {}, {signer_name})",
        out.display(),
        key.algorithm()
    );
    Ok(())
}
