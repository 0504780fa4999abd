//! Passwords: argon2id (the `argon2` crate's defaults, OWASP's minimum:
//! 19 MiB, 2 passes), PHC strings in the database, never logged.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::{OfficeError, Result};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Refuses passwords too short or made of one repeated character.
pub fn check_password_policy(pw: &str) -> Result<()> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(OfficeError::invalid(
            "weak-password",
            format!("mật khẩu phải có ít nhất {MIN_PASSWORD_LEN} ký tự"),
            format!("the password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if n > 256 {
        return Err(OfficeError::invalid(
            "password-too-long",
            "mật khẩu quá dài (tối đa 256 ký tự)",
            "the password is too long (at most 256 characters)",
        ));
    }
    let first = pw.chars().next();
    if pw.chars().all(|c| Some(c) == first) {
        return Err(OfficeError::invalid(
            "weak-password",
            "mật khẩu không được chỉ gồm một ký tự lặp lại",
            "the password may not be one character repeated",
        ));
    }
    Ok(())
}

/// The argon2id PHC string of `pw` with a fresh random salt. CPU-heavy:
/// call from a blocking thread.
pub fn hash_password(pw: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    kyso_crypto::random_bytes(&mut salt).map_err(|e| OfficeError::internal("random", e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| OfficeError::internal("salt", e))?;
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| OfficeError::internal("password hash", e))
}

/// Whether `pw` matches the PHC string `phc`. CPU-heavy.
pub fn verify_password(pw: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that the
/// answer takes as long as for a wrong password.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("kyso-dummy-password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_policy_holds() {
        let h = hash_password("một mật khẩu dài").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("một mật khẩu dài", &h));
        assert!(!verify_password("một mật khẩu dàI", &h));
        assert!(!verify_password("x", "not a phc string"));
        assert_ne!(h, hash_password("một mật khẩu dài").unwrap(), "salted");
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("aaaaaaaaaaaa").is_err());
        assert!(check_password_policy("Đủ dài rồi 123").is_ok());
    }
}
