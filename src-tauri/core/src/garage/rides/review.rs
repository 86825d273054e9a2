//! The rider's answer to a ride flagged for review (numbers a ride cannot have, see `limits`):
//! keep it as it is, or exclude it so that it counts for nothing; an excluded ride can be counted
//! again. Fixing the numbers is an ordinary edit.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::garage::installations;
use crate::ids::RideId;
use crate::store::Store;
use crate::wear::usage;

use super::query::get;
use super::rows::update;
use super::Ride;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The numbers are right: no longer flagged, counted as it is.
    Keep,
    /// Not a real ride (or not worth fixing): counts for nothing, no longer flagged.
    Exclude,
    /// Counted again after an exclusion.
    Include,
}

pub fn review(store: &mut Store, id: &RideId, verdict: Verdict) -> Result<Ride> {
    store.atomically(|store| {
        let mut ride = get(store, id)?;
        match verdict {
            Verdict::Keep => ride.review.clear(),
            Verdict::Exclude => {
                ride.review.clear();
                ride.excluded = true;
            }
            Verdict::Include => ride.excluded = false,
        }
        let now = store.now();
        let tx = store.write()?;
        update(&tx, &ride, now)?;
        if let Some(bike) = &ride.bike_id {
            let touched = installations::mounted_at(&tx, bike, ride.start_at)?;
            usage::refresh(&tx, usage::Scope::Components(&touched), now)?;
        }
        tx.commit()?;
        Ok(ride)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::garage::rides::{import, list, NewRide, RideQuery, RideSource};
    use crate::time::When;

    fn from_file(km: f64) -> NewRide {
        NewRide {
            source: RideSource::File,
            external_id: Some("activity-1".into()),
            bike_id: None,
            start_at: When::Typed("2025-06-01".into()),
            distance_m: km * 1000.0,
            moving_time_s: 3600.0,
            elapsed_time_s: None,
            elevation_m: 0.0,
            energy_kj: None,
            sport_type: "Ride".into(),
            indoor: false,
            commute: false,
            name: String::new(),
        }
    }

    fn flagged(store: &Store) -> Vec<Ride> {
        let q = RideQuery {
            flagged_only: true,
            ..RideQuery::default()
        };
        list(store, &q).unwrap()
    }

    #[test]
    fn a_file_ride_is_flagged_once_and_a_kept_one_stays_kept_until_its_numbers_change() {
        let mut store = Store::open_in_memory().unwrap();
        // 5,000 km in an hour: two findings.
        import(&mut store, vec![from_file(5_000.0)]).unwrap();
        let found = flagged(&store);
        assert_eq!(found.len(), 1);
        let fields: Vec<&str> = found[0].review.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["distance_m", "average_speed"]);

        let kept = review(&mut store, &found[0].id, Verdict::Keep).unwrap();
        assert!(kept.review.is_empty() && !kept.excluded);
        import(&mut store, vec![from_file(5_000.0)]).unwrap();
        assert!(
            flagged(&store).is_empty(),
            "reviewed numbers are not flagged again"
        );
        import(&mut store, vec![from_file(6_000.0)]).unwrap();
        assert_eq!(flagged(&store).len(), 1, "new numbers are");
        import(&mut store, vec![from_file(60.0)]).unwrap();
        assert!(flagged(&store).is_empty(), "fixed at the source");
    }
}
