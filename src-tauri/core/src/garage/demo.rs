//! A demo garage: three bikes, parts from the presets (a wheelset carrying its tyres, cassette
//! and a rotor) and a year of rides, with some parts due and some due soon. Deterministic for a
//! given "now", and loaded at most once per database.

use rusqlite::params;
use serde::Serialize;

use crate::error::Result;
use crate::faults;
use crate::garage::bikes::{self, NewBike};
use crate::garage::components::{self, InitialUsage, NewComponent};
use crate::garage::installations::Mount;
use crate::garage::rides::{self, NewRide, RideSource};
use crate::garage::rules;
use crate::garage::services::{self, NewService};
use crate::garage::workshop;
use crate::ids::{BikeId, ComponentId};
use crate::store::Store;
use crate::time::{Timestamp, MS_PER_DAY};

const LOADED_KEY: &str = "demo_loaded_at";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct DemoOutcome {
    /// False when the demo was already in this database (nothing was added).
    pub loaded: bool,
}

/// A tiny deterministic generator (xorshift64*): the demo must look the same every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

struct Riding {
    bike: Option<BikeId>,
    chance_per_day: f64,
    km: (f64, f64),
    kmh: f64,
    climb_m_per_km: f64,
    sport: &'static str,
    /// Winter days ride indoors on the trainer.
    trainer_in_winter: bool,
}

pub fn load(store: &mut Store) -> Result<DemoOutcome> {
    let now = store.now();
    store.atomically(|store| {
        // Checked under the write lock: two processes loading at once add it once.
        if store.meta(LOADED_KEY)?.is_some() {
            return Ok(DemoOutcome { loaded: false });
        }
        let day = |n: i64| Timestamp(now.millis() - n * MS_PER_DAY);
        let road = bikes::add(store, bike("Canyon Endurace", "road"))?.id;
        let gravel = bikes::add(store, bike("Specialized Diverge", "gravel"))?.id;
        let mtb = bikes::add(store, bike("Santa Cruz Hightower", "mtb"))?.id;

        let part =
            |store: &mut Store, bike: &BikeId, kind: &str, name: Option<&str>, days_ago: i64| {
                part_on(
                    store,
                    Mount::Bike(bike.clone()),
                    kind,
                    name,
                    day(days_ago),
                    InitialUsage::default(),
                )
            };
        // Parts on parts: the road bike's wheelset carries its tyres, cassette and a rotor, so
        // the tree shows at first look.
        let on_part =
            |store: &mut Store, on: &ComponentId, kind: &str, name: &str, days_ago: i64| {
                part_on(
                    store,
                    Mount::Part(on.clone()),
                    kind,
                    Some(name),
                    day(days_ago),
                    InitialUsage::default(),
                )
            };
        part(store, &road, "chain", Some("Shimano Ultegra chain"), 240)?;
        let wheels = part(store, &road, "wheelset", Some("DT Swiss ERC wheelset"), 365)?;
        on_part(store, &wheels, "cassette", "Ultegra 11-30 cassette", 365)?;
        on_part(store, &wheels, "tyre", "Front tyre GP5000", 150)?;
        on_part(store, &wheels, "tyre", "Rear tyre GP5000", 210)?;
        on_part(store, &wheels, "rotor", "Rear rotor RT800", 365)?;
        let pads = part(store, &road, "brake_pads", None, 120)?;
        part(store, &road, "bar_tape", None, 180)?;
        part(store, &road, "cables", None, 300)?;

        let gravel_chain = part(store, &gravel, "chain", None, 200)?;
        part(store, &gravel, "sealant", None, 100)?;
        part(store, &gravel, "brake_fluid", None, 300)?;
        part(store, &gravel, "tyre", Some("Pathfinder tyres"), 200)?;

        let fork = part(store, &mtb, "fork", Some("Fox 36 fork"), 365)?;
        let shock = part(store, &mtb, "shock", Some("Fox Float X shock"), 365)?;
        let dropper = part(store, &mtb, "dropper_post", None, 365)?;
        part(store, &mtb, "sealant", None, 40)?;
        // A second-hand chain that came with 800 km on it.
        let used_chain = part_on(
            store,
            Mount::Bike(mtb.clone()),
            "chain",
            Some("Used XT chain"),
            day(90),
            InitialUsage {
                distance_m: 800_000.0,
                ..Default::default()
            },
        )?;

        let mut dice = Dice(0x5EED_CAFE_F00D_BEEF);
        let riding = [
            Riding {
                bike: Some(road.clone()),
                chance_per_day: 0.32,
                km: (35.0, 110.0),
                kmh: 27.0,
                climb_m_per_km: 9.0,
                sport: "Ride",
                trainer_in_winter: true,
            },
            Riding {
                bike: Some(gravel.clone()),
                chance_per_day: 0.16,
                km: (30.0, 85.0),
                kmh: 20.0,
                climb_m_per_km: 11.0,
                sport: "GravelRide",
                trainer_in_winter: false,
            },
            Riding {
                bike: Some(mtb.clone()),
                chance_per_day: 0.2,
                km: (15.0, 40.0),
                kmh: 12.0,
                climb_m_per_km: 28.0,
                sport: "MountainBikeRide",
                trainer_in_winter: false,
            },
            Riding {
                bike: None,
                chance_per_day: 0.01,
                km: (10.0, 30.0),
                kmh: 16.0,
                climb_m_per_km: 5.0,
                sport: "Ride",
                trainer_in_winter: false,
            },
        ];
        let mut list = Vec::new();
        for days_ago in (1..=365).rev() {
            let start = Timestamp(
                day(days_ago).millis() - day(days_ago).millis() % MS_PER_DAY + 7 * 3_600_000,
            );
            let winter = start
                .to_utc()
                .map(|t| matches!(chrono::Datelike::month(&t), 12 | 1 | 2))
                .unwrap_or(false);
            for (i, r) in riding.iter().enumerate() {
                if dice.next() >= r.chance_per_day {
                    continue;
                }
                let indoor = r.trainer_in_winter && winter && dice.next() < 0.6;
                let km = dice.between(r.km.0, r.km.1).round();
                let moving = (km / r.kmh * 3600.0).round();
                list.push(NewRide {
                    source: RideSource::Manual,
                    external_id: Some(format!("demo-{days_ago}-{i}")),
                    bike_id: r.bike.clone(),
                    start_at: start.into(),
                    distance_m: km * 1000.0,
                    moving_time_s: moving,
                    elapsed_time_s: Some((moving * 1.15).round()),
                    elevation_m: if indoor {
                        0.0
                    } else {
                        (km * r.climb_m_per_km * dice.between(0.6, 1.4)).round()
                    },
                    energy_kj: Some((moving * dice.between(0.16, 0.22)).round()),
                    sport_type: if indoor { "VirtualRide" } else { r.sport }.to_owned(),
                    indoor,
                    commute: false,
                    name: ride_name(r.sport, indoor, km),
                });
            }
        }
        rides::import(store, list)?;

        // Some care already done: chains lubed, pads checked, suspension serviced.
        service_rule(store, &pads, "Inspect", day(20))?;
        service_rule(store, &wheels, "Clean and grease freehub", day(60))?;
        service_rule(store, &fork, "Lower leg service", day(150))?;
        service_rule(store, &shock, "Air can service", day(60))?;
        service_rule(store, &dropper, "Service", day(120))?;
        service_rule(store, &gravel_chain, "Clean and lube", day(3))?;
        service_rule(store, &used_chain, "Clean and lube", day(9))?;
        let chains: Vec<ComponentId> = components::list(store, Some(&road), false)?
            .into_iter()
            .filter(|c| c.component.kind == "chain")
            .map(|c| c.component.id)
            .collect();
        for chain in &chains {
            service_rule(store, chain, "Clean and lube", day(6))?;
        }

        store.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![LOADED_KEY, now.millis().to_string()],
        )?;
        faults::point("demo.before_commit");
        Ok(DemoOutcome { loaded: true })
    })
}

fn bike(name: &str, kind: &str) -> NewBike {
    NewBike {
        name: name.to_owned(),
        kind: Some(kind.to_owned()),
        ..Default::default()
    }
}

fn part_on(
    store: &mut Store,
    on: Mount,
    kind: &str,
    name: Option<&str>,
    at: Timestamp,
    initial: InitialUsage,
) -> Result<ComponentId> {
    let (bike_id, parent_id) = match on {
        Mount::Bike(b) => (Some(b), None),
        Mount::Part(p) => (None, Some(p)),
    };
    let c = workshop::add_component(
        store,
        NewComponent {
            kind: kind.to_owned(),
            name: name.map(str::to_owned),
            bike_id,
            parent_id,
            installed_at: Some(at.into()),
            initial,
            ..Default::default()
        },
    )?;
    Ok(c.id)
}

fn service_rule(
    store: &mut Store,
    component: &ComponentId,
    task: &str,
    at: Timestamp,
) -> Result<()> {
    let rule = rules::list_for_component(&store.conn, component)?
        .into_iter()
        .find(|r| r.task == task);
    if let Some(rule) = rule {
        services::mark_done(
            store,
            &rule.id,
            NewService {
                done_at: Some(at.into()),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

fn ride_name(sport: &str, indoor: bool, km: f64) -> String {
    let kind = match (sport, indoor) {
        (_, true) => "Trainer session",
        ("GravelRide", _) => "Gravel loop",
        ("MountainBikeRide", _) => "Trail ride",
        _ if km > 80.0 => "Long ride",
        _ => "Morning ride",
    };
    format!("{kind} ({km:.0} km)")
}
