//! Scenarios (edits on each replica, deliveries in any order, held back or repeated) and running
//! one to the end, when no replica writes anything new.

use std::collections::BTreeSet;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide, RideSource};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::store::clock_correction::REREAD_KEY;
use pedalwrencher_core::sync::batch::Batch;
use pedalwrencher_core::{Timestamp, When};
use proptest::prelude::*;

use crate::edits::{apply_edit, Change, PRESETS};
use crate::replicas::{deliver, flush, ok, Pooled, Replica};
use crate::{BASE, HOUR, MINUTE, YEAR};

#[derive(Debug, Clone)]
pub enum Step {
    Edit(u8, Change),
    /// The replica writes its pending changes as files; they can be read `hold` rounds later.
    Flush {
        from: u8,
        hold: u8,
    },
    /// The replica reads some readable files not its own, picked (with repeats) by the seeds, in
    /// that order, in one apply or one apply per file.
    Deliver {
        to: u8,
        picks: Vec<u16>,
        together: bool,
    },
    Advance {
        minutes: u8,
    },
    /// The replica's clock jumps a year ahead, or is set right again.
    Clock {
        r: u8,
        ahead: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Scenario {
    /// Each replica's clock skew in minutes.
    pub skews: Vec<i16>,
    pub steps: Vec<Step>,
}

pub fn edit_strategy() -> impl Strategy<Value = Change> {
    // Row picks mostly among the oldest few rows, so devices often edit the same fields.
    let s = || prop_oneof![3 => 0..4u16, 1 => any::<u16>()];
    prop_oneof![
        1 => any::<u8>().prop_map(Change::AddBike),
        2 => (s(), any::<u8>(), any::<u8>()).prop_map(|(pick, field, v)| Change::EditBike { pick, field, v }),
        2 => (any::<u8>(), proptest::option::of(s()), 0..120u16)
            .prop_map(|(kind, bike, back_min)| Change::AddComponent { kind, bike, back_min }),
        2 => (s(), any::<u8>(), s()).prop_map(|(pick, field, v)| Change::EditComponent { pick, field, v }),
        5 => (s(), s(), 0..3u16).prop_map(|(pick, bike, back_min)| Change::Move { pick, bike, back_min }),
        1 => (s(), 0..3u16).prop_map(|(pick, back_min)| Change::Unmount { pick, back_min }),
        4 => (s(), s(), 0..3u16).prop_map(|(pick, parent, back_min)| Change::MoveOnto { pick, parent, back_min }),
        3 => (proptest::option::of(s()), 1..200u16, any::<bool>(), 0..48u16, proptest::option::of(any::<u8>()))
            .prop_map(|(bike, km, indoor, back_h, strava)| Change::AddRide { bike, km, indoor, back_h, strava }),
        3 => (s(), any::<u8>(), s()).prop_map(|(pick, field, v)| Change::EditRide { pick, field, v }),
        1 => s().prop_map(|pick| Change::DeleteRide { pick }),
        1 => (s(), 1..100u16).prop_map(|(pick, interval)| Change::AddRule { pick, interval }),
        2 => (s(), any::<u8>(), s()).prop_map(|(pick, field, v)| Change::EditRule { pick, field, v }),
        1 => s().prop_map(|pick| Change::DeleteRule { pick }),
        2 => (s(), 0..48u16).prop_map(|(pick, back_h)| Change::MarkDone { pick, back_h }),
        1 => s().prop_map(|pick| Change::DeleteService { pick }),
        4 => (any::<u8>(), s(), s()).prop_map(|(what, pick, v)| Change::Raw { what, pick, v }),
    ]
}

pub fn scenario_strategy(max_skew_min: i16) -> impl Strategy<Value = Scenario> {
    scenarios(max_skew_min, false)
}

/// With `clock_jumps`, replicas' clocks also jump a year ahead and are set right again, one or
/// several at a time.
pub fn scenarios(max_skew_min: i16, clock_jumps: bool) -> impl Strategy<Value = Scenario> {
    (2..=4usize).prop_flat_map(move |n| {
        let replica = 0..n as u8;
        let step = prop_oneof![
            8 => (replica.clone(), edit_strategy()).prop_map(|(r, e)| Step::Edit(r, e)),
            2 => (replica.clone(), 0..4u8).prop_map(|(from, hold)| Step::Flush { from, hold }),
            2 => (replica.clone(), proptest::collection::vec(prop_oneof![3 => 0..3u16, 1 => any::<u16>()], 1..6), any::<bool>())
                .prop_map(|(to, picks, together)| Step::Deliver { to, picks, together }),
            2 => (0..3u8).prop_map(|minutes| Step::Advance { minutes }),
        ];
        let step = if clock_jumps {
            prop_oneof![
                14 => step,
                2 => (replica.clone(), any::<bool>()).prop_map(|(r, ahead)| Step::Clock { r, ahead }),
            ]
            .boxed()
        } else {
            step.boxed()
        };
        (
            proptest::collection::vec(-max_skew_min..=max_skew_min, n),
            proptest::collection::vec(step, 10..70),
        )
            .prop_map(|(skews, steps)| Scenario { skews, steps })
    })
}

pub struct Run {
    pub replicas: Vec<Replica>,
    pub pool: Vec<Pooled>,
    /// The pool files each replica has read.
    pub read: Vec<BTreeSet<usize>>,
    /// True time.
    pub now: i64,
    pub round: u32,
}

impl Run {
    pub fn tick_clocks(&self) {
        for r in &self.replicas {
            let ahead = if r.ahead { YEAR } else { 0 };
            r.clock.set(Timestamp(self.now + r.skew + ahead));
        }
    }

    /// What the engine does for a replica whose clock was set right after running ahead (or
    /// that applied stamps another such device voided): it reads every file on the target again,
    /// its own too (`all`: held-back ones included, as when settling). Returns how many it read.
    fn reread_if_asked(&mut self, r: usize, all: bool) -> Result<usize, TestCaseError> {
        let conn = self.replicas[r].store.connection();
        let asked = ok(
            conn.execute("DELETE FROM meta WHERE key = ?1", [REREAD_KEY])
                .map_err(Into::into),
            "take the reread flag",
        )?;
        if asked == 0 {
            return Ok(0);
        }
        let files: Vec<usize> = (0..self.pool.len())
            .filter(|i| all || self.pool[*i].release <= self.round)
            .collect();
        let batches: Vec<&Batch> = files.iter().map(|i| &self.pool[*i].batch).collect();
        deliver(&mut self.replicas[r], &batches)?;
        self.read[r].extend(files.iter().filter(|i| self.pool[**i].from != r));
        Ok(files.len())
    }

    /// A garage on replica 0, read by every other replica before anything else happens.
    pub fn start(skews: &[i64]) -> Result<Run, TestCaseError> {
        let mut run = Run {
            replicas: skews.iter().map(|s| Replica::new(*s, BASE)).collect(),
            pool: Vec::new(),
            read: vec![BTreeSet::new(); skews.len()],
            now: BASE,
            round: 0,
        };
        let r0 = &mut run.replicas[0].store;
        let mut bikes_made = Vec::new();
        for name in ["Road", "Gravel", "Commuter"] {
            let b = ok(
                bikes::add(
                    r0,
                    NewBike {
                        name: name.into(),
                        ..Default::default()
                    },
                ),
                "add bike",
            )?;
            bikes_made.push(b.id);
        }
        for (i, kind) in PRESETS.iter().enumerate() {
            ok(
                workshop::add_component(
                    r0,
                    NewComponent {
                        kind: (*kind).into(),
                        bike_id: Some(bikes_made[i % 2].clone()),
                        installed_at: Some(When::At(Timestamp(BASE - 100 * HOUR))),
                        ..Default::default()
                    },
                ),
                "add component",
            )?;
        }
        for (i, b) in bikes_made.iter().enumerate() {
            ok(
                rides::add(
                    r0,
                    NewRide {
                        source: RideSource::Manual,
                        external_id: None,
                        bike_id: Some(b.clone()),
                        start_at: When::At(Timestamp(BASE - 50 * HOUR + i as i64)),
                        distance_m: 25_000.5,
                        moving_time_s: 3600.0,
                        elapsed_time_s: None,
                        elevation_m: 300.0,
                        energy_kj: Some(700.25),
                        sport_type: "Ride".into(),
                        indoor: false,
                        commute: i == 1,
                        name: "Morning".into(),
                    },
                ),
                "add ride",
            )?;
        }
        flush(&mut run.replicas, 0, (BASE, 0), &mut run.pool)?;
        let first: Vec<&Batch> = run.pool.iter().map(|p| &p.batch).collect();
        for r in 1..run.replicas.len() {
            deliver(&mut run.replicas[r], &first)?;
            run.read[r].extend(0..first.len());
        }
        Ok(run)
    }

    pub fn step(&mut self, step: &Step) -> Result<(), TestCaseError> {
        let n = self.replicas.len();
        match step {
            Step::Edit(r, edit) => apply_edit(&mut self.replicas[usize::from(*r) % n], edit)?,
            Step::Flush { from, hold } => {
                let release = self.round + u32::from(*hold);
                flush(
                    &mut self.replicas,
                    usize::from(*from) % n,
                    (self.now, release),
                    &mut self.pool,
                )?;
            }
            Step::Deliver {
                to,
                picks,
                together,
            } => {
                self.round += 1;
                let to = usize::from(*to) % n;
                self.reread_if_asked(to, false)?;
                let readable: Vec<usize> = (0..self.pool.len())
                    .filter(|i| self.pool[*i].from != to && self.pool[*i].release <= self.round)
                    .collect();
                if readable.is_empty() {
                    return Ok(());
                }
                // Counted from the newest readable file: small picks read what is new.
                let chosen: Vec<usize> = picks
                    .iter()
                    .map(|p| readable[readable.len() - 1 - usize::from(*p) % readable.len()])
                    .collect();
                self.read[to].extend(chosen.iter().copied());
                let chosen: Vec<&Batch> = chosen.iter().map(|i| &self.pool[*i].batch).collect();
                let replica = &mut self.replicas[to];
                if *together {
                    deliver(replica, &chosen)?;
                } else {
                    for b in chosen {
                        deliver(replica, &[b])?;
                    }
                }
            }
            Step::Advance { minutes } => {
                self.now += i64::from(*minutes) * MINUTE;
                self.tick_clocks();
            }
            Step::Clock { r, ahead } => {
                self.replicas[usize::from(*r) % n].ahead = *ahead;
                self.tick_clocks();
            }
        }
        Ok(())
    }

    /// Every file each replica has not read yet, to it, then again until no replica has anything
    /// new to say (a repair made on one replica is an edit like any other). Like the engine, a
    /// replica never reads the same file twice here: re-reading an old file could hide a change
    /// that only the first reading got wrong.
    pub fn settle(&mut self) -> Result<(), TestCaseError> {
        self.now += MINUTE;
        // Every clock is right by now: nothing may stay held back.
        for r in &mut self.replicas {
            r.ahead = false;
        }
        self.tick_clocks();
        let n = self.replicas.len();
        for _ in 0..12 {
            let mut written = 0;
            for r in 0..n {
                written += flush(&mut self.replicas, r, (self.now, 0), &mut self.pool)?;
            }
            let mut read = 0;
            for to in 0..n {
                read += self.reread_if_asked(to, true)?;
                // Newest first: the reverse of the order they were written in.
                let unread: Vec<usize> = (0..self.pool.len())
                    .rev()
                    .filter(|i| self.pool[*i].from != to && !self.read[to].contains(i))
                    .collect();
                read += unread.len();
                let batches: Vec<&Batch> = unread.iter().map(|i| &self.pool[*i].batch).collect();
                deliver(&mut self.replicas[to], &batches)?;
                self.read[to].extend(unread);
            }
            if written == 0 && read == 0 {
                return Ok(());
            }
        }
        Err(TestCaseError::fail(
            "the replicas kept writing repairs: no fixpoint after 12 rounds",
        ))
    }
}
