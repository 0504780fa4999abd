//! `kyso ca …`
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use kyso_ca::{Ca, CaConfig, InitOptions, IssueOptions};
use kyso_crypto::KeySpec;
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_pki::RevocationReason;
use kyso_store::{CertificateFilter, CertificateStatus};

use crate::context::{write_private, Context};

#[derive(Subcommand)]
pub enum CaCommand {
    /// Create the root CA, the issuing CA, the TSA and the OCSP responder.
    Init(InitArgs),
    /// Issue a subscriber certificate from a CSR, or with a new key (PKCS#12).
    Issue(IssueArgs),
    /// Renew a certificate: same key, validity extended by at most 3 years.
    Renew {
        /// Serial number (hex) of the certificate to renew.
        serial: String,
        /// Days to add to the current end date (at most 1096).
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Write the new certificate (PEM) here instead of standard output.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Revoke a certificate with an RFC 5280 reason.
    Revoke {
        serial: String,
        /// unspecified, keyCompromise, cACompromise, affiliationChanged,
        /// superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise.
        #[arg(long, default_value = "unspecified")]
        reason: RevocationReason,
    },
    /// Publish a new CRL now and write it out (DER, or PEM with --pem).
    Crl {
        /// Which CA: issuing or root.
        #[arg(long, default_value = "issuing")]
        issuer: String,
        #[arg(short, long)]
        out: Option<PathBuf>,
        #[arg(long)]
        pem: bool,
    },
    /// List issued certificates.
    List {
        /// valid or revoked.
        #[arg(long)]
        status: Option<String>,
        /// personal, organization, tsa, ocsp, issuing-ca.
        #[arg(long)]
        profile: Option<String>,
        /// Part of the subject to look for.
        #[arg(long)]
        subject: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one certificate.
    Show {
        serial: String,
        #[arg(long)]
        pem: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write a CA certificate (root, issuing, tsa, ocsp) as PEM.
    Cert {
        #[arg(default_value = "root")]
        which: String,
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct InitArgs {
    /// Root key: rsa-4096, rsa-3072 or p-384.
    #[arg(long, default_value = "rsa-4096")]
    root_key: KeySpec,
    /// Issuing CA key: rsa-3072, rsa-4096, p-256 or p-384.
    #[arg(long, default_value = "rsa-3072")]
    issuing_key: KeySpec,
    /// TSA key.
    #[arg(long, default_value = "rsa-2048")]
    tsa_key: KeySpec,
    /// OCSP responder key.
    #[arg(long, default_value = "p-256")]
    ocsp_key: KeySpec,
    /// Organization operating the CA (O of the CA names).
    #[arg(long)]
    organization: Option<String>,
    /// Province (ST of the CA names).
    #[arg(long)]
    province: Option<String>,
    /// URL where `kyso serve` is reached; goes into AIA and CDP.
    #[arg(long)]
    base_url: Option<String>,
    /// Certificate policy OID for subscriber certificates (repeatable).
    #[arg(long = "policy")]
    policies: Vec<String>,
    /// TSA policy OID.
    #[arg(long)]
    tsa_policy: Option<String>,
}

#[derive(Args)]
pub struct IssueArgs {
    /// personal (signing key of a person) or organization (seal key).
    #[arg(long, default_value = "personal")]
    profile: Profile,
    /// PKCS#10 request (PEM or DER).
    #[arg(long, conflicts_with = "key_type")]
    csr: Option<PathBuf>,
    /// Subject, e.g. "CN=Nguyễn Văn An, O=UBND tỉnh Ninh Bình, ST=Ninh Bình, C=VN, E=an@ninhbinh.gov.vn".
    /// Required with --key-type; with --csr it replaces the request's subject.
    #[arg(long)]
    subject: Option<String>,
    /// Generate the key: rsa-2048, rsa-3072, p-256 … (written with the
    /// certificate as an encrypted PKCS#12 to --p12).
    #[arg(long)]
    key_type: Option<KeySpec>,
    /// Where to write the PKCS#12 (with --key-type).
    #[arg(long)]
    p12: Option<PathBuf>,
    /// Environment variable holding the PKCS#12 password (else asked on the terminal).
    #[arg(long, default_value = "KYSO_P12_PASSWORD")]
    p12_password_env: String,
    /// Validity in days (at most 1826 = 5 years).
    #[arg(long)]
    days: Option<u32>,
    /// Official e-mail (subjectAltName).
    #[arg(long)]
    email: Option<String>,
    /// Write the certificate (PEM) here instead of standard output.
    #[arg(short, long)]
    out: Option<PathBuf>,
}

pub async fn run(ctx: &Context, cmd: CaCommand) -> Result<()> {
    match cmd {
        CaCommand::Init(a) => init(ctx, a).await.map(|_| ()),
        CaCommand::Issue(a) => issue(ctx, a).await,
        CaCommand::Renew { serial, days, out } => {
            let ca = ctx.open_ca().await?;
            let c = ca.renew(&serial, days).await?;
            eprintln!(
                "Đã gia hạn / renewed: new serial {} valid until {}",
                c.serial_hex,
                vn(c.not_after)
            );
            emit(out.as_ref(), c.pem.as_bytes())
        }
        CaCommand::Revoke { serial, reason } => {
            let ca = ctx.open_ca().await?;
            let r = ca.revoke(&serial, Some(reason)).await?;
            println!(
                "Đã thu hồi / revoked {} ({}) — lý do / reason: {} ({})",
                r.serial_hex,
                r.subject,
                reason.name(),
                reason.vietnamese()
            );
            Ok(())
        }
        CaCommand::Crl { issuer, out, pem } => {
            let ca = ctx.open_ca().await?;
            let der = ca.publish_crl(&issuer).await?;
            let bytes = if pem {
                pem_block("X509 CRL", &der).into_bytes()
            } else {
                der
            };
            emit(out.as_ref(), &bytes)
        }
        CaCommand::List {
            status,
            profile,
            subject,
            json,
        } => {
            let store = ctx.store().await?;
            let status = status
                .as_deref()
                .map(|s| {
                    CertificateStatus::parse(s)
                        .map_err(|_| anyhow::anyhow!("--status is valid or revoked, not '{s}'"))
                })
                .transpose()?;
            let rows = store
                .list_certificates(&CertificateFilter {
                    status,
                    profile,
                    subject_contains: subject,
                    ..Default::default()
                })
                .await?;
            if json {
                let v: Vec<_> = rows.iter().map(record_json).collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "{:<34} {:<13} {:<8} {:<26} subject",
                    "serial", "profile", "status", "not after"
                );
                for r in &rows {
                    println!(
                        "{:<34} {:<13} {:<8} {:<26} {}",
                        r.serial_hex,
                        r.profile,
                        r.status.as_str(),
                        vn(r.not_after),
                        r.subject
                    );
                }
                eprintln!("{} chứng thư / certificates", rows.len());
            }
            Ok(())
        }
        CaCommand::Show { serial, pem, json } => {
            let store = ctx.store().await?;
            let serial = kyso_ca::normalize_serial(&serial);
            let r = store
                .certificate(&serial)
                .await?
                .with_context(|| format!("no certificate with serial {serial}"))?;
            if pem {
                print!("{}", pem_block("CERTIFICATE", &r.der));
            } else if json {
                println!("{}", serde_json::to_string_pretty(&record_json(&r))?);
            } else {
                let v = record_json(&r);
                for (k, val) in v.as_object().into_iter().flatten() {
                    println!(
                        "{k:<20} {}",
                        val.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| val.to_string())
                    );
                }
            }
            Ok(())
        }
        CaCommand::Cert { which, out } => {
            let ca = ctx.open_ca().await?;
            let der = match which.as_str() {
                "root" => ca.root_der().to_vec(),
                "issuing" => ca.issuing_der().to_vec(),
                "tsa" => ca.tsa().certificate_der().to_vec(),
                "ocsp" => ca.ocsp().responder_der().to_vec(),
                other => bail!("no CA certificate named '{other}'; use root, issuing, tsa or ocsp"),
            };
            emit(out.as_ref(), pem_block("CERTIFICATE", &der).as_bytes())
        }
    }
}

impl InitArgs {
    /// Defaults for `kyso demo`.
    pub fn demo(base_url: String) -> Self {
        InitArgs {
            root_key: KeySpec::Rsa4096,
            issuing_key: KeySpec::Rsa3072,
            tsa_key: KeySpec::Rsa2048,
            ocsp_key: KeySpec::EcP256,
            organization: None,
            province: None,
            base_url: Some(base_url),
            policies: vec![],
            tsa_policy: None,
        }
    }
}

pub async fn init(ctx: &Context, a: InitArgs) -> Result<Ca> {
    if ctx.config_path().exists() {
        bail!(
            "{} already exists: this data directory already has a CA",
            ctx.config_path().display()
        );
    }
    let mut config = CaConfig::default();
    if let Some(o) = a.organization {
        config.organization = o;
    }
    if let Some(p) = a.province {
        config.province = p;
    }
    if let Some(u) = a.base_url {
        config.base_url = u;
    }
    if !a.policies.is_empty() {
        config.certificate_policies = a.policies;
    }
    if let Some(p) = a.tsa_policy {
        config.tsa_policy = p;
    }
    config.validate()?;
    let store = ctx.store().await?;
    let pw = ctx.key_password(true)?;
    let opts = InitOptions {
        root_key: a.root_key,
        issuing_key: a.issuing_key,
        tsa_key: a.tsa_key,
        ocsp_key: a.ocsp_key,
        ..Default::default()
    };
    eprintln!(
        "Đang tạo khóa CA / generating the CA keys ({}, {}) …",
        opts.root_key, opts.issuing_key
    );
    let ca = Ca::init(store, config.clone(), &pw, &opts).await?;
    config.save(&ctx.config_path())?;
    eprintln!(
        "Đã khởi tạo CA / CA initialised in {}: root, issuing CA, TSA, OCSP responder.",
        ctx.data.display()
    );
    Ok(ca)
}

async fn issue(ctx: &Context, a: IssueArgs) -> Result<()> {
    let ca = ctx.open_ca().await?;
    let subject = a
        .subject
        .as_deref()
        .map(SubjectName::parse_dn)
        .transpose()?;
    let opts = IssueOptions {
        profile: a.profile,
        days: a.days,
        subject: subject.clone(),
        email: a.email.clone(),
    };
    let issued = if let Some(csr) = &a.csr {
        let bytes = std::fs::read(csr).with_context(|| format!("cannot read {}", csr.display()))?;
        ca.issue_from_csr(&bytes, &opts).await?
    } else if let Some(kt) = a.key_type {
        let Some(mut subject) = subject else {
            bail!("--key-type needs --subject")
        };
        if subject.email.is_none() {
            subject.email = a.email.clone();
        }
        let Some(p12_path) = &a.p12 else {
            bail!("--key-type needs --p12 FILE for the key")
        };
        let password = match std::env::var(&a.p12_password_env) {
            Ok(p) if !p.is_empty() => p,
            _ => {
                let p = rpassword::prompt_password("Mật khẩu PKCS#12 / PKCS#12 password: ")?;
                let again = rpassword::prompt_password("Nhập lại / again: ")?;
                if p != again {
                    bail!("the passwords differ");
                }
                p
            }
        };
        let (issued, p12) = ca
            .issue_with_new_key(&subject, kt, &opts, &password)
            .await?;
        write_private(p12_path, &p12)?;
        eprintln!(
            "Khóa và chứng thư / key and certificate: {}",
            p12_path.display()
        );
        issued
    } else {
        bail!("give --csr FILE, or --key-type with --subject and --p12");
    };
    eprintln!(
        "Đã cấp / issued: serial {} — {} — valid {} → {}",
        issued.serial_hex,
        issued.subject,
        vn(issued.not_before),
        vn(issued.not_after)
    );
    emit(a.out.as_ref(), issued.pem.as_bytes())
}

fn emit(out: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(p) => {
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(bytes)?;
            Ok(())
        }
    }
}

/// PEM text of a DER object (LF line endings).
pub fn pem_block(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}

fn vn(t: time::OffsetDateTime) -> String {
    kyso_pki::time::iso8601_vn(t)
}

fn record_json(r: &kyso_store::CertificateRecord) -> serde_json::Value {
    serde_json::json!({
        "serial": r.serial_hex,
        "subject": r.subject,
        "email": r.subject_email,
        "profile": r.profile,
        "issuer": r.issuer_id,
        "status": r.status.as_str(),
        "not_before": vn(r.not_before),
        "not_after": vn(r.not_after),
        "revoked_at": r.revoked_at.map(vn),
        "revocation_reason": r.revocation_reason
            .and_then(|c| u8::try_from(c).ok())
            .and_then(RevocationReason::from_code)
            .map(|x| x.name()),
        "renewed_from": r.renewed_from,
        "fingerprint_sha256": r.fingerprint_sha256,
    })
}
