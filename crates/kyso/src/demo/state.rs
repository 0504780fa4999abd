//! What `kyso demo` remembers between runs, in `DATA/demo/demo.json`
//! (mode 0600): the demo password of every account, the logins to
//! print, and where each approver's key is, with its PIN or password —
//! test secrets of a demonstration, never of a real deployment.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

/// Where an approver's demo key is kept.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum KeyHolder {
    /// A SoftHSM2 token of its own under `DATA/demo/softhsm/`.
    Softhsm { module: PathBuf, token: String },
    /// An encrypted PKCS#8 file and its certificate.
    File { key: PathBuf, cert: PathBuf },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Login {
    pub username: String,
    pub full_name: String,
    /// `role @ agency` lines.
    pub roles: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoApprover {
    pub username: String,
    pub full_name: String,
    pub agency: String,
    pub holder: KeyHolder,
    /// The token's user PIN or the key file's password.
    pub secret: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoState {
    /// False while the documents are being made: a run that finds it
    /// false was interrupted.
    pub complete: bool,
    /// The password of every demo account.
    pub password: String,
    pub logins: Vec<Login>,
    pub approvers: Vec<DemoApprover>,
}

pub fn dir(data: &Path) -> PathBuf {
    data.join("demo")
}

fn file(data: &Path) -> PathBuf {
    dir(data).join("demo.json")
}

impl DemoState {
    pub fn load(data: &Path) -> Result<Option<DemoState>> {
        let f = file(data);
        if !f.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&f).with_context(|| f.display().to_string())?;
        Ok(Some(
            serde_json::from_str(&text).with_context(|| f.display().to_string())?,
        ))
    }

    pub fn save(&self, data: &Path) -> Result<()> {
        std::fs::create_dir_all(dir(data))?;
        let text = serde_json::to_string_pretty(self)?;
        let tmp = dir(data).join("demo.json.tmp");
        crate::context::write_private(&tmp, text.as_bytes())?;
        std::fs::rename(&tmp, file(data))?;
        Ok(())
    }
}
