//! A part's page (`#/component/ID`) and a bike's page (`#/bike/ID`): what a rider does there.

use crate::window::{Result, Window};

pub struct PartPage<'a> {
    w: Window<'a>,
}

/// The rule line of `task` on the page.
fn rule(task: &str) -> String {
    format!("[data-testid='component-rules'] [data-testid='rule-line'][data-task='{task}']")
}

/// The tools under the rule `task`.
fn tools(task: &str) -> String {
    format!("[data-testid='rule-tools'][data-task='{task}']")
}

impl<'a> PartPage<'a> {
    pub fn new(w: Window<'a>) -> PartPage<'a> {
        PartPage { w }
    }

    /// Opens the part of the first row of Needs attention; returns the task of its worst rule.
    pub async fn open_first_due(&self) -> Result<String> {
        self.w.click("[data-testid='due-row'] a.component").await?;
        self.w.find("[data-testid='component-page']").await?;
        let line = self
            .w
            .find("[data-testid='component-rules'] [data-testid='rule-line'][data-state='due']")
            .await?;
        Ok(line.attr("data-task").await?.unwrap_or_default())
    }

    /// Waits until the rule `task` shows `state`.
    pub async fn wait_state(&self, task: &str, state: &str) -> Result {
        self.w
            .find(&format!("{}[data-state='{state}']", rule(task)))
            .await?;
        Ok(())
    }

    /// Edits the interval of `task` to `interval`, typed in the rider's unit, and saves.
    pub async fn edit_interval(&self, task: &str, interval: &str) -> Result {
        let tools = tools(task);
        self.w
            .click(&format!("{tools} [data-testid='rule-edit']"))
            .await?;
        self.w
            .replace_text(&format!("{tools} [data-testid='rule-interval']"), interval)
            .await?;
        self.w
            .click(&format!("{tools} [data-testid='rule-save']"))
            .await
    }

    /// Snoozes `task` for `days` days.
    pub async fn snooze_days(&self, task: &str, days: &str) -> Result {
        let tools = tools(task);
        self.w
            .click(&format!("{tools} [data-testid='rule-snooze']"))
            .await?;
        self.w
            .replace_text(&format!("{tools} input[id^='snooze-n-']"), days)
            .await?;
        self.w
            .click(&format!("{tools} [data-testid='snooze-save']"))
            .await
    }

    /// Waits until the rule `task` reads `what` (its words, its snooze).
    pub async fn wait_rule_text(&self, task: &str, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text(&rule(task), what, move |t| t.contains(&needle))
            .await
    }
}

impl PartPage<'_> {
    /// Renames the part through its Edit form.
    pub async fn rename(&self, name: &str) -> Result {
        self.w.click("[data-testid='edit-component']").await?;
        self.w.replace_text("#part-name", name).await?;
        self.w.click("[data-testid='edit-component-save']").await
    }

    /// Marks `task` done with a cost and notes (today), through Done….
    pub async fn done_with(&self, task: &str, cost: &str, notes: &str) -> Result {
        let tools = tools(task);
        self.w
            .click(&format!("{tools} [data-testid='rule-done-details']"))
            .await?;
        let form = format!("{tools} [data-testid='done-form']");
        self.w
            .type_into(&format!("{form} input[id$='-cost']"), cost)
            .await?;
        self.w
            .type_into(&format!("{form} input[id$='-notes']"), notes)
            .await?;
        self.w
            .click(&format!("{form} [data-testid='done-save']"))
            .await
    }

    /// Moves the part to the first other bike offered (today); returns that bike's name.
    pub async fn move_to_first_other_bike(&self) -> Result<String> {
        let option = self.w.find("#move-to option:nth-child(2)").await?;
        let name = option.text().await?;
        option.click().await?;
        self.w.click("[data-testid='move-component']").await?;
        Ok(name)
    }

    /// Waits until the page's heading reads `what`; returns it.
    pub async fn wait_heading(&self, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text(".page-header", what, move |t| t.contains(&needle))
            .await
    }

    /// What the rule `task` has used ("5,913 km / 3,000 km").
    pub async fn usage(&self, task: &str) -> Result<String> {
        self.w
            .text(&format!("{} [data-testid='rule-usage']", rule(task)))
            .await
    }

    /// Adds a rule counted in distance, every `km`, and saves.
    pub async fn add_distance_rule(&self, task: &str, km: &str) -> Result {
        self.w.click("[data-testid='add-rule']").await?;
        let form = "[data-testid='component-rules'] [data-testid='rule-form']";
        self.w
            .type_into(&format!("{form} input[id$='-task']"), task)
            .await?;
        self.w
            .type_into(&format!("{form} [data-testid='rule-interval']"), km)
            .await?;
        self.w
            .click(&format!("{form} [data-testid='rule-save']"))
            .await
    }

    /// Deletes the rule `task`, confirming.
    pub async fn delete_rule(&self, task: &str) -> Result {
        let tools = tools(task);
        self.w
            .click(&format!("{tools} [data-testid='rule-delete']"))
            .await?;
        self.w
            .click(&format!("{tools} [data-testid='rule-delete-confirm']"))
            .await
    }

    /// Waits until no rule `task` is shown.
    pub async fn wait_no_rule(&self, task: &str) -> Result {
        self.w.wait_gone(&rule(task)).await
    }

    /// Waits until the service history reads `what`; returns it.
    pub async fn wait_history(&self, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text("[data-testid='component-services']", what, move |t| {
                t.contains(&needle)
            })
            .await
    }
}

pub struct BikePage<'a> {
    w: Window<'a>,
}

impl<'a> BikePage<'a> {
    pub fn new(w: Window<'a>) -> BikePage<'a> {
        BikePage { w }
    }

    /// Renames the bike through its Edit form.
    pub async fn rename(&self, name: &str) -> Result {
        self.w.click("[data-testid='edit-bike']").await?;
        self.w.replace_text("#bike-name", name).await?;
        self.w
            .click("[data-testid='edit-bike-form'] button[type='submit']")
            .await
    }

    pub async fn retire(&self) -> Result {
        self.w.click("[data-testid='retire-bike']").await
    }

    pub async fn bring_back(&self) -> Result {
        self.w.click("[data-testid='restore-bike']").await
    }

    /// Waits until the page's title and subtitle read `what`.
    pub async fn wait_heading(&self, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text(".page-header", what, move |t| t.contains(&needle))
            .await
    }

    /// Waits until the page's title and subtitle no longer read `what`.
    pub async fn wait_heading_without(&self, what: &str) -> Result<String> {
        let needle = what.to_owned();
        self.w
            .wait_text(".page-header", what, move |t| !t.contains(&needle))
            .await
    }
}
