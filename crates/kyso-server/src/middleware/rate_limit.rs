//! A per-address rate limit for logins, in this process's memory (each
//! replica counts its own; the per-account lock-out after repeated
//! failures is in the database and holds across replicas). A token
//! bucket per client address (IPv6 by its /64), refilled steadily; the
//! table is bounded: when full, full buckets are dropped first, and
//! failing that a new address is refused rather than tracked.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked at most.
const MAX_ADDRESSES: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    burst: f64,
    per_second: f64,
}

/// The key of an address: IPv4 as is, IPv6 by its /64 (one host usually
/// holds a whole /64).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimiter {
    /// `per_minute` attempts a minute, in bursts of at most that many.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        let n = f64::from(per_minute.max(1));
        RateLimiter {
            buckets: Mutex::new(HashMap::new()),
            burst: n,
            per_second: n / 60.0,
        }
    }

    /// Takes one attempt for `ip` at `now`, or says how long to wait.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (burst, rate) = (self.burst, self.per_second);
        let level =
            |b: &Bucket| (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
        let k = key(ip);
        if !map.contains_key(&k) && map.len() >= MAX_ADDRESSES {
            map.retain(|_, b| level(b) < burst);
            if map.len() >= MAX_ADDRESSES {
                return Err(Duration::from_secs(60));
            }
        }
        let b = map.entry(k).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let tokens = level(b);
        if tokens >= 1.0 {
            b.tokens = tokens - 1.0;
            b.at = now;
            Ok(())
        } else {
            b.tokens = tokens;
            b.at = now;
            Err(Duration::from_secs_f64(((1.0 - tokens) / rate).ceil()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills() {
        let l = RateLimiter::per_minute(3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t = Instant::now();
        for _ in 0..3 {
            l.check(ip, t).unwrap();
        }
        let wait = l.check(ip, t).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        l.check(other, t).unwrap();
        l.check(ip, t + Duration::from_secs(20)).unwrap();
        assert!(l.check(ip, t + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let l = RateLimiter::per_minute(1);
        let t = Instant::now();
        l.check("2001:db8::1".parse().unwrap(), t).unwrap();
        assert!(l.check("2001:db8::2".parse().unwrap(), t).is_err());
        l.check("2001:db8:0:1::1".parse().unwrap(), t).unwrap();
    }
}
