//! The runner on a garage in memory and a manual clock, through a host that records what it is
//! told: no window, no network, no waiting.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::delivery::sender::{Outgoing, SendFuture};
use crate::delivery::{Channel, Sender};
use crate::garage::demo;
use crate::secrets::{MemorySecrets, SecretStore};
use crate::store::{Clock, ManualClock, Store, SystemClock};
use crate::units::Units;
use crate::watchdog::heartbeat;
use crate::Timestamp;

/// A native notification sender that records what it was handed.
#[derive(Default)]
struct Shown(AtomicU32);

impl Sender for Shown {
    fn channel(&self) -> Channel {
        Channel::Notification
    }

    fn send<'a>(&'a self, items: &'a [Outgoing]) -> SendFuture<'a> {
        self.0.fetch_add(items.len() as u32, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }
}

struct TestHost {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    secrets: Arc<MemorySecrets>,
    shown: Arc<Shown>,
    events: Mutex<Vec<Event>>,
    finished: Mutex<Vec<(Job, Why)>>,
    cycles: Mutex<Vec<CycleReport>>,
    period: Duration,
    settings: Settings,
}

impl TestHost {
    fn new(clock: Arc<dyn Clock>, period: Duration) -> TestHost {
        let mut store = Store::open_in_memory()
            .expect("a garage in memory")
            .with_clock(clock.clone());
        demo::load(&mut store).expect("the demo garage");
        TestHost {
            store: Mutex::new(store),
            clock,
            secrets: Arc::new(MemorySecrets::default()),
            shown: Arc::new(Shown::default()),
            events: Mutex::new(Vec::new()),
            finished: Mutex::new(Vec::new()),
            cycles: Mutex::new(Vec::new()),
            period,
            settings: Settings::default(),
        }
    }

    fn finished(&self) -> Vec<(Job, Why)> {
        self.finished.lock().unwrap().clone()
    }
}

impl Host for TestHost {
    type Store = Mutex<Store>;

    fn store(&self) -> &Mutex<Store> {
        &self.store
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    fn identity(&self) -> Identity {
        Identity {
            heartbeat: heartbeat::SERVE,
            audience: crate::watchdog::AUDIENCE_SERVE,
        }
    }

    fn settings(&self) -> crate::Result<Settings> {
        Ok(self.settings.clone())
    }

    fn secrets(&self) -> crate::Result<Arc<dyn SecretStore>> {
        Ok(self.secrets.clone())
    }

    fn native(&self, _units: Units) -> Option<Arc<dyn Sender>> {
        Some(self.shown.clone())
    }

    fn period(&self, _settings: &Settings) -> Duration {
        self.period
    }

    fn emit(&self, event: Event) {
        self.events.lock().unwrap().push(event);
    }

    fn finished(&self, job: Job, why: Why, _report: &JobReport) {
        self.finished.lock().unwrap().push((job, why));
    }

    fn cycle_finished(&self, report: &CycleReport) {
        self.cycles.lock().unwrap().push(report.clone());
    }
}

fn manual() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Timestamp::now()))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_app_starts_with_every_job_then_sleeps_until_the_period_and_delivers_what_is_due() {
    let clock = manual();
    let runner = Runner::new(
        TestHost::new(clock.clone(), Duration::from_secs(3600)),
        Policy::WhenDue,
    );
    rt().block_on(async {
        runner.wake(Wake::Start);
        let mut steps = Vec::new();
        loop {
            match runner.step().await {
                Step::Ran(job) => steps.push(job),
                other => {
                    let now = clock.now().millis();
                    assert_eq!(other, Step::Sleep(now + 3_600_000), "then the period");
                    break;
                }
            }
            assert!(steps.len() < 10, "settles: {steps:?}");
        }
        assert_eq!(
            steps,
            [Job::Strava, Job::Devices, Job::Deliver, Job::Watchdog]
        );
    });
    let host = runner.host();
    assert!(
        host.shown.0.load(Ordering::SeqCst) > 0,
        "the demo's due parts reached the native sender"
    );
    let events = host.events.lock().unwrap().clone();
    assert!(events.contains(&Event::HealthChanged) && events.contains(&Event::GarageChanged));
    assert!(
        !events.contains(&Event::StravaChanged),
        "a garage not connected to Strava does not start a pass"
    );
    // The heartbeat is recorded under this runner's name.
    let beat = host
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT holder FROM heartbeats WHERE name = 'serve'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert_eq!(beat, runner.holder());
}

#[test]
fn one_pass_at_a_time_a_rider_asking_while_a_pass_runs_gets_it_right_after() {
    let clock = manual();
    let runner = Runner::new(
        TestHost::new(clock.clone(), Duration::from_secs(3600)),
        Policy::WhenDue,
    );
    rt().block_on(async {
        // Something holds the flight (a disconnect, say): "Sync now" does not run beside it.
        let held = runner.flight.try_begin(Holder::Exclusive).unwrap();
        assert!(runner.run_now(Job::Deliver).await.is_none());
        assert_eq!(runner.step().await, Step::Busy);
        drop(held);
        assert_eq!(runner.step().await, Step::Ran(Job::Deliver));
        assert_eq!(runner.host().finished()[0], (Job::Deliver, "asked"));
    });
}

#[test]
fn an_exclusive_action_stops_a_pass_and_waits_for_it() {
    let runner = Runner::new(
        TestHost::new(manual(), Duration::from_secs(3600)),
        Policy::WhenDue,
    );
    rt().block_on(async {
        let pass = async {
            let _guard = runner.flight.try_begin(Holder::Job(Job::Strava)).unwrap();
            runner.cancelled().await;
        };
        let action = async {
            // Let the pass start first.
            tokio::task::yield_now().await;
            runner
                .exclusive(async { runner.running(Job::Strava) })
                .await
        };
        let ((), during) = tokio::join!(pass, action);
        assert!(
            !during.unwrap(),
            "the pass had stopped before the action ran"
        );
    });
}

#[test]
fn serve_runs_its_cycles_and_records_that_it_stopped() {
    let runner = Runner::new(
        TestHost::new(Arc::new(SystemClock), Duration::from_millis(1)),
        Policy::Cycles { limit: Some(2) },
    );
    let stopped = rt().block_on(runner.run()).unwrap();
    assert_eq!(stopped, Stopped { released: 0 });
    let host = runner.host();
    let cycles = host.cycles.lock().unwrap().clone();
    assert_eq!(cycles.iter().map(|c| c.n).collect::<Vec<_>>(), [1, 2]);
    assert!(matches!(cycles[0].strava, StravaOutcome::NotConnected));
    assert!(matches!(cycles[0].devices, DevicesOutcome::NotSetUp));
    assert!(
        cycles[0].deliver.new_reminders > 0,
        "{:?}",
        cycles[0].deliver
    );
    assert_eq!(cycles[1].deliver.new_reminders, 0, "each reminder once");
    assert!(cycles[0].watchdog.health.is_some());
    let stopped_at: Option<i64> = host
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT stopped_at FROM heartbeats WHERE name = 'serve'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stopped_at.is_some(), "not reported missing later");
}

#[test]
fn a_stop_ends_the_loop_before_the_next_job() {
    let runner = Runner::new(
        TestHost::new(Arc::new(SystemClock), Duration::from_secs(3600)),
        Policy::Cycles { limit: None },
    );
    runner.stop();
    rt().block_on(runner.run()).unwrap();
    assert!(runner.host().finished().is_empty());
    assert!(runner.host().cycles.lock().unwrap().is_empty());
}

#[test]
fn a_riders_action_waiting_for_the_flight_goes_before_the_loops_next_job() {
    let runner = Runner::new(
        TestHost::new(manual(), Duration::from_secs(3600)),
        Policy::WhenDue,
    );
    rt().block_on(async {
        runner.wake(Wake::Start);
        let held = runner.flight.try_begin(Holder::Job(Job::Strava)).unwrap();
        let waiting = Waiting::new(&runner.waiting, &runner.wake);
        // The pass ends: the loop does not take the flight while the action waits for it.
        drop(held);
        assert_eq!(runner.step().await, Step::Held);
        drop(waiting);
        assert!(matches!(runner.step().await, Step::Ran(_)));
    });
}

#[test]
fn check_now_gives_up_waiting_after_its_deadline_and_leaves_the_job_asked_for() {
    let clock = manual();
    let runner = Runner::new(
        TestHost::new(clock.clone(), Duration::from_secs(3600)),
        Policy::WhenDue,
    );
    rt().block_on(async {
        let held = runner.flight.try_begin(Holder::Job(Job::Strava)).unwrap();
        let report = runner
            .run_after_current(Job::Deliver, Duration::from_millis(20))
            .await;
        assert!(report.is_none(), "a long pass is not waited for");
        drop(held);
        assert_eq!(runner.step().await, Step::Ran(Job::Deliver));
        assert_eq!(runner.host().finished()[0], (Job::Deliver, "asked"));
    });
}

#[test]
fn delivery_first_imports_the_watched_folder_and_a_file_that_fails_is_a_problem_of_the_cycle() {
    let folder = tempfile::tempdir().unwrap();
    // Copied off the device too early: nothing in it yet.
    std::fs::write(folder.path().join("2026-01-01-07-00-00.fit"), b"").unwrap();
    let mut host = TestHost::new(manual(), Duration::from_secs(3600));
    host.settings.watched_folder = Some(folder.path().display().to_string());
    let runner = Runner::new(host, Policy::WhenDue);
    let report = rt().block_on(runner.run_now(Job::Deliver));
    let Some(JobReport::Deliver(d)) = report else {
        panic!("delivery ran: {report:?}");
    };
    assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
    assert!(
        d.problems[0].contains("watched folder")
            && d.problems[0].contains("2026-01-01-07-00-00.fit"),
        "{:?}",
        d.problems
    );
}
