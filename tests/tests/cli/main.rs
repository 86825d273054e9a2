//! `pedalwrencher-cli` driven as a rider or a script would drive it: real binary, real SQLite file
//! in a temporary folder, outcomes read back through `--json` and straight from the database.
//!
//! The binary belongs to another workspace package (`pedalwrencher-cli`), so `cargo test` does not
//! build it for us: `cargo build -p pedalwrencher-cli` first (the Makefile does).

use std::collections::BTreeMap;

use pedalwrencher_tests::cli::Garage;
use predicates::prelude::*;

mod backup;
mod demo_and_data_folder;
mod forecast;
mod hardening;
mod listings;
mod names;
mod output;
mod parts;
mod rejected_input;
mod ride_limits;
mod tree;
mod wear;

const M_PER_MI: f64 = 1_609.344;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("the CLI writes UTF-8")
}

fn no_panic() -> impl Predicate<str> {
    predicate::str::contains("panicked").not()
}

/// A garage with two bikes, a chain (with the preset's two rules) on the first since 2025-01-01,
/// and one 42 km ride on it.
struct Fixture {
    g: Garage,
    road: String,
    gravel: String,
    chain: String,
    replace: String,
    lube: String,
    ride: String,
}

fn fixture() -> Fixture {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let gravel = g.add_bike("Gravel");
    let (chain, rules): (String, BTreeMap<String, String>) = g.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let ride = g.add_ride(Some(&road), "2025-01-10", "42", &[]);
    Fixture {
        replace: rules["Replace"].clone(),
        lube: rules["Clean and lube"].clone(),
        g,
        road,
        gravel,
        chain,
        ride,
    }
}
