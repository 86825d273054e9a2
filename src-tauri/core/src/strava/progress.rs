//! How far a sync pass has come, told while it runs: a first import of years of rides takes
//! many pages (and may wait for Strava's rate limit), so the front ends show more than
//! "Syncing…". The pass calls the sink; the CLI prints lines, the app sends a window event.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::time::Timestamp;

/// One step of a pass, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[cfg_attr(feature = "bindings", serde(rename = "StravaSyncProgress"))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    /// Another page is in: the rides listed so far in this pass, and the oldest start reached
    /// (the history is listed newest first, so this walks back in time).
    Listed {
        rides: u32,
        oldest: Option<Timestamp>,
    },
    /// Strava's rate limit is used up: the pass waits until then, and goes on by itself.
    Paused { until: Timestamp },
}

/// Where a pass tells its progress; cheap to clone (one shared callback).
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(&Progress) + Send + Sync>);

impl ProgressSink {
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        ProgressSink(Arc::new(f))
    }

    pub fn tell(&self, p: &Progress) {
        (self.0)(p)
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// Tells every `every` rides (and every pause), so a long import prints a line now and then
/// rather than one per page.
#[derive(Debug, Clone, Copy)]
pub struct Every {
    every: u32,
    told: u32,
}

impl Every {
    pub fn new(every: u32) -> Self {
        Every {
            every: every.max(1),
            told: 0,
        }
    }

    /// Whether this step is worth telling.
    pub fn due(&mut self, p: &Progress) -> bool {
        match p {
            Progress::Paused { .. } => true,
            Progress::Listed { rides, .. } => {
                let step = rides / self.every;
                if step > self.told {
                    self.told = step;
                    true
                } else {
                    false
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tells_each_new_multiple_once_and_every_pause() {
        let mut e = Every::new(500);
        let listed = |rides| Progress::Listed {
            rides,
            oldest: None,
        };
        let told: Vec<bool> = [190, 499, 500, 690, 1200, 1300]
            .into_iter()
            .map(|n| e.due(&listed(n)))
            .collect();
        assert_eq!(told, [false, false, true, false, true, false]);
        assert!(e.due(&Progress::Paused {
            until: Timestamp(0)
        }));
    }
}
