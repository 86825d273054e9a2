//! The dialogs the header and the garage open: add a bike, add a component, log a ride, mount a
//! part from the shelf. Each is filled field by field and submitted; the test waits for it to
//! close where that matters.

use crate::window::{Result, Window};

pub struct AddBike<'a> {
    w: Window<'a>,
}

impl<'a> AddBike<'a> {
    pub(super) fn new(w: Window<'a>) -> AddBike<'a> {
        AddBike { w }
    }

    pub async fn name(&self, name: &str) -> Result {
        self.w
            .type_into("dialog[open] input[id$='-name']", name)
            .await
    }

    pub async fn kind(&self, kind: &str) -> Result {
        self.w
            .click(&format!(
                "dialog[open] select[id$='-kind'] option[value='{kind}']"
            ))
            .await
    }

    pub async fn submit(&self) -> Result {
        self.w.click("[data-testid='add-bike-submit']").await
    }
}

pub struct AddComponent<'a> {
    w: Window<'a>,
}

impl<'a> AddComponent<'a> {
    pub(super) fn new(w: Window<'a>) -> AddComponent<'a> {
        AddComponent { w }
    }

    /// Picks a preset kind ("chain"): the part comes with its default rules.
    pub async fn preset(&self, kind: &str) -> Result {
        self.w
            .click(&format!(
                "dialog[open] select[id$='-preset'] option[value='{kind}']"
            ))
            .await
    }

    pub async fn submit(&self) -> Result {
        self.w.click("[data-testid='add-component-submit']").await
    }
}

pub struct LogRide<'a> {
    w: Window<'a>,
}

impl<'a> LogRide<'a> {
    pub(super) fn new(w: Window<'a>) -> LogRide<'a> {
        LogRide { w }
    }

    /// The distance in km, as typed.
    pub async fn distance(&self, km: &str) -> Result {
        self.w
            .type_into("dialog[open] input[id$='-distance']", km)
            .await
    }

    /// The moving time, as typed ("80:00").
    pub async fn time(&self, time: &str) -> Result {
        self.w
            .type_into("dialog[open] input[id$='-time']", time)
            .await
    }

    pub async fn submit(&self) -> Result {
        self.w.click("[data-testid='log-ride-submit']").await
    }

    /// Why the window doubts the ride's numbers (a typo?), once it says so.
    pub async fn doubts(&self) -> Result<String> {
        self.w.text("[data-testid='log-ride-doubts']").await
    }

    /// Logs the ride the window doubted: the rider confirms the numbers are right.
    pub async fn submit_anyway(&self) -> Result {
        self.w.click("[data-testid='log-ride-anyway']").await
    }
}

/// Mounting a part from the shelf on a bike.
pub struct Mount<'a> {
    w: Window<'a>,
}

impl<'a> Mount<'a> {
    pub(super) fn new(w: Window<'a>) -> Mount<'a> {
        Mount { w }
    }

    /// How many bikes the picker offers.
    pub async fn bikes_offered(&self) -> Result<usize> {
        Ok(self
            .w
            .all("dialog[open] select[id$='-bike'] option")
            .await?
            .len())
    }

    pub async fn bike(&self, id: &str) -> Result {
        self.w
            .click(&format!(
                "dialog[open] select[id$='-bike'] option[value='{id}']"
            ))
            .await
    }

    /// The day it is mounted on, as the field holds it.
    pub async fn day(&self) -> Result<String> {
        let field = self.w.find("dialog[open] input[id$='-date']").await?;
        Ok(field.prop("value").await?.unwrap_or_default())
    }

    pub async fn submit(&self) -> Result {
        self.w.click("[data-testid='mount-submit']").await
    }
}
