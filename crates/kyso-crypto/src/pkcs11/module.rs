use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::slot::Slot;

use super::{PinState, Pkcs11Error, TokenSession};

/// A loaded PKCS#11 module (the vendor's .so/.dll/.dylib).
///
/// A module is loaded and initialized once per process and path; every
/// `open` of the same path shares that context (C_Initialize may only be
/// called once).
#[derive(Clone)]
pub struct Pkcs11Module {
    pub(crate) ctx: Pkcs11,
    path: PathBuf,
}

impl std::fmt::Debug for Pkcs11Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Module")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Which token to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSelector {
    /// The only token present.
    Any,
    /// CK_TOKEN_INFO.label (trailing blanks ignored).
    Label(String),
    /// CK_TOKEN_INFO.serialNumber.
    Serial(String),
}

impl std::fmt::Display for TokenSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSelector::Any => f.write_str("any token"),
            TokenSelector::Label(l) => write!(f, "label {l:?}"),
            TokenSelector::Serial(s) => write!(f, "serial {s:?}"),
        }
    }
}

/// What a token says about itself.
#[derive(Clone, Debug)]
pub struct TokenInfoSummary {
    pub slot_id: u64,
    pub slot_description: String,
    pub label: String,
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub pin_state: PinState,
    /// CKF_PROTECTED_AUTHENTICATION_PATH: the token has a PIN pad.
    pub pin_pad: bool,
    pub min_pin_len: usize,
    pub max_pin_len: usize,
    /// CKF_TOKEN_INITIALIZED.
    pub initialized: bool,
    pub(crate) slot: Slot,
}

fn registry() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static R: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Pkcs11Module {
    /// Load and initialize the module at `path` (once per process).
    pub fn open(path: &Path) -> Result<Self, Pkcs11Error> {
        let module_err = |reason: String| Pkcs11Error::Module {
            path: path.display().to_string(),
            reason,
        };
        let key = path.canonicalize().map_err(|e| module_err(e.to_string()))?;
        let mut reg = registry()
            .lock()
            .map_err(|_| module_err("module registry poisoned".into()))?;
        if let Some(ctx) = reg.get(&key) {
            return Ok(Pkcs11Module {
                ctx: ctx.clone(),
                path: key,
            });
        }
        let ctx = Pkcs11::new(&key).map_err(|e| module_err(e.to_string()))?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(module_err(super::error::short_reason(&e))),
        }
        reg.insert(key.clone(), ctx.clone());
        Ok(Pkcs11Module { ctx, path: key })
    }

    /// The module's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every slot with a token present.
    pub fn tokens(&self) -> Result<Vec<TokenInfoSummary>, Pkcs11Error> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(|e| Pkcs11Error::token("C_GetSlotList", e))?;
        let mut out = Vec::new();
        for slot in slots {
            out.push(self.token_info(slot)?);
        }
        Ok(out)
    }

    pub(crate) fn token_info(&self, slot: Slot) -> Result<TokenInfoSummary, Pkcs11Error> {
        let t = self
            .ctx
            .get_token_info(slot)
            .map_err(|e| Pkcs11Error::token("C_GetTokenInfo", e))?;
        let s = self
            .ctx
            .get_slot_info(slot)
            .map_err(|e| Pkcs11Error::token("C_GetSlotInfo", e))?;
        Ok(TokenInfoSummary {
            slot_id: slot.id(),
            slot_description: s.slot_description().trim_end().to_string(),
            label: t.label().trim_end().to_string(),
            serial: t.serial_number().trim_end().to_string(),
            manufacturer: t.manufacturer_id().trim_end().to_string(),
            model: t.model().trim_end().to_string(),
            pin_state: PinState::from_token_info(&t),
            pin_pad: t.protected_authentication_path(),
            min_pin_len: t.min_pin_length(),
            max_pin_len: t.max_pin_length(),
            initialized: t.token_initialized(),
            slot,
        })
    }

    /// The one initialized token matching `sel`.
    pub fn find_token(&self, sel: &TokenSelector) -> Result<TokenInfoSummary, Pkcs11Error> {
        let all = self.tokens()?;
        let matching: Vec<_> = all
            .into_iter()
            .filter(|t| t.initialized)
            .filter(|t| match sel {
                TokenSelector::Any => true,
                TokenSelector::Label(l) => t.label == l.trim_end(),
                TokenSelector::Serial(s) => t.serial == s.trim(),
            })
            .collect();
        match matching.len() {
            0 => Err(Pkcs11Error::TokenNotFound(sel.to_string())),
            1 => Ok(matching.into_iter().next().expect("one element")),
            count => Err(Pkcs11Error::AmbiguousToken {
                what: sel.to_string(),
                count,
            }),
        }
    }

    /// Open a read-write session on the token matching `sel` (not logged in).
    pub fn open_session(&self, sel: &TokenSelector) -> Result<TokenSession, Pkcs11Error> {
        let info = self.find_token(sel)?;
        let session = self
            .ctx
            .open_rw_session(info.slot)
            .map_err(|e| Pkcs11Error::token("C_OpenSession", e))?;
        Ok(TokenSession::new(self.clone(), info, session))
    }
}
