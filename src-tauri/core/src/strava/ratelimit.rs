//! Strava's rate limits are per application: read requests 100 per 15 minutes and 1,000 a day,
//! all requests 200 and 2,000 (at the time of writing; the headers say what applies). Windows
//! reset at :00, :15, :30 and :45 and at midnight UTC. Every response says the usage so far in
//! `X-RateLimit-*` and `X-ReadRateLimit-*` ("15min,daily"); the sync never sends a request that
//! would go over, and on a 429 waits for the next window.

use serde::Serialize;

use crate::time::{Timestamp, MS_PER_DAY};

/// Usage or limit in the short window and the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Pair {
    pub short: u32,
    pub daily: u32,
}

impl Pair {
    /// Reads "15min,daily" as Strava writes it.
    pub fn parse(text: &str) -> Option<Pair> {
        let (a, b) = text.split_once(',')?;
        Some(Pair {
            short: a.trim().parse().ok()?,
            daily: b.trim().parse().ok()?,
        })
    }

    pub fn to_header(self) -> String {
        format!("{},{}", self.short, self.daily)
    }
}

/// What the last response said, and when it was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Budget {
    pub read_usage: Pair,
    pub read_limit: Pair,
    pub overall_usage: Pair,
    pub overall_limit: Pair,
    pub seen_at: Timestamp,
}

/// The windows' lengths: 15 minutes and a day. Tests against a fake shorten the short one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    pub short_ms: i64,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            short_ms: 15 * 60 * 1000,
        }
    }
}

impl Windows {
    /// The start of the short window after the one `now` is in.
    pub fn next_short(&self, now: Timestamp) -> Timestamp {
        Timestamp((now.millis().div_euclid(self.short_ms) + 1) * self.short_ms)
    }

    /// The next midnight UTC.
    pub fn next_day(&self, now: Timestamp) -> Timestamp {
        Timestamp((now.millis().div_euclid(MS_PER_DAY) + 1) * MS_PER_DAY)
    }

    fn same_short(&self, a: Timestamp, b: Timestamp) -> bool {
        a.millis().div_euclid(self.short_ms) == b.millis().div_euclid(self.short_ms)
    }

    fn same_day(&self, a: Timestamp, b: Timestamp) -> bool {
        a.millis().div_euclid(MS_PER_DAY) == b.millis().div_euclid(MS_PER_DAY)
    }
}

impl Budget {
    /// Usage now: what the last response said, for the windows that have not reset since.
    fn usage_now(&self, usage: Pair, windows: &Windows, now: Timestamp) -> Pair {
        Pair {
            short: if windows.same_short(self.seen_at, now) {
                usage.short
            } else {
                0
            },
            daily: if windows.same_day(self.seen_at, now) {
                usage.daily
            } else {
                0
            },
        }
    }

    /// `None` when one more read request fits in every window; otherwise when it will.
    pub fn wait_for_read(&self, windows: &Windows, now: Timestamp) -> Option<Timestamp> {
        let mut until: Option<Timestamp> = None;
        for (usage, limit) in [
            (self.read_usage, self.read_limit),
            (self.overall_usage, self.overall_limit),
        ] {
            let used = self.usage_now(usage, windows, now);
            if limit.daily > 0 && used.daily + 1 > limit.daily {
                until = until.max(Some(windows.next_day(now)));
            }
            if limit.short > 0 && used.short + 1 > limit.short {
                until = until.max(Some(windows.next_short(now)));
            }
        }
        until
    }

    /// Counts a request sent after these headers were read, until its own response says more.
    pub fn count_request(&mut self) {
        for usage in [&mut self.read_usage, &mut self.overall_usage] {
            usage.short += 1;
            usage.daily += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(read_usage: Pair, seen_at: i64) -> Budget {
        Budget {
            read_usage,
            read_limit: Pair {
                short: 100,
                daily: 1000,
            },
            overall_usage: read_usage,
            overall_limit: Pair {
                short: 200,
                daily: 2000,
            },
            seen_at: Timestamp(seen_at),
        }
    }

    const T: i64 = 1_789_999_200_000; // 15-minute aligned

    #[test]
    fn headers_parse_as_strava_writes_them() {
        assert_eq!(
            Pair::parse("100, 1000"),
            Some(Pair {
                short: 100,
                daily: 1000
            })
        );
        assert_eq!(Pair::parse("nope"), None);
    }

    #[test]
    fn the_last_request_of_a_window_is_sent_and_the_next_waits_for_the_window() {
        let w = Windows::default();
        assert_eq!(T % w.short_ms, 0);
        let b = budget(
            Pair {
                short: 99,
                daily: 500,
            },
            T + 1000,
        );
        assert_eq!(b.wait_for_read(&w, Timestamp(T + 2000)), None);
        let b = budget(
            Pair {
                short: 100,
                daily: 500,
            },
            T + 1000,
        );
        assert_eq!(
            b.wait_for_read(&w, Timestamp(T + 2000)),
            Some(Timestamp(T + w.short_ms))
        );
        // Once the window has turned, the old usage no longer counts.
        assert_eq!(b.wait_for_read(&w, Timestamp(T + w.short_ms)), None);
    }

    #[test]
    fn an_exhausted_day_waits_for_midnight_utc() {
        let w = Windows::default();
        let b = budget(
            Pair {
                short: 3,
                daily: 1000,
            },
            T,
        );
        let until = b.wait_for_read(&w, Timestamp(T + 5)).unwrap();
        assert_eq!(until.millis() % MS_PER_DAY, 0);
        assert!(until.millis() > T);
    }
}
