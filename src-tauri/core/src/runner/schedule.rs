//! When each job runs: plain state on plain numbers (wall-clock milliseconds), so every rule of
//! the schedule is tested without a runtime, a window or a wait.
//!
//! Two policies:
//! - [`Policy::WhenDue`] (the app): each job when its timer is due or something asks for it;
//! - [`Policy::Cycles`] (`serve`): every job in order, once per cycle, cycles an interval apart.

use std::collections::BTreeMap;

pub use crate::runner::job::Job;
use crate::runner::report::JobReport;

/// Why a job runs, for the log.
pub type Why = &'static str;

/// Something that asks the runner to look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The host started: every job once.
    Start,
    /// The window gained (true) or lost (false) focus.
    Focus(bool),
    /// The rider asked for this job now ("Sync now", "Check now").
    Now(Job),
    /// The garage changed here: the other devices hear of it after a short debounce.
    LocalChange,
    /// A Strava connection was made: the first pass now.
    StravaConnected,
    /// The settings changed: reminders are evaluated again and the timers looked at again.
    SettingsChanged,
    /// Device sync was set up (true) or stopped (false) here.
    DevicesConfigured(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Each job when due or asked for (the app).
    WhenDue,
    /// Every job in order each cycle, at most `limit` cycles (`serve`).
    Cycles { limit: Option<u32> },
}

/// When each job's own timer is due (wall-clock ms), as the host's garage and settings say now.
/// `None`: the job has nothing to do on its own (not connected, not set up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timers {
    pub strava: Option<i64>,
    pub devices: Option<i64>,
    /// How often reminders are evaluated (the app), or how far apart cycles are (`serve`).
    pub period_ms: i64,
    /// The Strava sync interval: a window back after longer than this syncs at once.
    pub strava_interval_ms: i64,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Run(Job, Why),
    /// Nothing is due before this time (or before something asks).
    Sleep(i64),
    /// The last cycle of a limited run ended.
    Done,
}

/// The shortest gap between two passes a timer starts, whatever the garage says (a pass that
/// could not record its outcome must not turn the loop into a busy one).
pub const MIN_GAP_MS: i64 = 30_000;
/// A device pass this long after the last local change, so a burst of edits is one upload.
pub const DEBOUNCE_MS: i64 = 3_000;
/// Away from the window longer than this, the other devices are asked for their changes.
pub const FOCUS_DEVICES_MS: i64 = MIN_GAP_MS;

/// Why a device pass debounced after local changes runs.
const DEBOUNCED: Why = "changed";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ask {
    at: i64,
    why: Why,
}

/// The runner's memory between passes.
#[derive(Debug)]
pub struct Schedule {
    policy: Policy,
    asked: BTreeMap<Job, Ask>,
    /// When a timer-started pass of each job last ended.
    ended: BTreeMap<Job, i64>,
    blurred_at: Option<i64>,
    /// Whether this device syncs with others, once known; `None`: the timers say.
    devices_on: Option<bool>,
    strava_interval_ms: i64,
    cycle: Cycle,
}

#[derive(Debug, Default)]
struct Cycle {
    /// Cycles started.
    n: u32,
    started_at: i64,
    next_at: i64,
    pending: Vec<Job>,
}

impl Schedule {
    pub fn new(policy: Policy) -> Schedule {
        Schedule {
            policy,
            asked: BTreeMap::new(),
            ended: BTreeMap::new(),
            blurred_at: None,
            devices_on: None,
            strava_interval_ms: i64::MAX,
            cycle: Cycle::default(),
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The cycle running or last run (`serve`'s numbering, from 1).
    pub fn cycle(&self) -> u32 {
        self.cycle.n
    }

    /// When the cycle running or last run started.
    pub fn cycle_started_at(&self) -> i64 {
        self.cycle.started_at
    }

    /// Whether this device syncs with others, if known here.
    pub fn devices_on(&self) -> Option<bool> {
        self.devices_on
    }

    fn ask(&mut self, job: Job, at: i64, why: Why) {
        if job == Job::Devices && self.devices_on == Some(false) {
            return;
        }
        // An earlier ask stands (it is already waiting), except that a debounce moves later.
        let keep = self
            .asked
            .get(&job)
            .is_some_and(|a| a.at <= at && !(a.why == DEBOUNCED && why == DEBOUNCED));
        if !keep {
            self.asked.insert(job, Ask { at, why });
        }
    }

    /// Records what asked the runner to look again.
    pub fn wake(&mut self, wake: Wake, now: i64) {
        match wake {
            Wake::Start => {
                for job in [Job::Strava, Job::Devices, Job::Deliver] {
                    self.ask(job, now, "start");
                }
            }
            Wake::Now(job) => self.ask(job, now, "asked"),
            Wake::LocalChange => self.ask(Job::Devices, now + DEBOUNCE_MS, DEBOUNCED),
            Wake::StravaConnected => self.ask(Job::Strava, now, "connected"),
            Wake::SettingsChanged => self.ask(Job::Deliver, now, "settings"),
            Wake::DevicesConfigured(on) => {
                self.devices_on = Some(on);
                if !on {
                    self.asked.remove(&Job::Devices);
                }
            }
            Wake::Focus(false) => {
                self.blurred_at.get_or_insert(now);
            }
            Wake::Focus(true) => {
                if let Some(since) = self.blurred_at.take() {
                    // Back after longer than the interval (a laptop that slept, a window left
                    // behind others): the garage is brought up to date at once.
                    if now - since > self.strava_interval_ms {
                        self.ask(Job::Strava, now, "focus");
                    }
                    // The other devices may have changed the garage meanwhile.
                    if now - since > FOCUS_DEVICES_MS {
                        self.ask(Job::Devices, now, "focus");
                    }
                }
            }
        }
    }

    /// What to do at `now`.
    pub fn next(&mut self, now: i64, timers: &Timers) -> Next {
        self.strava_interval_ms = timers.strava_interval_ms;
        match self.policy {
            Policy::WhenDue => self.next_when_due(now, timers),
            Policy::Cycles { limit } => self.next_cycle(now, timers, limit),
        }
    }

    fn next_when_due(&mut self, now: i64, timers: &Timers) -> Next {
        let devices_timer = match self.devices_on {
            Some(false) => None,
            _ => timers.devices,
        };
        let deliver_timer = Some(
            self.ended
                .get(&Job::Deliver)
                .map_or(now, |at| at + timers.period_ms.max(1)),
        );
        let gap = |job: Job, due: i64| {
            due.max(self.ended.get(&job).map_or(i64::MIN, |at| at + MIN_GAP_MS))
        };
        let mut due: Vec<(i64, Job, Why)> = self
            .asked
            .iter()
            .map(|(job, ask)| (ask.at, *job, ask.why))
            .collect();
        let timed = [
            (Job::Strava, timers.strava),
            (Job::Devices, devices_timer),
            (Job::Deliver, deliver_timer),
        ];
        for (job, at) in timed {
            if let Some(at) = at {
                let at = if job == Job::Deliver {
                    at
                } else {
                    gap(job, at)
                };
                due.push((at, job, "timer"));
            }
        }
        // The earliest first; at the same time, in a cycle's order.
        due.sort_by_key(|(at, job, _)| (*at, *job));
        match due.first() {
            Some(&(at, job, why)) if at <= now => Next::Run(job, why),
            Some(&(at, ..)) => Next::Sleep(at),
            None => Next::Sleep(now + timers.period_ms.max(1)),
        }
    }

    fn next_cycle(&mut self, now: i64, timers: &Timers, limit: Option<u32>) -> Next {
        if let Some(&job) = self.cycle.pending.first() {
            return Next::Run(job, "cycle");
        }
        if limit.is_some_and(|l| self.cycle.n >= l) {
            return Next::Done;
        }
        if self.cycle.n > 0 && now < self.cycle.next_at {
            return Next::Sleep(self.cycle.next_at);
        }
        self.cycle.n += 1;
        self.cycle.started_at = now;
        self.cycle.pending = Job::ALL.to_vec();
        self.cycle.next_at = now + timers.period_ms.max(1);
        Next::Run(Job::Strava, "cycle")
    }

    /// A device pass found whether this device syncs (its saved target, or none). The app keeps
    /// it until sync is set up or stopped from its window; `serve` asks every cycle (the CLI may
    /// set sync up while it runs).
    pub fn learned_devices(&mut self, on: bool) {
        if self.policy == Policy::WhenDue {
            self.devices_on = Some(on);
            if !on {
                self.asked.remove(&Job::Devices);
            }
        }
    }

    /// A job starts: what asked for it is answered.
    pub fn started(&mut self, job: Job) {
        self.asked.remove(&job);
    }

    /// A job ended at `now` with `report`; what it calls for next is asked for.
    pub fn finished(&mut self, job: Job, now: i64, report: &JobReport, timers: &Timers) {
        self.ended.insert(job, now);
        if let Policy::Cycles { .. } = self.policy {
            if self.cycle.pending.first() == Some(&job) {
                self.cycle.pending.remove(0);
            }
            if self.cycle.pending.is_empty() {
                // The next cycle an interval after this one started, but never less than half an
                // interval after it ended (a slow cycle does not make the next one start at once).
                let period = timers.period_ms.max(1);
                let took = (now - self.cycle.started_at).clamp(0, period / 2);
                self.cycle.next_at = now + period - took;
            }
            return;
        }
        match job {
            Job::Strava => {
                // New rides may have made parts due, and go to the other devices too.
                if report.changed_garage() {
                    self.ask(Job::Deliver, now, "after strava");
                    self.ask(Job::Devices, now, "strava brought rides");
                }
            }
            Job::Devices => {
                if report.changed_garage() {
                    self.ask(Job::Deliver, now, "after devices");
                }
            }
            Job::Deliver => self.ask(Job::Watchdog, now, "after delivery"),
            Job::Watchdog => {}
        }
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
