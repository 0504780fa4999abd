//! The approvers' personal keys of the demo, each in a software token:
//! a SoftHSM2 token of its own when `softhsm2-util` is installed (token
//! directory `DATA/demo/softhsm/`), else an encrypted PKCS#8 file under
//! `DATA/demo/keys/`. The key is made where it stays (`kyso token keygen`
//! inside SoftHSM2), only its public key comes out for the certificate,
//! and only `kyso agent` signs with it — the same path as a USB token.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use kyso_crypto::{KeySpec, SoftwareKey};

use super::state::KeyHolder;
use crate::agent::DEMO_SECRET_ENV;

/// Which software tokens the demo makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyStore {
    /// SoftHSM2 when installed, else key files.
    Auto,
    /// SoftHSM2 tokens (fails when it is not installed).
    Softhsm,
    /// Encrypted PKCS#8 key files.
    File,
}

/// SoftHSM2's PKCS#11 module, where Debian and others install it.
pub fn softhsm_module() -> Option<PathBuf> {
    let mut c = vec![PathBuf::from("/usr/lib/softhsm/libsofthsm2.so")];
    if let Ok(rd) = std::fs::read_dir("/usr/lib") {
        for e in rd.flatten() {
            c.push(e.path().join("softhsm/libsofthsm2.so"));
        }
    }
    c.push(PathBuf::from("/usr/local/lib/softhsm/libsofthsm2.so"));
    c.push(PathBuf::from("/opt/homebrew/lib/softhsm/libsofthsm2.so"));
    c.into_iter().find(|p| p.exists())
}

fn softhsm_util_works() -> bool {
    std::process::Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The SoftHSM2 configuration of the demo's tokens (created if missing).
pub fn softhsm_conf(data: &Path) -> Result<PathBuf> {
    let dir = super::state::dir(data).join("softhsm");
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens)?;
    let conf = dir.join("softhsm2.conf");
    if !conf.exists() {
        std::fs::write(
            &conf,
            format!(
                "# kyso demo: the approvers' test tokens\ndirectories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )?;
    }
    Ok(conf)
}

/// SoftHSM2's module when `store` asks for it and it is there.
pub fn choose(store: KeyStore) -> Result<Option<PathBuf>> {
    match store {
        KeyStore::File => Ok(None),
        KeyStore::Auto => Ok(softhsm_module().filter(|_| softhsm_util_works())),
        KeyStore::Softhsm => match softhsm_module().filter(|_| softhsm_util_works()) {
            Some(m) => Ok(Some(m)),
            None => bail!("SoftHSM2 không có / SoftHSM2 is not installed (apt-get install softhsm2), or use --demo-keys file"),
        },
    }
}

fn random_secret() -> Result<String> {
    let mut b = [0u8; 12];
    kyso_crypto::random_bytes(&mut b)?;
    Ok(hex::encode(b))
}

async fn run(mut c: tokio::process::Command, what: &str) -> Result<String> {
    let out = c
        .output()
        .await
        .with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `kyso ARGS…` on the demo's SoftHSM2 tokens with the PIN in the
/// environment.
fn kyso_token(conf: &Path, pin: &str) -> Result<tokio::process::Command> {
    let mut c = tokio::process::Command::new(std::env::current_exe()?);
    c.env("SOFTHSM2_CONF", conf)
        .env(DEMO_SECRET_ENV, pin)
        .env("KYSO_LOG", "warn");
    Ok(c)
}

/// A new key for `username`: where it is, its secret, its public key
/// (SubjectPublicKeyInfo DER).
pub async fn create(
    data: &Path,
    module: Option<&Path>,
    username: &str,
) -> Result<(KeyHolder, String, Vec<u8>)> {
    let secret = random_secret()?;
    match module {
        Some(module) => {
            let conf = softhsm_conf(data)?;
            let token = format!("demo-{username}");
            let so_pin = random_secret()?;
            let mut init = tokio::process::Command::new("softhsm2-util");
            init.env("SOFTHSM2_CONF", &conf).args([
                "--init-token",
                "--free",
                "--label",
                &token,
                "--so-pin",
                &so_pin,
                "--pin",
                &secret,
            ]);
            run(init, "softhsm2-util --init-token").await?;
            let mut keygen = kyso_token(&conf, &secret)?;
            keygen
                .arg("token")
                .arg("keygen")
                .arg("--module")
                .arg(module)
                .args([
                    "--token",
                    &token,
                    "--pin-env",
                    DEMO_SECRET_ENV,
                    "--label",
                    username,
                    "--type",
                    "p-256",
                ]);
            let out = run(keygen, "kyso token keygen").await?;
            let begin = out
                .find("-----BEGIN PUBLIC KEY-----")
                .context("kyso token keygen printed no public key")?;
            let (_, spki) = der::pem::decode_vec(out[begin..].trim().as_bytes())
                .map_err(|e| anyhow::anyhow!("the public key of {username}: {e}"))?;
            Ok((
                KeyHolder::Softhsm {
                    module: module.to_path_buf(),
                    token,
                },
                secret,
                spki,
            ))
        }
        None => {
            let dir = super::state::dir(data).join("keys");
            std::fs::create_dir_all(&dir)?;
            let key =
                tokio::task::spawn_blocking(|| SoftwareKey::generate(KeySpec::EcP256)).await??;
            use kyso_crypto::Signer;
            let spki = key.public_key_der().to_vec();
            let enc = kyso_crypto::encrypt_pkcs8(key.pkcs8_der(), secret.as_bytes())?;
            let pem =
                der::pem::encode_string("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF, &enc)
                    .map_err(|e| anyhow::anyhow!("PEM: {e}"))?;
            let key_path = dir.join(format!("{username}.key.pem"));
            crate::context::write_private(&key_path, pem.as_bytes())?;
            Ok((
                KeyHolder::File {
                    key: key_path,
                    cert: dir.join(format!("{username}.crt.pem")),
                },
                secret,
                spki,
            ))
        }
    }
}

/// Stores the certificate `pem` beside its key (on the token, or in the
/// key file's certificate file), with the CA certificates `chain_pem`.
pub async fn store_certificate(
    data: &Path,
    holder: &KeyHolder,
    secret: &str,
    username: &str,
    pem: &str,
    chain_pem: &[String],
) -> Result<()> {
    match holder {
        KeyHolder::Softhsm { module, token } => {
            let conf = softhsm_conf(data)?;
            let dir = super::state::dir(data).join("certs");
            std::fs::create_dir_all(&dir)?;
            let file = dir.join(format!("{username}.crt.pem"));
            std::fs::write(&file, pem)?;
            let mut chain_files = Vec::new();
            for (i, c) in chain_pem.iter().enumerate() {
                let f = dir.join(format!("ca-{i}.pem"));
                std::fs::write(&f, c)?;
                chain_files.push(f);
            }
            let mut import = kyso_token(&conf, secret)?;
            import
                .arg("token")
                .arg("import-cert")
                .arg("--module")
                .arg(module)
                .args([
                    "--token",
                    token,
                    "--pin-env",
                    DEMO_SECRET_ENV,
                    "--key",
                    username,
                ])
                .arg(&file);
            for f in &chain_files {
                import.arg("--chain").arg(f);
            }
            run(import, "kyso token import-cert").await?;
            Ok(())
        }
        KeyHolder::File { cert, .. } => {
            let mut all = pem.to_string();
            for c in chain_pem {
                all.push_str(c);
            }
            std::fs::write(cert, all)?;
            Ok(())
        }
    }
}
