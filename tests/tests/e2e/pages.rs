//! Page objects: one per screen or panel of the app, each offering what a rider does there and
//! reads there, so a test reads as the rider's steps.

mod dashboard;
mod devices;
mod dialogs;
mod header;
mod notifications;
mod part;
mod places;
mod rides;
mod strava;

pub use dashboard::Dashboard;
pub use devices::DevicesPanel;
pub use dialogs::{AddBike, AddComponent, LogRide, Mount};
pub use header::Header;
pub use notifications::NotificationsPanel;
pub use part::{BikePage, PartPage};
pub use places::Places;
pub use rides::RidesPage;
pub use strava::StravaPanel;
