//! The whole garage at a glance: bikes, what is mounted on them (as a tree: a wheel's tyre and
//! cassette right under it), the shelf, and how worn each part is.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::garage::bikes::{self, BikeSummary};
use crate::garage::{components, rides, tree};
use crate::ids::{BikeId, ComponentId};
use crate::store::Store;
use crate::time::Timestamp;
use crate::wear::{self, RuleStatus, State};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct ComponentView {
    pub id: ComponentId,
    pub kind: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub installed_at: Option<Timestamp>,
    /// The part it is mounted on (a wheel), if it is on a part rather than a bike.
    pub parent_id: Option<ComponentId>,
    /// How deep it hangs in its card's tree: 0 on the bike (or the shelf), 1 on a wheel, …
    pub depth: u32,
    /// The worst state of its rules (ok when it has none).
    pub state: State,
    /// False on a retired bike: shown as it stands, but it never reminds.
    pub active: bool,
    pub rules: Vec<RuleStatus>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct BikeView {
    #[serde(flatten)]
    pub bike: BikeSummary,
    pub components: Vec<ComponentView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Garage {
    pub bikes: Vec<BikeView>,
    /// Components in service but not mounted on any bike.
    pub shelf: Vec<ComponentView>,
    pub unassigned_rides: i64,
}

/// The garage now, by the store's clock.
pub fn overview(store: &mut Store) -> Result<Garage> {
    let mut by_component: HashMap<ComponentId, Vec<RuleStatus>> = HashMap::new();
    for status in wear::statuses(store)? {
        by_component
            .entry(status.component_id.clone())
            .or_default()
            .push(status);
    }
    let bikes = bikes::list(store)?;
    let retired: HashMap<&BikeId, bool> = bikes.iter().map(|b| (&b.id, b.retired)).collect();
    let mut by_bike: HashMap<Option<BikeId>, Vec<ComponentView>> = HashMap::new();
    for (depth, listing) in tree::in_tree_order(components::list(store, None, false)?) {
        let c = listing.component;
        let mut rules = by_component.remove(&c.id).unwrap_or_default();
        rules.sort_by(|a, b| a.task.cmp(&b.task).then_with(|| a.rule_id.cmp(&b.rule_id)));
        let state = rules.iter().map(|r| r.state).max().unwrap_or(State::Ok);
        let active = listing
            .bike_id
            .as_ref()
            .is_none_or(|b| !retired.get(b).copied().unwrap_or(false));
        by_bike
            .entry(listing.bike_id)
            .or_default()
            .push(ComponentView {
                id: c.id,
                kind: c.kind,
                name: c.name,
                brand: c.brand,
                model: c.model,
                installed_at: listing.installed_at,
                parent_id: listing.parent_id,
                depth: u32::try_from(depth).unwrap_or(u32::MAX),
                state,
                active,
                rules,
            });
    }
    let bikes = bikes
        .into_iter()
        .map(|bike| {
            let components = by_bike.remove(&Some(bike.id.clone())).unwrap_or_default();
            BikeView { bike, components }
        })
        .collect();
    Ok(Garage {
        bikes,
        shelf: by_bike.remove(&None).unwrap_or_default(),
        unassigned_rides: rides::count_unassigned(store)?,
    })
}
