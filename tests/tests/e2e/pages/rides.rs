//! The Rides place (`#/rides`): the list, its filters, editing and deleting a ride (with Undo).

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

    /// Deletes the newest ride; waits for its Undo to be offered.
    pub async fn delete_first(&self) -> Result {
        self.w
            .click(&format!("{ROW} [data-testid='delete-ride']"))
            .await?;
        self.w.find("[data-testid='ride-deleted']").await?;
        Ok(())
    }

    /// Undoes the last delete; waits until its offer is gone.
    pub async fn undo_delete(&self) -> Result {
        self.w.click("[data-testid='undo-delete-ride']").await?;
        self.w.wait_gone("[data-testid='ride-deleted']").await
    }

    /// Waits until the newest ride's row no longer reads `what`; returns it.
    pub async fn wait_first_not(&self, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text(ROW, &format!("a first row without {what}"), move |t| {
                !t.contains(&needle)
            })
            .await
    }
}
