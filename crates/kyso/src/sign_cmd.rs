//! `kyso sign`: PAdES signature of a PDF with a key from a PKCS#12 file,
//! at level B-B or B-T (time-stamp from an RFC 3161 TSA over HTTP).
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use der::Decode;
use kyso_crypto::{SignatureAlgorithm, Signer, SoftwareKey};
use kyso_sign::{PadesLevel, Rect, SignOptions};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use x509_cert::Certificate;

/// Largest PKCS#12 file read.
const MAX_P12: u64 = 1024 * 1024;

#[derive(clap::Args)]
pub struct SignArgs {
    /// PDF to sign (only read).
    input: PathBuf,
    /// Signed PDF to write.
    #[arg(short, long)]
    output: PathBuf,
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
    // Visible signature appearance and placement (sign_appearance.rs).
    #[command(flatten)]
    appearance: crate::sign_appearance::AppearanceArgs,
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
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let visible = crate::sign_appearance::placement(
        &a.appearance,
        &a.input,
        &cert,
        &signer_name,
        now,
        placement,
    )?;
    let mut options = SignOptions::new(cert, key.algorithm());
    options.reason = a.reason.clone();
    options.location = a.location.clone();
    options.field_name = a.field.clone();
    options.name = Some(signer_name.clone());
    options.signing_time = Some(now);
    if let Some(p) = visible {
        options.placement = p;
    }
    let tsa_url = a.tsa.clone();
    let transport = move |req: &[u8]| -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        let url = tsa_url.as_deref().ok_or("no TSA URL")?;
        crate::fetch::time_stamp(url, req).map_err(|e| format!("{e:#}").into())
    };
    let tsa: Option<kyso_sign::TsaTransport<'_>> = match level {
        PadesLevel::BT => Some(&transport),
        PadesLevel::BB => None,
    };
    let out = kyso_sign::sign_pdf(&a.input, &a.output, &key, &chain, &options, tsa)?;
    eprintln!(
        "Đã ký / signed: {} (PAdES {level}, {}, {signer_name})",
        out.display(),
        key.algorithm()
    );
    Ok(())
}
