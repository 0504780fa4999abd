//! `kyso token …`: keys on PKCS#11 tokens (USB tokens, HSMs).
//!
//! PINs come from a no-echo prompt, an environment variable the user names
//! (`--pin-env NAME`), or the token's PIN pad; they are never logged,
//! stored or printed (R-TOKEN-PERSON).
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use base64::Engine;
use clap::{Args, Subcommand};
use der::Encode;
use kyso_crypto::pkcs11::{
    check_before_login, CertificateObject, KeySelector, Pin, PinEntry, PinUser, TokenSelector,
    TokenSession,
};
use kyso_crypto::{KeySpec, Pkcs11Error, Pkcs11Module, Pkcs11Signer, SignatureAlgorithm, Signer};
use kyso_store::{NewTokenRecovery, RecoveryResult};
use time::OffsetDateTime;

use crate::context::Context;

/// Which module and token.
#[derive(Args, Clone)]
pub struct TokenArgs {
    /// The PKCS#11 module of the token (vendor .so/.dll/.dylib).
    #[arg(long, env = "KYSO_PKCS11_MODULE")]
    module: PathBuf,
    /// Token label.
    #[arg(long = "token", conflicts_with = "token_serial")]
    token_label: Option<String>,
    /// Token serial number.
    #[arg(long)]
    token_serial: Option<String>,
}

impl TokenArgs {
    /// For other commands that take a token (`kyso sign --pkcs11`, `kyso agent`).
    pub fn new(module: PathBuf, token_label: Option<String>, token_serial: Option<String>) -> Self {
        TokenArgs {
            module,
            token_label,
            token_serial,
        }
    }

    fn selector(&self) -> TokenSelector {
        match (&self.token_label, &self.token_serial) {
            (Some(l), _) => TokenSelector::Label(l.clone()),
            (None, Some(s)) => TokenSelector::Serial(s.clone()),
            (None, None) => TokenSelector::Any,
        }
    }

    /// The PKCS#11 module's path.
    pub(crate) fn module_path(&self) -> &std::path::Path {
        &self.module
    }

    fn module(&self) -> Result<Pkcs11Module> {
        Ok(Pkcs11Module::open(&self.module)?)
    }

    pub(crate) fn session(&self) -> Result<TokenSession> {
        Ok(self.module()?.open_session(&self.selector())?)
    }
}

/// How the user PIN is given.
#[derive(Args, Clone, Default)]
pub struct PinArgs {
    /// Name of an environment variable holding the PIN (else a no-echo
    /// prompt, or the PIN pad when the token has one).
    #[arg(long)]
    pin_env: Option<String>,
    /// Enter the PIN on the token's own PIN pad.
    #[arg(long, conflicts_with = "pin_env")]
    pin_pad: bool,
    /// Try the PIN even though the token says it is the last try before
    /// the token locks.
    #[arg(long)]
    confirm_final_try: bool,
}

impl PinArgs {
    /// For other commands that log in (`kyso sign --pkcs11`, `kyso agent`).
    pub fn new(pin_env: Option<String>, pin_pad: bool, confirm_final_try: bool) -> Self {
        PinArgs {
            pin_env,
            pin_pad,
            confirm_final_try,
        }
    }
}

/// Which key on the token.
#[derive(Args, Clone)]
pub struct KeyArgs {
    /// Label of the key.
    #[arg(long = "key", required_unless_present_any = ["key_id", "key_cert"])]
    key_label: Option<String>,
    /// CKA_ID of the key, hex.
    #[arg(long, conflicts_with = "key_label")]
    key_id: Option<String>,
    /// The key whose certificate (PEM or DER file) is on the token.
    #[arg(long, conflicts_with_all = ["key_label", "key_id"])]
    key_cert: Option<PathBuf>,
}

impl KeyArgs {
    fn selector(&self) -> Result<KeySelector> {
        if let Some(l) = &self.key_label {
            return Ok(KeySelector::Label(l.clone()));
        }
        if let Some(h) = &self.key_id {
            let id = hex::decode(h.trim()).context("--key-id is not hex")?;
            return Ok(KeySelector::Id(id));
        }
        if let Some(p) = &self.key_cert {
            let bytes = read_file(p)?;
            let cert = kyso_pki::certificate::parse_certificate(&bytes)?;
            return Ok(KeySelector::Certificate(kyso_pki::certificate::to_der(
                &cert,
            )));
        }
        bail!("give --key LABEL, --key-id HEX or --key-cert FILE")
    }
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// List the module's tokens (label, serial, manufacturer, PIN state),
    /// their keys and certificates. Private keys are listed after login
    /// (--login, --pin-env or --pin-pad).
    List {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        pin: PinArgs,
        /// Log in to list private keys too.
        #[arg(long)]
        login: bool,
        #[arg(long)]
        json: bool,
    },
    /// Generate a key pair ON the token (the private key never leaves it).
    Keygen {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        pin: PinArgs,
        /// Label of the new key.
        #[arg(long)]
        label: String,
        /// rsa-2048, rsa-3072 or p-256.
        #[arg(long = "type", default_value = "rsa-2048")]
        key_type: KeySpec,
    },
    /// Make a PKCS#10 request signed by a token key (for `kyso ca issue --csr`).
    Csr {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        pin: PinArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// Subject, e.g. "CN=Nguyễn Văn An, O=UBND tỉnh Ninh Bình, C=VN".
        #[arg(long)]
        subject: String,
        /// Signature algorithm of the request (default: RSASSA-PSS for RSA, ECDSA for EC).
        #[arg(long)]
        algorithm: Option<SignatureAlgorithm>,
        /// Where to write the request (PEM).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Store the issued certificate (and its chain) on the token, with the
    /// key's CKA_ID.
    ImportCert {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        pin: PinArgs,
        /// Label of the key the certificate belongs to.
        #[arg(long = "key")]
        key_label: String,
        /// The certificate (PEM or DER).
        file: PathBuf,
        /// CA certificates of the chain (repeatable).
        #[arg(long)]
        chain: Vec<PathBuf>,
    },
    /// Sign a file with a token key: a raw signature (PKCS#1 v1.5, PSS or
    /// DER ECDSA) that `openssl dgst -verify` checks.
    Sign {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        pin: PinArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// rsa-pss-sha256, rsa-pkcs1-sha256, ecdsa-sha256, …
        #[arg(long)]
        algorithm: Option<SignatureAlgorithm>,
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Also write the key's public key (PEM) here.
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Change the user PIN (old PIN as with --pin-env, new PIN from
    /// --new-pin-env or a prompt).
    ChangePin {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        pin: PinArgs,
        /// Environment variable with the new PIN.
        #[arg(long)]
        new_pin_env: Option<String>,
    },
    /// Recover a locked token: log in as security officer, set a new user
    /// PIN, and record who did it and when (the completed "recover a locked
    /// token" request of the certificate-service desk).
    Recover {
        #[command(flatten)]
        token: TokenArgs,
        /// Environment variable with the security-officer PIN (else a prompt).
        #[arg(long)]
        so_pin_env: Option<String>,
        /// Environment variable with the new user PIN (else a prompt).
        #[arg(long)]
        new_pin_env: Option<String>,
        /// Name of the officer doing the recovery (recorded).
        #[arg(long)]
        by: String,
        /// Try the SO PIN even on its final try.
        #[arg(long)]
        confirm_final_try: bool,
    },
    /// List the recorded token recoveries.
    Recoveries {
        /// Only this token's.
        #[arg(long)]
        token_serial: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(ctx: &Context, cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::List {
            token,
            pin,
            login,
            json,
        } => list(&token, &pin, login, json),
        TokenCommand::Keygen {
            token,
            pin,
            label,
            key_type,
        } => {
            if !matches!(
                key_type,
                KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::EcP256 | KeySpec::EcP384
            ) {
                bail!("key type {key_type}: use rsa-2048, rsa-3072 or p-256");
            }
            let s = login_user(&token, &pin)?;
            let id = s.generate_key_pair(key_type, &label)?;
            let info = s.key_info(&KeySelector::Id(id.clone()))?;
            println!(
                "Đã tạo khóa / generated {key_type} key {label:?} id {} on token {:?}",
                hex::encode(&id),
                s.info().label
            );
            println!("{}", pem("PUBLIC KEY", &info.spki));
            Ok(())
        }
        TokenCommand::Csr {
            token,
            pin,
            key,
            subject,
            algorithm,
            out,
        } => {
            let name = kyso_pki::name::SubjectName::parse_dn(&subject)?.to_name()?;
            let signer = signer(&token, &pin, &key, algorithm)?;
            let der = kyso_pki::csr::build_csr(&name, &signer)?;
            std::fs::write(&out, pem("CERTIFICATE REQUEST", &der))
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "Đã ghi yêu cầu / wrote the request ({}) to {}",
                signer.algorithm(),
                out.display()
            );
            Ok(())
        }
        TokenCommand::ImportCert {
            token,
            pin,
            key_label,
            file,
            chain,
        } => import_cert(&token, &pin, &key_label, &file, &chain),
        TokenCommand::Sign {
            token,
            pin,
            key,
            algorithm,
            input,
            out,
            public_key,
        } => {
            let signer = signer(&token, &pin, &key, algorithm)?;
            let alg = signer.algorithm();
            let mut f = std::fs::File::open(&input)
                .with_context(|| format!("cannot read {}", input.display()))?;
            let mut h = kyso_crypto::Hasher::new(alg.digest());
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            let sig = signer.try_sign_digest(&h.finish())?;
            std::fs::write(&out, &sig)
                .with_context(|| format!("cannot write {}", out.display()))?;
            if let Some(p) = public_key {
                std::fs::write(&p, pem("PUBLIC KEY", signer.public_key_der()))
                    .with_context(|| format!("cannot write {}", p.display()))?;
            }
            eprintln!(
                "Đã ký / signed {} with {alg} (key {:?})",
                input.display(),
                signer.label()
            );
            Ok(())
        }
        TokenCommand::ChangePin {
            token,
            pin,
            new_pin_env,
        } => {
            let mut s = token.session()?;
            let old = match read_pin(&pin, &s, PinUser::User, "PIN hiện tại / current PIN: ")? {
                PinEntry::Pin(p) => p,
                PinEntry::PinPad => {
                    bail!("changing the PIN on the PIN pad is not supported; use --pin-env")
                }
            };
            let new = new_pin(new_pin_env.as_deref())?;
            // Log in with the old PIN (this checks the lock state and
            // spends no try on a locked token), then C_SetPIN.
            let old = PinEntry::Pin(old);
            s.login(PinUser::User, &old, pin.confirm_final_try)?;
            let PinEntry::Pin(old) = old else {
                unreachable!("built above")
            };
            s.change_pin(&old, &new)?;
            s.logout();
            println!(
                "Đã đổi PIN / the user PIN of {:?} was changed",
                s.info().label
            );
            Ok(())
        }
        TokenCommand::Recover {
            token,
            so_pin_env,
            new_pin_env,
            by,
            confirm_final_try,
        } => recover(ctx, &token, so_pin_env, new_pin_env, &by, confirm_final_try).await,
        TokenCommand::Recoveries { token_serial, json } => {
            let store = ctx.store().await?;
            let recs = store.token_recoveries(token_serial.as_deref()).await?;
            if json {
                let v: Vec<_> = recs
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id,
                            "kind": "token-recovery",
                            "token_serial": r.token_serial,
                            "token_label": r.token_label,
                            "officer": r.officer,
                            "recovered_at": iso_utc(r.recovered_at),
                            "result": r.result.as_str(),
                            "detail": r.detail,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if recs.is_empty() {
                println!("Chưa có / no token recoveries recorded");
            } else {
                for r in recs {
                    println!(
                        "#{}  {}  token {:?} (serial {})  by {}  {}{}",
                        r.id,
                        iso_utc(r.recovered_at),
                        r.token_label,
                        r.token_serial,
                        r.officer,
                        r.result.as_str(),
                        r.detail.map(|d| format!(" — {d}")).unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
    }
}

fn iso_utc(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn read_file(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
}

/// PEM with 64-character lines.
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// A PIN from the environment variable `var`.
fn pin_from_env(var: &str) -> Result<Pin> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Pin::new(v)),
        Ok(_) => bail!("the environment variable {var} is empty"),
        Err(_) => bail!("the environment variable {var} is not set"),
    }
}

fn prompt(text: &str) -> Result<Pin> {
    let p = rpassword::prompt_password(text)
        .context("cannot read the PIN from the terminal; give it with --pin-env NAME")?;
    Ok(Pin::new(p))
}

/// The PIN for `who`, after checking that the token lets us try one.
pub(crate) fn read_pin(
    args: &PinArgs,
    s: &TokenSession,
    who: PinUser,
    text: &str,
) -> Result<PinEntry> {
    check_before_login(&s.info().pin_state, who, args.confirm_final_try)?;
    if args.pin_pad {
        if !s.info().pin_pad {
            return Err(Pkcs11Error::NoPinPad.into());
        }
        return Ok(PinEntry::PinPad);
    }
    if let Some(var) = &args.pin_env {
        return Ok(PinEntry::Pin(pin_from_env(var)?));
    }
    if s.info().pin_pad {
        eprintln!("Nhập PIN trên bàn phím của thiết bị / enter the PIN on the token's PIN pad");
        return Ok(PinEntry::PinPad);
    }
    Ok(PinEntry::Pin(prompt(text)?))
}

fn new_pin(env: Option<&str>) -> Result<Pin> {
    if let Some(var) = env {
        return pin_from_env(var);
    }
    let a = prompt("PIN mới / new PIN: ")?;
    let b = prompt("Nhập lại / repeat the new PIN: ")?;
    if !a.same_as(&b) {
        bail!("the two new PINs differ");
    }
    Ok(a)
}

pub(crate) fn login_user(token: &TokenArgs, pin: &PinArgs) -> Result<TokenSession> {
    let mut s = token.session()?;
    let entry = read_pin(pin, &s, PinUser::User, "PIN: ")?;
    s.login(PinUser::User, &entry, pin.confirm_final_try)?;
    Ok(s)
}

fn signer(
    token: &TokenArgs,
    pin: &PinArgs,
    key: &KeyArgs,
    algorithm: Option<SignatureAlgorithm>,
) -> Result<Pkcs11Signer> {
    let sel = key.selector()?;
    let s = login_user(token, pin)?;
    Ok(s.into_signer(&sel, algorithm)?)
}

fn list(token: &TokenArgs, pin: &PinArgs, login: bool, json: bool) -> Result<()> {
    let module = token.module()?;
    let tokens = module.tokens()?;
    let want_login = login || pin.pin_env.is_some() || pin.pin_pad;
    let sel = token.selector();
    let mut out = Vec::new();
    for t in tokens.iter().filter(|t| t.initialized) {
        let selected = match &sel {
            TokenSelector::Any => true,
            TokenSelector::Label(l) => &t.label == l,
            TokenSelector::Serial(s) => &t.serial == s,
        };
        if !selected {
            continue;
        }
        let mut s = module.open_session(&TokenSelector::Serial(t.serial.clone()))?;
        if want_login {
            let entry = read_pin(pin, &s, PinUser::User, &format!("PIN {}: ", t.label))?;
            s.login(PinUser::User, &entry, pin.confirm_final_try)?;
        }
        let objects = s.objects()?;
        out.push((t.clone(), objects));
    }
    if json {
        let v: Vec<_> = out
            .iter()
            .map(|(t, objs)| {
                serde_json::json!({
                    "slot": t.slot_id,
                    "label": t.label,
                    "serial": t.serial,
                    "manufacturer": t.manufacturer,
                    "model": t.model,
                    "pin_pad": t.pin_pad,
                    "user_pin": t.pin_state.describe(PinUser::User),
                    "so_pin": t.pin_state.describe(PinUser::SecurityOfficer),
                    "user_pin_to_be_changed": t.pin_state.user_to_be_changed,
                    "objects": objs.iter().map(|o| {
                        let mut m = serde_json::json!({
                            "class": o.class.to_string(),
                            "label": o.label,
                            "id": hex::encode(&o.id),
                        });
                        if let Some(k) = &o.key_type { m["key_type"] = k.clone().into(); }
                        if let Some(b) = o.sensitive { m["sensitive"] = b.into(); }
                        if let Some(b) = o.extractable { m["extractable"] = b.into(); }
                        if let Some(v) = &o.value {
                            if let Ok(c) = kyso_pki::certificate::parse_certificate(v) {
                                m["subject"] = kyso_pki::name::display_name(&c.tbs_certificate.subject).into();
                                m["issuer"] = kyso_pki::name::display_name(&c.tbs_certificate.issuer).into();
                                m["serial_hex"] = kyso_pki::certificate::serial_hex(&c).into();
                            }
                        }
                        m
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("Module {}", module.path().display());
    if out.is_empty() {
        println!("  (no token)");
    }
    for (t, objs) in out {
        println!(
            "Slot {}: token {:?} serial {} — {} {}",
            t.slot_id, t.label, t.serial, t.manufacturer, t.model
        );
        println!(
            "  PIN: {}{}",
            t.pin_state,
            if t.pin_pad { "; PIN pad" } else { "" }
        );
        for o in objs {
            let mut line = format!(
                "  {:<12} {:?} id {}",
                o.class.to_string(),
                o.label,
                hex::encode(&o.id)
            );
            if let Some(k) = &o.key_type {
                line.push_str(&format!(" {k}"));
            }
            if o.sensitive == Some(true) && o.extractable == Some(false) {
                line.push_str(" (sensitive, not extractable)");
            }
            if let Some(v) = &o.value {
                if let Ok(c) = kyso_pki::certificate::parse_certificate(v) {
                    line.push_str(&format!(
                        " subject {} serial {}",
                        kyso_pki::name::display_name(&c.tbs_certificate.subject),
                        kyso_pki::certificate::serial_hex(&c)
                    ));
                }
            }
            println!("{line}");
        }
    }
    Ok(())
}

fn cert_object(der_input: &[u8], id: Vec<u8>) -> Result<(CertificateObject, Vec<u8>)> {
    let cert = kyso_pki::certificate::parse_certificate(der_input)?;
    let tbs = &cert.tbs_certificate;
    let spki = tbs.subject_public_key_info.to_der()?;
    let label = kyso_pki::name::common_name(&tbs.subject)
        .unwrap_or_else(|| kyso_pki::name::display_name(&tbs.subject));
    Ok((
        CertificateObject {
            der: kyso_pki::certificate::to_der(&cert),
            subject: tbs.subject.to_der()?,
            issuer: tbs.issuer.to_der()?,
            serial_number: tbs.serial_number.to_der()?,
            label,
            id,
        },
        spki,
    ))
}

fn import_cert(
    token: &TokenArgs,
    pin: &PinArgs,
    key_label: &str,
    file: &Path,
    chain: &[PathBuf],
) -> Result<()> {
    let s = login_user(token, pin)?;
    let key = s.key_info(&KeySelector::Label(key_label.to_string()))?;
    let (mut obj, spki) = cert_object(&read_file(file)?, key.id.clone())?;
    if spki != key.spki {
        return Err(Pkcs11Error::CertificateMismatch(format!(
            "the certificate in {} is not for the key {key_label:?}",
            file.display()
        ))
        .into());
    }
    obj.label = key.label.clone();
    s.import_certificate(&obj)?;
    println!(
        "Đã lưu chứng thư / stored the certificate for key {key_label:?} (id {})",
        hex::encode(&key.id)
    );
    for c in chain {
        let bytes = read_file(c)?;
        let fp = kyso_pki::certificate::fingerprint_sha256(&kyso_pki::certificate::to_der(
            &kyso_pki::certificate::parse_certificate(&bytes)?,
        ));
        let id = hex::decode(&fp[..16]).unwrap_or_default();
        let (obj, _) = cert_object(&bytes, id)?;
        s.import_certificate(&obj)?;
        println!(
            "Đã lưu chứng thư CA / stored the CA certificate {:?}",
            obj.label
        );
    }
    s.logout();
    Ok(())
}

async fn recover(
    ctx: &Context,
    token: &TokenArgs,
    so_pin_env: Option<String>,
    new_pin_env: Option<String>,
    officer: &str,
    confirm_final_try: bool,
) -> Result<()> {
    if officer.trim().is_empty() {
        bail!("--by must name the officer doing the recovery");
    }
    let store = ctx.store().await?;
    let mut s = token.session()?;
    let before = s.info().pin_state;
    eprintln!(
        "Thiết bị / token {:?} serial {}: {before}",
        s.info().label,
        s.info().serial
    );
    check_before_login(&before, PinUser::SecurityOfficer, confirm_final_try)?;
    let so_pin = match so_pin_env {
        Some(var) => pin_from_env(&var)?,
        None => prompt("PIN quản trị / security-officer PIN: ")?,
    };
    let new = new_pin(new_pin_env.as_deref())?;
    let attempt = s
        .login(
            PinUser::SecurityOfficer,
            &PinEntry::Pin(so_pin),
            confirm_final_try,
        )
        .and_then(|()| s.init_user_pin(&new));
    s.logout();
    let (label, serial) = (s.info().label.clone(), s.info().serial.clone());
    let record = |result, detail| NewTokenRecovery {
        token_serial: serial.clone(),
        token_label: label.clone(),
        officer: officer.trim().to_string(),
        recovered_at: OffsetDateTime::now_utc(),
        result,
        detail,
    };
    match attempt {
        Ok(()) => {
            let state = s.refresh()?;
            let id = store
                .record_token_recovery(&record(RecoveryResult::Completed, None))
                .await?;
            println!(
                "Đã khôi phục / token {label:?} (serial {serial}) recovered by {officer}: new user PIN set; {state}. Record #{id}"
            );
            Ok(())
        }
        Err(e) => {
            // Nothing tried: no record.
            if matches!(
                e,
                Pkcs11Error::FinalTryNeedsConfirmation(_) | Pkcs11Error::PinLength { .. }
            ) {
                return Err(e.into());
            }
            let id = store
                .record_token_recovery(&record(RecoveryResult::Failed, Some(e.to_string())))
                .await?;
            Err(anyhow::Error::new(e).context(format!("recovery failed (record #{id})")))
        }
    }
}
