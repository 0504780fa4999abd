//! What every command needs: the data directory, database, configuration
//! and the password of the CA keys.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use base64::Engine;
use kyso_ca::{Ca, CaConfig};
use kyso_store::Store;

use crate::Cli;

pub struct Context {
    pub data: PathBuf,
    db: Option<String>,
    password_env: Option<String>,
}

impl Context {
    pub fn new(cli: &Cli) -> Self {
        Context {
            data: cli.data.clone(),
            db: cli.db.clone(),
            password_env: cli.password_env.clone(),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.data.join("kyso.toml")
    }

    fn password_file(&self) -> PathBuf {
        self.data.join("key-password")
    }

    pub fn db_url(&self) -> Result<String> {
        if let Some(url) = &self.db {
            return Ok(url.clone());
        }
        let abs = absolute(&self.data)?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            abs.join("kyso.db").display()
        ))
    }

    /// Whether a database exists to read (an explicit --db, or the
    /// data directory's SQLite file).
    pub fn db_configured(&self) -> bool {
        self.db.is_some() || self.data.join("kyso.db").exists()
    }

    pub async fn store(&self) -> Result<Store> {
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("cannot create the data directory {}", self.data.display()))?;
        let url = self.db_url()?;
        Store::open(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&url)))
    }

    pub fn config(&self) -> Result<CaConfig> {
        let p = self.config_path();
        if !p.exists() {
            bail!(
                "no configuration at {}; run `kyso ca init` (or `kyso demo`) first",
                p.display()
            );
        }
        Ok(CaConfig::load(&p)?)
    }

    /// The password protecting the CA keys: the environment variable named
    /// by --password-env, else KYSO_KEY_PASSWORD, else the key-password
    /// file (created with a random password when `create` is set).
    pub fn key_password(&self, create: bool) -> Result<Vec<u8>> {
        let var = self
            .password_env
            .clone()
            .unwrap_or_else(|| "KYSO_KEY_PASSWORD".into());
        if let Ok(v) = std::env::var(&var) {
            if v.is_empty() {
                bail!("the environment variable {var} is empty");
            }
            return Ok(v.into_bytes());
        }
        if self.password_env.is_some() {
            bail!("the environment variable {var} (from --password-env) is not set");
        }
        let file = self.password_file();
        if file.exists() {
            let s = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            return Ok(s.trim().as_bytes().to_vec());
        }
        if !create {
            bail!(
                "no key password: set KYSO_KEY_PASSWORD or put it in {}",
                file.display()
            );
        }
        let mut raw = [0u8; 32];
        getrandom(&mut raw)?;
        let pw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        write_private(&file, pw.as_bytes())?;
        eprintln!(
            "Mật khẩu khóa CA được lưu tại / the CA key password was written to {} (mode 0600). \
             Move it to a safe place and set KYSO_KEY_PASSWORD in production.",
            file.display()
        );
        Ok(pw.into_bytes())
    }

    pub async fn open_ca(&self) -> Result<Ca> {
        let config = self.config()?;
        let store = self.store().await?;
        let pw = self.key_password(false)?;
        Ok(Ca::open(store, config, &pw).await?)
    }
}

fn getrandom(buf: &mut [u8]) -> Result<()> {
    Ok(kyso_crypto::random_bytes(buf)?)
}

/// Write a file readable only by its owner.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(data)?;
    Ok(())
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}
