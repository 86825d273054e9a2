//! Wear: how much of its metric each rule has used since its anchor (`usage`), what state that
//! puts the rule in (`state`), every rule's standing at once (`evaluation`), where a part is over
//! time through its parents (`mounts`), and when each rule will be due at the recent pace
//! (`forecast`).
//!
//! Uses only the store: the garage calls in here from its writes, never the other way round.

pub mod evaluation;
pub mod forecast;
pub mod metric;
pub(crate) mod mounts;
pub mod state;
pub mod usage;

pub use evaluation::{statuses, RuleStatus};
pub use state::State;
