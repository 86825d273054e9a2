//! The tree of parts as it stands now, for showing: a wheel under its bike, its tyre and cassette
//! under the wheel. Where a part is over time, for the wear, is `wear::mounts`.

use std::collections::{BTreeMap, HashMap};

use crate::error::Result;
use crate::garage::components::{self, ComponentListing};
use crate::ids::ComponentId;
use crate::store::Store;
use crate::wear::mounts::MAX_DEPTH;

/// Listed components in tree order: each part right after the part it is mounted on, with its
/// depth (0 for a part on a bike or on the shelf). Order among siblings is the listing's order.
/// A part whose parent is not in `list` (filtered out, or retired and hidden) stands at depth 0.
pub fn in_tree_order(list: Vec<ComponentListing>) -> Vec<(usize, ComponentListing)> {
    let present: BTreeMap<ComponentId, usize> = list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.component.id.clone(), i))
        .collect();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, c) in list.iter().enumerate() {
        match c.parent_id.as_ref().and_then(|p| present.get(p)) {
            Some(&parent) if parent != i => children.entry(parent).or_default().push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(list.len());
    let mut placed = vec![false; list.len()];
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if placed[i] {
            continue;
        }
        placed[i] = true;
        order.push((i, depth));
        if let Some(kids) = children.get(&i) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    // Parts in a cycle (only ever a merge not yet repaired) are listed last rather than lost.
    order.extend((0..list.len()).filter(|&i| !placed[i]).map(|i| (i, 0)));
    let mut slots: Vec<Option<ComponentListing>> = list.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, depth)| slots[i].take().map(|c| (depth, c)))
        .collect()
}

/// Where each part is now, as the rider names it: "Canyon Endurace › Winter wheels › Front
/// tyre" (the bike, the parts it hangs from, then itself); without a bike when its chain of
/// parents ends on the shelf.
pub fn paths(store: &Store) -> Result<HashMap<ComponentId, String>> {
    let list = components::list(store, None, true)?;
    let by_id: HashMap<&ComponentId, &ComponentListing> =
        list.iter().map(|c| (&c.component.id, c)).collect();
    let mut out = HashMap::with_capacity(list.len());
    for c in &list {
        let mut names = vec![c.component.name.clone()];
        let mut up = c.parent_id.as_ref();
        while let Some(p) = up.and_then(|p| by_id.get(p)) {
            if names.len() > MAX_DEPTH {
                break;
            }
            names.push(p.component.name.clone());
            up = p.parent_id.as_ref();
        }
        if let Some(bike) = &c.bike {
            names.push(bike.clone());
        }
        names.reverse();
        out.insert(c.component.id.clone(), names.join(" › "));
    }
    Ok(out)
}
