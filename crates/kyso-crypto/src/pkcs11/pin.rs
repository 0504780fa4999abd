use std::fmt;

use cryptoki::slot::TokenInfo;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use super::Pkcs11Error;

/// Who logs in: the token holder or the security officer (SO).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinUser {
    /// CKU_USER: the holder of the key.
    User,
    /// CKU_SO: the security officer who can set a new user PIN.
    SecurityOfficer,
}

impl fmt::Display for PinUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PinUser::User => "user",
            PinUser::SecurityOfficer => "security officer",
        })
    }
}

/// A PIN: zeroized when dropped, never shown by `Debug`.
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Take ownership of a PIN string.
    pub fn new(pin: String) -> Self {
        Pin(Zeroizing::new(pin))
    }

    /// Length in characters (for the token's min/max PIN length).
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// True for an empty PIN.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether two PINs are equal (to confirm a new PIN typed twice).
    pub fn same_as(&self, other: &Pin) -> bool {
        *self.0 == *other.0
    }

    pub(crate) fn auth(&self) -> AuthPin {
        AuthPin::from(self.0.as_str().to_owned())
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(***)")
    }
}

/// How the PIN reaches the token.
#[derive(Debug)]
pub enum PinEntry {
    /// The caller read it (no-echo prompt, environment variable).
    Pin(Pin),
    /// The token's own PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): the
    /// PIN never passes through kyso.
    PinPad,
}

/// The PIN flags of a token (PKCS#11 v2.40 §3.2, CK_TOKEN_INFO.flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinState {
    /// CKF_USER_PIN_COUNT_LOW: a wrong user PIN was entered since the last
    /// good one.
    pub user_count_low: bool,
    /// CKF_USER_PIN_FINAL_TRY: one more wrong user PIN locks the token.
    pub user_final_try: bool,
    /// CKF_USER_PIN_LOCKED.
    pub user_locked: bool,
    /// CKF_USER_PIN_TO_BE_CHANGED.
    pub user_to_be_changed: bool,
    /// CKF_SO_PIN_COUNT_LOW.
    pub so_count_low: bool,
    /// CKF_SO_PIN_FINAL_TRY.
    pub so_final_try: bool,
    /// CKF_SO_PIN_LOCKED.
    pub so_locked: bool,
    /// CKF_SO_PIN_TO_BE_CHANGED.
    pub so_to_be_changed: bool,
}

/// CK_TOKEN_INFO flag bits (PKCS#11 v2.40, pkcs11t.h).
pub mod flags {
    pub const CKF_USER_PIN_COUNT_LOW: u64 = 0x0001_0000;
    pub const CKF_USER_PIN_FINAL_TRY: u64 = 0x0002_0000;
    pub const CKF_USER_PIN_LOCKED: u64 = 0x0004_0000;
    pub const CKF_USER_PIN_TO_BE_CHANGED: u64 = 0x0008_0000;
    pub const CKF_SO_PIN_COUNT_LOW: u64 = 0x0010_0000;
    pub const CKF_SO_PIN_FINAL_TRY: u64 = 0x0020_0000;
    pub const CKF_SO_PIN_LOCKED: u64 = 0x0040_0000;
    pub const CKF_SO_PIN_TO_BE_CHANGED: u64 = 0x0080_0000;
}

impl PinState {
    /// From the raw CK_TOKEN_INFO.flags.
    pub fn from_flags(f: u64) -> Self {
        use flags::*;
        PinState {
            user_count_low: f & CKF_USER_PIN_COUNT_LOW != 0,
            user_final_try: f & CKF_USER_PIN_FINAL_TRY != 0,
            user_locked: f & CKF_USER_PIN_LOCKED != 0,
            user_to_be_changed: f & CKF_USER_PIN_TO_BE_CHANGED != 0,
            so_count_low: f & CKF_SO_PIN_COUNT_LOW != 0,
            so_final_try: f & CKF_SO_PIN_FINAL_TRY != 0,
            so_locked: f & CKF_SO_PIN_LOCKED != 0,
            so_to_be_changed: f & CKF_SO_PIN_TO_BE_CHANGED != 0,
        }
    }

    /// From cryptoki's token information.
    pub fn from_token_info(t: &TokenInfo) -> Self {
        PinState {
            user_count_low: t.user_pin_count_low(),
            user_final_try: t.user_pin_final_try(),
            user_locked: t.user_pin_locked(),
            user_to_be_changed: t.user_pin_to_be_changed(),
            so_count_low: t.so_pin_count_low(),
            so_final_try: t.so_pin_final_try(),
            so_locked: t.so_pin_locked(),
            so_to_be_changed: t.so_pin_to_be_changed(),
        }
    }

    /// One word for a PIN: "locked", "final-try", "count-low", "ok".
    pub fn describe(&self, who: PinUser) -> &'static str {
        let (low, last, locked) = match who {
            PinUser::User => (self.user_count_low, self.user_final_try, self.user_locked),
            PinUser::SecurityOfficer => (self.so_count_low, self.so_final_try, self.so_locked),
        };
        if locked {
            "locked"
        } else if last {
            "final-try"
        } else if low {
            "count-low"
        } else {
            "ok"
        }
    }
}

impl fmt::Display for PinState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "user PIN {}, SO PIN {}",
            self.describe(PinUser::User),
            self.describe(PinUser::SecurityOfficer)
        )?;
        if self.user_to_be_changed {
            f.write_str(", user PIN must be changed")?;
        }
        Ok(())
    }
}

/// Decide whether a PIN may be tried: never on a locked PIN, and on the
/// final try only with the caller's explicit confirmation.
pub fn check_before_login(
    state: &PinState,
    who: PinUser,
    confirm_final_try: bool,
) -> Result<(), Pkcs11Error> {
    match state.describe(who) {
        "locked" => Err(Pkcs11Error::PinLocked(who)),
        "final-try" if !confirm_final_try => Err(Pkcs11Error::FinalTryNeedsConfirmation(who)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::flags::*;
    use super::*;

    #[test]
    fn flags_are_read_bit_by_bit() {
        let s = PinState::from_flags(0);
        assert_eq!(s, PinState::default());
        assert_eq!(s.describe(PinUser::User), "ok");

        let s = PinState::from_flags(CKF_USER_PIN_COUNT_LOW | 0x400 /* other flag */);
        assert!(s.user_count_low && !s.user_final_try && !s.user_locked);
        assert_eq!(s.describe(PinUser::User), "count-low");
        assert_eq!(s.describe(PinUser::SecurityOfficer), "ok");

        // A final try is also "count low" on most tokens: final try wins.
        let s = PinState::from_flags(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
        assert_eq!(s.describe(PinUser::User), "final-try");

        let s = PinState::from_flags(CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY);
        assert_eq!(s.describe(PinUser::User), "locked");

        let s = PinState::from_flags(CKF_SO_PIN_COUNT_LOW);
        assert_eq!(s.describe(PinUser::SecurityOfficer), "count-low");
        let s = PinState::from_flags(CKF_SO_PIN_FINAL_TRY);
        assert_eq!(s.describe(PinUser::SecurityOfficer), "final-try");
        assert_eq!(s.describe(PinUser::User), "ok");
        let s = PinState::from_flags(CKF_SO_PIN_LOCKED | CKF_USER_PIN_TO_BE_CHANGED);
        assert_eq!(s.describe(PinUser::SecurityOfficer), "locked");
        assert!(s.user_to_be_changed && !s.so_to_be_changed);
        assert!(PinState::from_flags(CKF_SO_PIN_TO_BE_CHANGED).so_to_be_changed);
        assert_eq!(
            s.to_string(),
            "user PIN ok, SO PIN locked, user PIN must be changed"
        );
    }

    #[test]
    fn final_try_needs_confirmation_and_locked_is_refused() {
        let ok = PinState::default();
        let low = PinState::from_flags(CKF_USER_PIN_COUNT_LOW);
        let last = PinState::from_flags(CKF_USER_PIN_FINAL_TRY);
        let locked = PinState::from_flags(CKF_USER_PIN_LOCKED);
        assert!(check_before_login(&ok, PinUser::User, false).is_ok());
        assert!(check_before_login(&low, PinUser::User, false).is_ok());
        assert!(matches!(
            check_before_login(&last, PinUser::User, false),
            Err(Pkcs11Error::FinalTryNeedsConfirmation(PinUser::User))
        ));
        assert!(check_before_login(&last, PinUser::User, true).is_ok());
        // The user's final try does not stop the security officer.
        assert!(check_before_login(&last, PinUser::SecurityOfficer, false).is_ok());
        for confirm in [false, true] {
            assert!(matches!(
                check_before_login(&locked, PinUser::User, confirm),
                Err(Pkcs11Error::PinLocked(PinUser::User))
            ));
        }
        let so_last = PinState::from_flags(CKF_SO_PIN_FINAL_TRY);
        assert!(matches!(
            check_before_login(&so_last, PinUser::SecurityOfficer, false),
            Err(Pkcs11Error::FinalTryNeedsConfirmation(
                PinUser::SecurityOfficer
            ))
        ));
    }

    #[test]
    fn pin_debug_does_not_show_the_pin() {
        let p = Pin::new("123456".into());
        assert_eq!(format!("{p:?}"), "Pin(***)");
        assert!(!format!("{:?}", PinEntry::Pin(Pin::new("987654".into()))).contains("987654"));
        assert_eq!(p.len(), 6);
    }
}
