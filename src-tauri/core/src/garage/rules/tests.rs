//! The default warn fraction: a rule stored without one takes this device's setting, whatever
//! path added it.

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
fn a_damaged_settings_file_stops_the_rule_and_says_which_file() {
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
    std::fs::write(settings::path(dir.path()), b"{ not json").unwrap();
    let err = rules::add(&mut store, &c.id, rule(None)).unwrap_err();
    assert!(err.to_string().contains(settings::FILE), "{err}");
    assert!(rules::list(&store, &c.id).unwrap().is_empty());
    // With a fraction of its own the rule needs no settings.
    rules::add(&mut store, &c.id, rule(Some(0.5))).unwrap();
}
