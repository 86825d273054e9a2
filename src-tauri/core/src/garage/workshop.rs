//! Jobs that span several tables: adding a part with its preset's rules and mounting it,
//! retiring a part, replacing a worn part with a fresh one under the same rules. They sit above
//! the table-level modules, which never call up into here.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::garage::components::{self, Component, InitialUsage, NewComponent};
use crate::garage::installations::{self, Mount};
use crate::garage::presets;
use crate::garage::rules::{self, NewRule};
use crate::ids::ComponentId;
use crate::store::Store;
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;
use crate::wear::usage;

/// Adds a component with its preset's rules and, if a bike is given, mounts it — in one
/// transaction.
pub fn add_component(store: &mut Store, new: NewComponent) -> Result<Component> {
    let preset = presets::find(&new.kind)?;
    let name = match new.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => validate::name("component name", n)?,
        None => preset.label.clone(),
    };
    let component = Component {
        id: ComponentId::new(),
        kind: preset.kind.clone(),
        name,
        brand: validate::text("brand", new.brand.trim(), validate::MAX_NAME_CHARS)?,
        model: validate::text("model", new.model.trim(), validate::MAX_NAME_CHARS)?,
        notes: validate::text("notes", &new.notes, validate::MAX_NOTES_CHARS)?,
        purchase_cost_cents: validate::cents("purchase cost", new.purchase_cost_cents)?,
        initial: components::check_initial(&new.initial)?,
        retired: false,
        replaced_by: None,
    };
    let rules: Vec<NewRule> = if new.without_rules {
        Vec::new()
    } else {
        preset.rules.iter().map(NewRule::from).collect()
    };
    let now = store.now();
    let installed_at = match &new.installed_at {
        Some(when) => when.resolve("installation date", DateMeaning::Mounting, now)?,
        None => now,
    };
    let tx = store.write()?;
    components::save(&tx, &component, now)?;
    for rule in rules {
        rules::insert(&tx, &component.id, rule, now)?;
    }
    let on = match (&new.bike_id, &new.parent_id) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "mount a new part on a bike or on another part, not both",
            ))
        }
        (Some(bike), None) => Some(Mount::Bike(bike.clone())),
        (None, Some(parent)) => Some(Mount::Part(parent.clone())),
        (None, None) => None,
    };
    if let Some(on) = &on {
        installations::insert(&tx, &component.id, on, installed_at, None, now)?;
    }
    usage::refresh(
        &tx,
        usage::Scope::Components(std::slice::from_ref(&component.id)),
        now,
    )?;
    tx.commit()?;
    Ok(component)
}

/// A part that was mounted on a retired or replaced one, named for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct PartOnIt {
    pub id: ComponentId,
    pub name: String,
}

/// A retired part, and the parts that were on it and are now on the shelf.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Retired {
    #[serde(flatten)]
    pub component: Component,
    pub shelved: Vec<PartOnIt>,
}

/// The fresh part that replaced a worn one, and where the worn one's parts went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Replaced {
    #[serde(flatten)]
    pub fresh: Component,
    /// Moved onto the fresh part (a new wheel takes the old one's tyre and cassette).
    pub moved: Vec<PartOnIt>,
    /// Taken off onto the shelf instead.
    pub shelved: Vec<PartOnIt>,
}

/// What happens to the parts mounted on a part being replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ItsParts {
    /// They go onto the fresh part at the same instant.
    #[default]
    Move,
    /// They come off onto the shelf.
    Shelve,
}

/// Takes a component out of service for good: it is unmounted at `at` and no longer reminded.
/// The parts mounted on it come off onto the shelf at `at` too (their wear before stays as it
/// was), so nothing is left riding on a retired part.
pub fn retire(store: &mut Store, id: &ComponentId, at: &When) -> Result<Retired> {
    store.atomically(|store| {
        let c = components::get(store, id)?;
        let now = store.now();
        let at = at.resolve("removal date", DateMeaning::Mounting, now)?;
        let tx = store.write()?;
        installations::close_open(&tx, id, at, now)?;
        let shelved = take_off_its_parts(&tx, &c, at, now)?;
        tx.execute(
            "UPDATE components SET retired = 1, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        usage::refresh(&tx, usage::Scope::Components(std::slice::from_ref(id)), now)?;
        tx.commit()?;
        Ok(Retired {
            component: Component { retired: true, ..c },
            shelved,
        })
    })
}

/// Replaces a worn part: the old one is retired and a fresh one of the same kind, with the same
/// rules, is mounted where the old one was at `at`. The parts mounted on the old one move onto
/// the fresh one at `at`, or go to the shelf (`its_parts`).
pub fn replace(
    store: &mut Store,
    id: &ComponentId,
    at: &When,
    its_parts: ItsParts,
) -> Result<Replaced> {
    store.atomically(|store| {
        let old = components::get(store, id)?;
        if old.retired {
            return Err(Error::Conflict(format!(
                "\"{}\" is already retired; add a new component instead",
                old.name
            )));
        }
        let fresh = Component {
            id: ComponentId::new(),
            initial: InitialUsage::default(),
            purchase_cost_cents: None,
            replaced_by: None,
            notes: String::new(),
            ..old.clone()
        };
        let now = store.now();
        let at = at.resolve("replacement date", DateMeaning::Mounting, now)?;
        let tx = store.write()?;
        let bike = installations::close_open(&tx, id, at, now)?;
        components::save(&tx, &fresh, now)?;
        for rule in rules::list_for_component(&tx, id)? {
            rules::insert(&tx, &fresh.id, NewRule::from(&rule), now)?;
        }
        if let Some(on) = bike {
            installations::insert(&tx, &fresh.id, &on, at, None, now)?;
        }
        let off = take_off_its_parts(&tx, &old, at, now)?;
        let (moved, shelved) = match its_parts {
            ItsParts::Move => {
                let onto = Mount::Part(fresh.id.clone());
                for part in &off {
                    installations::insert(&tx, &part.id, &onto, at, None, now)?;
                }
                (off, Vec::new())
            }
            ItsParts::Shelve => (Vec::new(), off),
        };
        tx.execute(
            "UPDATE components SET retired = 1, replaced_by = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, fresh.id, now],
        )?;
        // The refresh follows both parts down to what is or was mounted on them.
        usage::refresh(
            &tx,
            usage::Scope::Components(&[id.clone(), fresh.id.clone()]),
            now,
        )?;
        tx.commit()?;
        Ok(Replaced {
            fresh,
            moved,
            shelved,
        })
    })
}

/// Ends, at `at`, the mountings of the parts directly on `part` (what they carry stays on
/// them). Refused when one went on at or after `at`: ending it then would leave it nowhere.
fn take_off_its_parts(
    tx: &Connection,
    part: &Component,
    at: Timestamp,
    now: Timestamp,
) -> Result<Vec<PartOnIt>> {
    let on_it = installations::on_it_now(tx, &part.id)?;
    if let Some(late) = on_it.iter().find(|p| p.since >= at) {
        return Err(Error::invalid(format!(
            "the date must be after {}, when \"{}\" was mounted on \"{}\"; pick a later date, or \
             take \"{}\" off first",
            late.since.local_date(),
            late.name,
            part.name,
            late.name
        )));
    }
    for p in &on_it {
        installations::close_open(tx, &p.id, at, now)?;
    }
    Ok(on_it
        .into_iter()
        .map(|p| PartOnIt {
            id: p.id,
            name: p.name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    //! Retiring and replacing a part that carries others: what is on it goes to the shelf or onto
    //! the fresh part at that instant, and the wear before it stays exactly as it was.

    use std::sync::Arc;

    use crate::error::ErrorKind;
    use crate::garage::bikes::{self, NewBike};
    use crate::garage::components::{self, NewComponent};
    use crate::garage::installations;
    use crate::garage::rides::{self, NewRide, RideSource};
    use crate::garage::rules::{self, NewRule};
    use crate::garage::workshop::{self, ItsParts, PartOnIt};
    use crate::ids::{BikeId, ComponentId};
    use crate::store::{ManualClock, Store};
    use crate::time::{Timestamp, When, MS_PER_DAY};
    use crate::wear::{self, metric::ActivityFilter};
    use crate::Metric;

    const T0: i64 = 1_780_000_000_000;

    fn day(n: i64) -> Timestamp {
        Timestamp(T0 + n * MS_PER_DAY)
    }

    /// A bike with a wheelset on it since day 0, a tyre on the wheelset and sealant in the tyre;
    /// each with one distance rule. "Now" is day 100.
    struct Wheels {
        store: Store,
        bike: BikeId,
        wheelset: ComponentId,
        tyre: ComponentId,
        sealant: ComponentId,
    }

    fn part(
        store: &mut Store,
        kind: &str,
        name: &str,
        bike: Option<&BikeId>,
        on: Option<&ComponentId>,
    ) -> ComponentId {
        let id = workshop::add_component(
            store,
            NewComponent {
                kind: kind.into(),
                name: Some(name.into()),
                bike_id: bike.cloned(),
                parent_id: on.cloned(),
                installed_at: Some(day(0).into()),
                without_rules: true,
                ..NewComponent::default()
            },
        )
        .unwrap()
        .id;
        rules::add(
            store,
            &id,
            NewRule {
                task: "Check".into(),
                metric: Metric::DistanceM,
                interval: 5_000_000.0,
                warn_fraction: None,
                repeat: true,
                filter: ActivityFilter::All,
            },
        )
        .unwrap();
        id
    }

    fn wheels() -> Wheels {
        let clock = Arc::new(ManualClock::new(day(100)));
        let mut store = Store::open_in_memory().unwrap().with_clock(clock);
        let bike = bikes::add(
            &mut store,
            NewBike {
                name: "Road".into(),
                kind: None,
                strava_gear_id: None,
                notes: String::new(),
            },
        )
        .unwrap()
        .id;
        let wheelset = part(&mut store, "wheelset", "Race wheels", Some(&bike), None);
        let tyre = part(&mut store, "tyre", "Rear tyre", None, Some(&wheelset));
        let sealant = part(&mut store, "sealant", "Sealant", None, Some(&tyre));
        Wheels {
            store,
            bike,
            wheelset,
            tyre,
            sealant,
        }
    }

    impl Wheels {
        fn ride(&mut self, on_day: i64, km: f64) {
            rides::add(
                &mut self.store,
                NewRide {
                    source: RideSource::Manual,
                    external_id: None,
                    bike_id: Some(self.bike.clone()),
                    start_at: Timestamp(day(on_day).0 + MS_PER_DAY / 2).into(),
                    distance_m: km * 1000.0,
                    moving_time_s: 3600.0,
                    elapsed_time_s: None,
                    elevation_m: 0.0,
                    energy_kj: None,
                    sport_type: "Ride".into(),
                    indoor: false,
                    commute: false,
                    name: format!("day {on_day}"),
                },
            )
            .unwrap();
        }

        /// The km a part's rule has counted (None when the part is retired and so not listed).
        fn km(&mut self, part: &ComponentId) -> Option<f64> {
            wear::statuses(&mut self.store)
                .unwrap()
                .into_iter()
                .find(|s| &s.component_id == part)
                .map(|s| s.used / 1000.0)
        }

        /// What the part sits on now (its parent) and the bike it reaches, from the listing.
        fn place(&self, part: &ComponentId) -> (Option<ComponentId>, Option<BikeId>) {
            let listed = components::list(&self.store, None, true).unwrap();
            let c = listed
                .into_iter()
                .find(|c| &c.component.id == part)
                .unwrap();
            (c.parent_id, c.bike_id)
        }

        fn named(&self, part: &ComponentId, name: &str) -> PartOnIt {
            PartOnIt {
                id: part.clone(),
                name: name.into(),
            }
        }
    }

    #[test]
    fn retiring_a_wheelset_shelves_its_tyre_on_that_date_and_keeps_the_tyres_earlier_wear() {
        let mut w = wheels();
        w.ride(10, 100.0);
        let before = (w.km(&w.tyre.clone()), w.km(&w.sealant.clone()));
        assert_eq!(before, (Some(100.0), Some(100.0)));

        let retired = workshop::retire(&mut w.store, &w.wheelset, &When::from(day(20))).unwrap();
        assert!(retired.component.retired);
        assert_eq!(retired.shelved, vec![w.named(&w.tyre, "Rear tyre")]);
        w.ride(30, 50.0);

        // The tyre's wear is what it was at the retire date; the sealant stays in the tyre.
        assert_eq!(w.km(&w.tyre.clone()), Some(100.0));
        assert_eq!(w.km(&w.sealant.clone()), Some(100.0));
        assert_eq!(w.km(&w.wheelset.clone()), None, "retired: not listed");
        assert_eq!(w.place(&w.tyre), (None, None), "on the shelf");
        assert_eq!(w.place(&w.sealant), (Some(w.tyre.clone()), None));
        let tyre_history = installations::history(&w.store, &w.tyre).unwrap();
        assert_eq!(tyre_history.len(), 1);
        assert_eq!(tyre_history[0].removed_at, Some(day(20)));
        // The tyre is free to go on another wheel, and counts again from then.
        let bike = w.bike.clone();
        let spare = part(&mut w.store, "wheel", "Spare wheel", Some(&bike), None);
        installations::install_on(
            &mut w.store,
            &w.tyre,
            &installations::Mount::Part(spare),
            &When::from(day(40)),
            None,
        )
        .unwrap();
        w.ride(50, 20.0);
        assert_eq!(w.km(&w.tyre.clone()), Some(120.0));
    }

    #[test]
    fn replacing_a_wheelset_moves_its_tyre_onto_the_new_one_and_the_tyre_keeps_counting() {
        let mut w = wheels();
        w.ride(10, 100.0);
        let replaced = workshop::replace(
            &mut w.store,
            &w.wheelset,
            &When::from(day(20)),
            ItsParts::Move,
        )
        .unwrap();
        assert_eq!(replaced.moved, vec![w.named(&w.tyre, "Rear tyre")]);
        assert!(replaced.shelved.is_empty());
        let fresh = replaced.fresh.id;
        w.ride(30, 50.0);

        assert_eq!(w.km(&w.tyre.clone()), Some(150.0), "before and after");
        assert_eq!(
            w.km(&w.sealant.clone()),
            Some(150.0),
            "it rides along in the tyre"
        );
        assert_eq!(w.km(&fresh), Some(50.0), "the new wheelset: after only");
        assert_eq!(
            w.place(&w.tyre),
            (Some(fresh.clone()), Some(w.bike.clone()))
        );
        let tyre_history = installations::history(&w.store, &w.tyre).unwrap();
        assert_eq!(tyre_history.len(), 2);
        assert_eq!(tyre_history[0].removed_at, Some(day(20)));
        assert_eq!(tyre_history[1].parent_id, Some(fresh));
        assert_eq!(tyre_history[1].installed_at, day(20));
    }

    #[test]
    fn replacing_a_wheelset_can_send_its_tyre_to_the_shelf_instead() {
        let mut w = wheels();
        w.ride(10, 100.0);
        let replaced = workshop::replace(
            &mut w.store,
            &w.wheelset,
            &When::from(day(20)),
            ItsParts::Shelve,
        )
        .unwrap();
        assert!(replaced.moved.is_empty());
        assert_eq!(replaced.shelved, vec![w.named(&w.tyre, "Rear tyre")]);
        w.ride(30, 50.0);
        assert_eq!(w.km(&w.tyre.clone()), Some(100.0));
        assert_eq!(w.km(&replaced.fresh.id), Some(50.0));
        assert_eq!(w.place(&w.tyre), (None, None));
    }

    #[test]
    fn a_retire_dated_before_a_part_went_on_it_is_refused_and_changes_nothing() {
        let mut w = wheels();
        // A second tyre went on the wheelset on day 30: retiring the wheelset on day 20 would leave
        // it on a part that is gone.
        let front = part(&mut w.store, "tyre", "Front tyre", None, None);
        installations::install_on(
            &mut w.store,
            &front,
            &installations::Mount::Part(w.wheelset.clone()),
            &When::from(day(30)),
            None,
        )
        .unwrap();
        let err = workshop::retire(&mut w.store, &w.wheelset, &When::from(day(20))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        let msg = err.to_string();
        assert!(
            msg.contains("\"Front tyre\"") && msg.contains("pick a later date"),
            "{msg}"
        );
        let err = workshop::replace(
            &mut w.store,
            &w.wheelset,
            &When::from(day(20)),
            ItsParts::Move,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(!components::get(&w.store, &w.wheelset).unwrap().retired);
        assert_eq!(
            w.place(&w.tyre),
            (Some(w.wheelset.clone()), Some(w.bike.clone()))
        );
        assert_eq!(
            w.place(&front),
            (Some(w.wheelset.clone()), Some(w.bike.clone()))
        );
        assert_eq!(
            components::list(&w.store, None, true).unwrap().len(),
            4,
            "no fresh part"
        );

        // After both went on, both come off, oldest mounting first.
        let retired = workshop::retire(&mut w.store, &w.wheelset, &When::from(day(40))).unwrap();
        assert_eq!(
            retired.shelved,
            vec![w.named(&w.tyre, "Rear tyre"), w.named(&front, "Front tyre")]
        );
    }
}

#[cfg(test)]
mod tests_warn {
    //! The default warn fraction: a rule stored without one takes this device's setting, whatever
    //! path added it (a preset's rules when a part is added, `rule add`, the window's form).

    use crate::garage::components::NewComponent;
    use crate::garage::rules::{self, NewRule, DEFAULT_WARN_FRACTION};
    use crate::garage::workshop::{self, ItsParts};
    use crate::settings::{self, DisplayPatch};
    use crate::store::Store;
    use crate::time::When;
    use crate::wear::metric::ActivityFilter;
    use crate::Metric;

    fn set_default(dir: &std::path::Path, fraction: f64) {
        settings::update(
            dir,
            DisplayPatch {
                default_warn_fraction: Some(fraction),
                ..DisplayPatch::default()
            },
        )
        .unwrap();
    }

    fn rule(warn_fraction: Option<f64>) -> NewRule {
        NewRule {
            task: "Check".into(),
            metric: Metric::DistanceM,
            interval: 1_000_000.0,
            warn_fraction,
            repeat: true,
            filter: ActivityFilter::All,
        }
    }

    #[test]
    fn a_rule_added_without_a_warn_fraction_takes_the_settings_default_by_every_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(dir.path()).unwrap();
        set_default(dir.path(), 0.6);

        // A preset's rules (component add).
        let chain = workshop::add_component(
            &mut store,
            NewComponent {
                kind: "chain".into(),
                ..NewComponent::default()
            },
        )
        .unwrap();
        let preset = rules::list(&store, &chain.id).unwrap();
        assert!(!preset.is_empty());
        assert!(preset.iter().all(|r| r.warn_fraction == 0.6), "{preset:?}");

        // A rule added by hand (the CLI's `rule add`, the window's form) without one, and with one.
        assert_eq!(
            rules::add(&mut store, &chain.id, rule(None))
                .unwrap()
                .warn_fraction,
            0.6
        );
        assert_eq!(
            rules::add(&mut store, &chain.id, rule(Some(0.9)))
                .unwrap()
                .warn_fraction,
            0.9
        );

        // A later change of the setting leaves stored rules alone, and a replacement copies the
        // worn part's rules as they are.
        set_default(dir.path(), 0.7);
        let now = When::from(store.now());
        let fresh = workshop::replace(&mut store, &chain.id, &now, ItsParts::Move)
            .unwrap()
            .fresh;
        let mut copied: Vec<f64> = rules::list(&store, &fresh.id)
            .unwrap()
            .iter()
            .map(|r| r.warn_fraction)
            .collect();
        copied.sort_by(f64::total_cmp);
        let mut want = vec![0.6; preset.len() + 1];
        want.push(0.9);
        assert_eq!(copied, want);
        assert_eq!(
            rules::add(&mut store, &fresh.id, rule(None))
                .unwrap()
                .warn_fraction,
            0.7
        );
    }

    #[test]
    fn a_garage_without_settings_uses_the_built_in_default() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(dir.path()).unwrap();
        let mut memory = Store::open_in_memory().unwrap();
        for store in [&mut store, &mut memory] {
            let c = workshop::add_component(
                store,
                NewComponent {
                    kind: "chain".into(),
                    without_rules: true,
                    ..NewComponent::default()
                },
            )
            .unwrap();
            let r = rules::add(store, &c.id, rule(None)).unwrap();
            assert_eq!(r.warn_fraction, DEFAULT_WARN_FRACTION);
        }
    }

    #[test]
    fn a_damaged_settings_file_or_an_impossible_default_falls_back_to_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(dir.path()).unwrap();
        let c = workshop::add_component(
            &mut store,
            NewComponent {
                kind: "chain".into(),
                without_rules: true,
                ..NewComponent::default()
            },
        )
        .unwrap();
        // A hand-edited file that no longer parses, then one whose fraction no rule may have:
        // a part and its rule are still added, at the built-in 0.8.
        for text in ["{ not json", r#"{"default_warn_fraction": 2.0}"#] {
            std::fs::write(settings::path(dir.path()), text).unwrap();
            let r = rules::add(&mut store, &c.id, rule(None)).unwrap();
            assert_eq!(r.warn_fraction, DEFAULT_WARN_FRACTION, "{text}");
        }
        assert_eq!(rules::list(&store, &c.id).unwrap().len(), 2);
    }
}
