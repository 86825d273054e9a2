//! The Rides place (`#/rides`): the list, its filters, editing a ride.

use crate::window::{Result, Window};

const ROW: &str = "[data-testid='ride-row']";

pub struct RidesPage<'a> {
    w: Window<'a>,
}

impl<'a> RidesPage<'a> {
    pub fn new(w: Window<'a>) -> RidesPage<'a> {
        RidesPage { w }
    }

    /// How many rides the page shows.
    pub async fn shown(&self) -> Result<usize> {
        self.w.find(ROW).await?;
        Ok(self.w.all(ROW).await?.len())
    }

    /// Edits the newest ride's name and distance (in the rider's unit), and saves.
    pub async fn edit_first(&self, name: &str, distance: &str) -> Result {
        self.w
            .click(&format!("{ROW} [data-testid='edit-ride']"))
            .await?;
        let form = "[data-testid='ride-edit-form']";
        self.w
            .replace_text(&format!("{form} input[id^='ride-name-']"), name)
            .await?;
        self.w
            .replace_text(&format!("{form} input[id^='ride-dist-']"), distance)
            .await?;
        self.w.click(&format!("{form} button[type='submit']")).await
    }

    /// Waits until the newest ride's row reads `what`; returns it.
    pub async fn wait_first(&self, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text(ROW, what, move |t| t.contains(&needle))
            .await
    }
}
