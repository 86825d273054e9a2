//! One pass at a time, across every job: the only single-flight guard of the background work. A
//! job's guard is released however the job ends (a panic included).

use std::sync::Mutex;

use tokio::sync::Notify;

use crate::runner::job::Job;

/// What holds the flight: a job, or an exclusive action (disconnecting, stopping sync) that must
/// not race a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Job(Job),
    Exclusive,
}

#[derive(Debug, Default)]
pub struct Flight {
    holder: Mutex<Option<Holder>>,
    released: Notify,
}

/// Held while a pass runs; dropping it lets the next one start.
#[must_use]
pub struct Guard<'a> {
    flight: &'a Flight,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        *self.flight.lock() = None;
        self.flight.released.notify_waiters();
    }
}

impl Flight {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Holder>> {
        self.holder.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The flight for `holder`, unless something holds it already.
    pub fn try_begin(&self, holder: Holder) -> Option<Guard<'_>> {
        let mut slot = self.lock();
        if slot.is_some() {
            return None;
        }
        *slot = Some(holder);
        Some(Guard { flight: self })
    }

    /// What holds the flight now.
    pub fn holder(&self) -> Option<Holder> {
        *self.lock()
    }

    /// Whether `job` is running now.
    pub fn running(&self, job: Job) -> bool {
        self.holder() == Some(Holder::Job(job))
    }

    /// Waits until the flight is released (returns at once if it is free).
    pub async fn released(&self) {
        let notified = self.released.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.lock().is_none() {
            return;
        }
        notified.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_at_a_time_across_jobs_and_released_however_it_ends() {
        let f = Flight::default();
        let strava = f.try_begin(Holder::Job(Job::Strava)).expect("free");
        assert!(f.running(Job::Strava) && !f.running(Job::Devices));
        assert!(f.try_begin(Holder::Job(Job::Devices)).is_none());
        assert!(f.try_begin(Holder::Exclusive).is_none());
        drop(strava);
        assert_eq!(f.holder(), None);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _g = f.try_begin(Holder::Job(Job::Deliver)).expect("free");
            panic!("a job panicked");
        }));
        assert!(result.is_err());
        assert!(
            f.try_begin(Holder::Exclusive).is_some(),
            "released by the panic"
        );
    }
}
