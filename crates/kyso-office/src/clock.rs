//! The office's clock: the system's own time (R-TIMESTAMP), replaceable
//! in tests.

use std::sync::Mutex;

use time::OffsetDateTime;

/// Where the office reads the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The server's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock set by hand (tests, and the demo's seeded history).
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn new(t: OffsetDateTime) -> Self {
        FixedClock(Mutex::new(t))
    }
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }
    pub fn advance(&self, d: time::Duration) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *g += d;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Vietnam time (+07:00), in which dates printed on documents and
/// register years are reckoned.
pub const VIETNAM: time::UtcOffset = time::macros::offset!(+7);

/// The date in Vietnam at `t`.
pub fn vietnam_date(t: OffsetDateTime) -> time::Date {
    t.to_offset(VIETNAM).date()
}
