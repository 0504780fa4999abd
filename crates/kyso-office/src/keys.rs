//! The organizations' seal keys (R-KEY-SEAL, R-TOKEN-ORG, R-CUSTODY).
//!
//! An agency's seal key lives either in an encrypted PKCS#8 file under
//! the data directory's `keys/` (encrypted with the server's key password,
//! the embedded default) or on a PKCS#11 token or HSM slot (`key_kind =
//! pkcs11`, `key_ref = module=PATH;token=LABEL;key=LABEL;pin-env=VAR`; the
//! PIN comes from that environment variable, never from the database).
//! Loaded keys are kept for the life of the process; a token session is
//! logged in once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kyso_crypto::pkcs11::{KeySelector, Pin, PinEntry, PinUser, TokenSelector};
use kyso_crypto::{decrypt_pkcs8, encrypt_pkcs8, Pkcs11Module, Signer, SoftwareKey};

use crate::error::{OfficeError, Result};

/// Where a seal key lives, as stored in `agency.key_kind` / `key_ref`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// An encrypted PKCS#8 file in `keys/`.
    File(String),
    /// A PKCS#11 token.
    Pkcs11 {
        module: PathBuf,
        token: String,
        key: String,
        pin_env: String,
    },
}

impl KeyLocation {
    pub fn parse(kind: &str, reference: &str) -> Result<KeyLocation> {
        match kind {
            "file" => {
                if reference.is_empty()
                    || reference.contains('/')
                    || reference.contains('\\')
                    || reference.starts_with('.')
                {
                    return Err(bad_ref(reference));
                }
                Ok(KeyLocation::File(reference.to_string()))
            }
            "pkcs11" => {
                let mut module = None;
                let mut token = None;
                let mut key = None;
                let mut pin_env = None;
                for part in reference.split(';') {
                    let (k, v) = part.split_once('=').ok_or_else(|| bad_ref(reference))?;
                    match k.trim() {
                        "module" => module = Some(PathBuf::from(v.trim())),
                        "token" => token = Some(v.trim().to_string()),
                        "key" => key = Some(v.trim().to_string()),
                        "pin-env" => pin_env = Some(v.trim().to_string()),
                        _ => return Err(bad_ref(reference)),
                    }
                }
                match (module, token, key, pin_env) {
                    (Some(module), Some(token), Some(key), Some(pin_env)) => {
                        Ok(KeyLocation::Pkcs11 {
                            module,
                            token,
                            key,
                            pin_env,
                        })
                    }
                    _ => Err(bad_ref(reference)),
                }
            }
            _ => Err(OfficeError::invalid(
                "bad-key-kind",
                format!("nơi lưu khóa không hợp lệ: {kind} (file, pkcs11)"),
                format!("unknown key location kind: {kind} (file, pkcs11)"),
            )),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            KeyLocation::File(_) => "file",
            KeyLocation::Pkcs11 { .. } => "pkcs11",
        }
    }

    pub fn reference(&self) -> String {
        match self {
            KeyLocation::File(f) => f.clone(),
            KeyLocation::Pkcs11 {
                module,
                token,
                key,
                pin_env,
            } => format!(
                "module={};token={token};key={key};pin-env={pin_env}",
                module.display()
            ),
        }
    }
}

fn bad_ref(r: &str) -> OfficeError {
    OfficeError::invalid(
        "bad-key-ref",
        format!("tham chiếu khóa không hợp lệ: {r}"),
        format!(
            "bad key reference: {r} (a file name in keys/, or module=PATH;token=LABEL;key=LABEL;pin-env=VAR)"
        ),
    )
}

/// The loaded seal keys of this process.
pub struct SealKeys {
    dir: PathBuf,
    loaded: Mutex<HashMap<(i64, String), Arc<dyn Signer>>>,
}

impl SealKeys {
    pub(crate) fn new(dir: PathBuf) -> Self {
        SealKeys {
            dir,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The signer of agency `agency_id`'s seal key at `loc`.
    pub(crate) fn signer(
        &self,
        agency_id: i64,
        loc: &KeyLocation,
        password: &[u8],
    ) -> Result<Arc<dyn Signer>> {
        let cache_key = (agency_id, loc.reference());
        if let Some(s) = self
            .loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&cache_key)
        {
            return Ok(s.clone());
        }
        let signer: Arc<dyn Signer> = match loc {
            KeyLocation::File(name) => {
                let path = self.dir.join(name);
                let enc = std::fs::read(&path).map_err(|e| {
                    OfficeError::internal(&format!("seal key {}", path.display()), e)
                })?;
                let der = decrypt_pkcs8(&enc, password)
                    .map_err(|e| OfficeError::internal("seal key decryption", e))?;
                Arc::new(
                    SoftwareKey::from_pkcs8_der(&der, None)
                        .map_err(|e| OfficeError::internal("seal key", e))?,
                )
            }
            KeyLocation::Pkcs11 {
                module,
                token,
                key,
                pin_env,
            } => {
                let pin = std::env::var(pin_env).map_err(|_| {
                    OfficeError::new(
                        crate::ErrorKind::Conflict,
                        "seal-key-unavailable",
                        format!("chưa có mã PIN của token con dấu (biến môi trường {pin_env})"),
                        format!("the seal token's PIN is not available (environment variable {pin_env})"),
                    )
                })?;
                let m = Pkcs11Module::open(module)
                    .map_err(|e| OfficeError::internal("PKCS#11 module", e))?;
                let mut s = m
                    .open_session(&TokenSelector::Label(token.clone()))
                    .map_err(|e| OfficeError::internal("PKCS#11 token", e))?;
                s.login(PinUser::User, &PinEntry::Pin(Pin::new(pin)), false)
                    .map_err(|e| OfficeError::internal("PKCS#11 login", e))?;
                Arc::new(
                    s.into_signer(&KeySelector::Label(key.clone()), None)
                        .map_err(|e| OfficeError::internal("PKCS#11 key", e))?,
                )
            }
        };
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(cache_key, signer.clone());
        Ok(signer)
    }

    /// Writes `pkcs8_der` encrypted under `password` as `keys/NAME`
    /// (mode 0600), for an agency whose seal key the server keeps.
    pub fn save_file_key(&self, name: &str, pkcs8_der: &[u8], password: &[u8]) -> Result<()> {
        KeyLocation::parse("file", name)?;
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| OfficeError::internal("keys directory", e))?;
        let enc = encrypt_pkcs8(pkcs8_der, password)
            .map_err(|e| OfficeError::internal("seal key encryption", e))?;
        let path = self.dir.join(name);
        write_private(&path, &enc).map_err(|e| OfficeError::internal("seal key file", e))
    }

    /// Forgets a loaded key (after the agency's key changed).
    pub fn forget(&self, agency_id: i64) {
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| k.0 != agency_id);
    }
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_print() {
        let l = KeyLocation::parse("file", "agency-3.p8").unwrap();
        assert_eq!(l.reference(), "agency-3.p8");
        for bad in ["", "../x", "a/b", ".hidden"] {
            assert!(KeyLocation::parse("file", bad).is_err(), "{bad}");
        }
        let r = "module=/usr/lib/softhsm/libsofthsm2.so;token=seal;key=org;pin-env=SEAL_PIN";
        let p = KeyLocation::parse("pkcs11", r).unwrap();
        assert_eq!(p.reference(), r);
        assert!(KeyLocation::parse("pkcs11", "module=/x;token=t").is_err());
        assert!(KeyLocation::parse("hsm", "x").is_err());
    }

    #[test]
    fn file_keys_round_trip_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SealKeys::new(dir.path().join("keys"));
        let k = SoftwareKey::generate(kyso_crypto::KeySpec::EcP256).unwrap();
        keys.save_file_key("a.p8", k.pkcs8_der(), b"pw").unwrap();
        let raw = std::fs::read(dir.path().join("keys/a.p8")).unwrap();
        assert!(
            !raw.windows(16)
                .any(|w| k.pkcs8_der().windows(16).any(|x| x == w)),
            "the key is not stored in clear"
        );
        let s = keys
            .signer(1, &KeyLocation::File("a.p8".into()), b"pw")
            .unwrap();
        assert_eq!(s.public_key_der(), k.public_key_der());
        assert!(keys
            .signer(2, &KeyLocation::File("a.p8".into()), b"wrong")
            .is_err());
    }
}
