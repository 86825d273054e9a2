use super::*;
use crate::runner::report::{DeliverReport, DevicesOutcome, StravaOutcome};
use crate::strava::sync::Report as StravaReport;

const T0: i64 = 1_000_000_000;
const MIN: i64 = 60_000;

fn timers() -> Timers {
    Timers {
        strava: None,
        devices: None,
        period_ms: 60 * MIN,
        strava_interval_ms: 15 * MIN,
    }
}

/// Runs whatever is due at `now` until something has to wait; the jobs in the order they ran.
fn drain(s: &mut Schedule, now: i64, t: &Timers) -> Vec<(Job, Why)> {
    let mut ran = Vec::new();
    for _ in 0..20 {
        match s.next(now, t) {
            Next::Run(job, why) => {
                s.started(job);
                let report = match job {
                    Job::Strava => JobReport::Strava(StravaOutcome::NotConnected),
                    Job::Devices => JobReport::Devices(DevicesOutcome::Stopped),
                    Job::Deliver => JobReport::Deliver(DeliverReport::default()),
                    Job::Watchdog => JobReport::Deliver(DeliverReport::default()),
                };
                s.finished(job, now, &report, t);
                ran.push((job, why));
            }
            _ => return ran,
        }
    }
    panic!("the schedule never settles: {ran:?}");
}

fn next_job(s: &mut Schedule, now: i64, t: &Timers) -> Next {
    s.next(now, t)
}

#[test]
fn start_runs_strava_then_devices_then_delivery_then_the_watchdog() {
    let mut s = Schedule::new(Policy::WhenDue);
    s.wake(Wake::Start, T0);
    let ran: Vec<Job> = drain(&mut s, T0, &timers())
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        ran,
        [Job::Strava, Job::Devices, Job::Deliver, Job::Watchdog]
    );
    // Then nothing until the reminder period is up.
    assert_eq!(next_job(&mut s, T0, &timers()), Next::Sleep(T0 + 60 * MIN));
    assert_eq!(
        drain(&mut s, T0 + 60 * MIN, &timers()),
        [(Job::Deliver, "timer"), (Job::Watchdog, "after delivery")]
    );
}

#[test]
fn a_local_change_asks_for_a_device_pass_after_the_debounce_and_a_burst_is_one_pass() {
    let mut s = Schedule::new(Policy::WhenDue);
    drain(&mut s, T0, &timers());
    s.wake(Wake::LocalChange, T0);
    s.wake(Wake::LocalChange, T0 + 1_000);
    // Not before three seconds after the last change.
    assert_eq!(
        next_job(&mut s, T0 + 3_500, &timers()),
        Next::Sleep(T0 + 1_000 + DEBOUNCE_MS)
    );
    assert_eq!(
        drain(&mut s, T0 + 1_000 + DEBOUNCE_MS, &timers()),
        [(Job::Devices, "changed")]
    );
    // An explicit ask is not pushed back by a later change.
    s.wake(Wake::Now(Job::Devices), T0 + 10_000);
    s.wake(Wake::LocalChange, T0 + 10_000);
    assert_eq!(
        next_job(&mut s, T0 + 10_000, &timers()),
        Next::Run(Job::Devices, "asked")
    );
}

#[test]
fn a_device_that_does_not_sync_asks_nothing_of_the_devices() {
    let mut s = Schedule::new(Policy::WhenDue);
    s.wake(Wake::DevicesConfigured(false), T0);
    s.wake(Wake::LocalChange, T0);
    s.wake(Wake::Now(Job::Devices), T0);
    let t = Timers {
        devices: Some(T0),
        ..timers()
    };
    assert!(drain(&mut s, T0 + DEBOUNCE_MS, &t)
        .iter()
        .all(|(job, _)| *job != Job::Devices));
    // Set up again: the timer counts.
    s.wake(Wake::DevicesConfigured(true), T0);
    assert_eq!(
        next_job(&mut s, T0 + MIN, &t),
        Next::Run(Job::Devices, "timer")
    );
}

#[test]
fn a_device_pass_that_finds_sync_not_set_up_stops_the_timer() {
    let mut s = Schedule::new(Policy::WhenDue);
    let t = Timers {
        devices: Some(T0),
        ..timers()
    };
    s.wake(Wake::Now(Job::Devices), T0);
    assert_eq!(next_job(&mut s, T0, &t), Next::Run(Job::Devices, "asked"));
    s.started(Job::Devices);
    let not_set_up = JobReport::Devices(DevicesOutcome::NotSetUp);
    s.finished(Job::Devices, T0, &not_set_up, &t);
    s.learned_devices(false);
    assert_eq!(s.devices_on(), Some(false));
    assert!(drain(&mut s, T0 + 60 * MIN, &t)
        .iter()
        .all(|(job, _)| *job != Job::Devices));
}

#[test]
fn the_window_back_after_longer_than_the_interval_asks_for_a_strava_pass() {
    let mut s = Schedule::new(Policy::WhenDue);
    let t = timers();
    drain(&mut s, T0, &t);
    // Away ten minutes: the devices (away over 30 s), not Strava.
    s.wake(Wake::Focus(false), T0);
    s.wake(Wake::Focus(true), T0 + 10 * MIN);
    assert_eq!(drain(&mut s, T0 + 10 * MIN, &t), [(Job::Devices, "focus")]);
    // Away twenty minutes, counted from the first blur: Strava too.
    s.wake(Wake::Focus(false), T0 + 20 * MIN);
    s.wake(Wake::Focus(false), T0 + 21 * MIN);
    s.wake(Wake::Focus(true), T0 + 40 * MIN);
    let ran = drain(&mut s, T0 + 40 * MIN, &t);
    assert_eq!(ran[0], (Job::Strava, "focus"));
    assert!(ran.contains(&(Job::Devices, "focus")));
    // A focus without an earlier blur (the window's first): nothing.
    s.wake(Wake::Focus(true), T0 + 50 * MIN);
    assert_eq!(drain(&mut s, T0 + 50 * MIN, &t), []);
    // Ten seconds away: nothing either.
    s.wake(Wake::Focus(false), T0 + 51 * MIN);
    s.wake(Wake::Focus(true), T0 + 51 * MIN + 10_000);
    assert_eq!(drain(&mut s, T0 + 51 * MIN + 10_000, &t), []);
}

#[test]
fn timers_follow_what_the_garage_records_but_never_closer_than_the_minimum_gap() {
    let mut s = Schedule::new(Policy::WhenDue);
    s.wake(Wake::Start, T0);
    drain(&mut s, T0, &timers());
    // The core set the next attempt (an interval, a back-off, a rate-limit pause): sleep till then.
    let later = Timers {
        strava: Some(T0 + 7 * MIN),
        ..timers()
    };
    assert_eq!(next_job(&mut s, T0, &later), Next::Sleep(T0 + 7 * MIN));
    assert_eq!(
        next_job(&mut s, T0 + 7 * MIN, &later),
        Next::Run(Job::Strava, "timer")
    );
    // A pass that could not record its outcome (the timer stays in the past) waits the gap.
    let stuck = Timers {
        strava: Some(0),
        ..timers()
    };
    assert_eq!(
        next_job(&mut s, T0 + 1_000, &stuck),
        Next::Sleep(T0 + MIN_GAP_MS)
    );
    // Asked for by the rider: at once, gap or not.
    s.wake(Wake::Now(Job::Strava), T0 + 1_000);
    assert_eq!(
        next_job(&mut s, T0 + 1_000, &stuck),
        Next::Run(Job::Strava, "asked")
    );
}

#[test]
fn a_strava_pass_that_brought_rides_asks_for_the_devices_and_for_delivery() {
    let mut s = Schedule::new(Policy::WhenDue);
    drain(&mut s, T0, &timers());
    let t = timers();
    s.wake(Wake::StravaConnected, T0);
    assert_eq!(
        next_job(&mut s, T0, &t),
        Next::Run(Job::Strava, "connected")
    );
    s.started(Job::Strava);
    let mut report = StravaReport::default();
    report.changes.rides_added = 3;
    s.finished(
        Job::Strava,
        T0,
        &JobReport::Strava(StravaOutcome::Ran { report }),
        &t,
    );
    let ran = drain(&mut s, T0, &t);
    assert_eq!(
        ran,
        [
            (Job::Devices, "strava brought rides"),
            (Job::Deliver, "after strava"),
            (Job::Watchdog, "after delivery")
        ]
    );
    // Nothing new: nothing else (the reminders are evaluated on their own timer).
    s.wake(Wake::Now(Job::Strava), T0 + MIN);
    let ran = drain(&mut s, T0 + MIN, &t);
    assert_eq!(ran, [(Job::Strava, "asked")]);
}

#[test]
fn settings_changed_evaluates_again() {
    let mut s = Schedule::new(Policy::WhenDue);
    drain(&mut s, T0, &timers());
    s.wake(Wake::SettingsChanged, T0 + 5_000);
    assert_eq!(
        drain(&mut s, T0 + 5_000, &timers()),
        [
            (Job::Deliver, "settings"),
            (Job::Watchdog, "after delivery")
        ]
    );
}

#[test]
fn serve_never_keeps_a_device_sync_off_it_learnt_the_cli_may_set_sync_up_while_it_runs() {
    let mut s = Schedule::new(Policy::Cycles { limit: None });
    s.learned_devices(false);
    assert_eq!(s.devices_on(), None);
}

#[test]
fn serve_runs_every_job_in_order_each_cycle_an_interval_apart_and_stops_after_the_limit() {
    let mut s = Schedule::new(Policy::Cycles { limit: Some(3) });
    let t = Timers {
        period_ms: 10 * MIN,
        ..timers()
    };
    let ran = drain(&mut s, T0, &t);
    assert_eq!(
        ran,
        Job::ALL.map(|j| (j, "cycle")).to_vec(),
        "a cycle runs every job, connected or not"
    );
    assert_eq!(s.cycle(), 1);
    // The cycle took no time: the next one an interval later.
    assert_eq!(next_job(&mut s, T0, &t), Next::Sleep(T0 + 10 * MIN));
    // A slow cycle (8 minutes): the next starts half an interval after it ended.
    s.next(T0 + 10 * MIN, &t);
    for job in Job::ALL {
        s.started(job);
        s.finished(
            job,
            T0 + 18 * MIN,
            &JobReport::Deliver(DeliverReport::default()),
            &t,
        );
    }
    assert_eq!(s.cycle(), 2);
    assert_eq!(
        next_job(&mut s, T0 + 18 * MIN, &t),
        Next::Sleep(T0 + 23 * MIN)
    );
    assert_eq!(drain(&mut s, T0 + 23 * MIN, &t).len(), 4);
    assert_eq!(next_job(&mut s, T0 + 60 * MIN, &t), Next::Done);
}

#[test]
fn serve_without_a_limit_keeps_going() {
    let mut s = Schedule::new(Policy::Cycles { limit: None });
    let t = Timers {
        period_ms: MIN,
        ..timers()
    };
    for n in 0..5 {
        let now = T0 + n * MIN;
        assert_eq!(drain(&mut s, now, &t).len(), 4);
        assert_eq!(next_job(&mut s, now, &t), Next::Sleep(now + MIN));
    }
    assert_eq!(s.cycle(), 5);
}
