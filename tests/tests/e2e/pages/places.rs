//! The places of the window (Garage, Bike, Component, Rides, Settings) as a rider reaches them:
//! through the navigation and the links, or by address; and what a phone-sized or dark window
//! must still get right on each (nothing wider than the window).

use serde_json::Value;

use crate::window::{strings, Result, Window};

pub struct Places<'a> {
    w: Window<'a>,
}

impl<'a> Places<'a> {
    pub fn new(w: Window<'a>) -> Places<'a> {
        Places { w }
    }

    /// Opens a place by its address (`#/rides`), as a deep link would, and waits for its page.
    pub async fn open(&self, address: &str, page: &str) -> Result {
        self.w
            .execute("location.hash = arguments[0];", vec![Value::from(address)])
            .await?;
        self.w.find(&format!("[data-testid='{page}']")).await?;
        Ok(())
    }

    /// Clicks a tab of the navigation (`garage`, `rides`, `settings`).
    pub async fn tab(&self, name: &str) -> Result {
        self.w.click(&format!("[data-testid='nav-{name}']")).await
    }

    /// Opens the first bike's page from its card; returns the bike's id.
    pub async fn open_first_bike(&self) -> Result<String> {
        self.w.click("[data-testid='bike-name'] a").await?;
        let page = self.w.find("[data-testid='bike-page']").await?;
        Ok(page.attr("data-bike-id").await?.unwrap_or_default())
    }

    /// Opens the first part's page from its row; returns the part's id.
    pub async fn open_first_component(&self) -> Result<String> {
        self.w.click("[data-testid='component-link']").await?;
        let page = self.w.find("[data-testid='component-page']").await?;
        Ok(page.attr("data-component-id").await?.unwrap_or_default())
    }

    /// The page's title.
    pub async fn title(&self) -> Result<String> {
        self.w.text("[data-testid='page-title']").await
    }

    /// Back, with the page's own Back button.
    pub async fn back(&self) -> Result {
        self.w.click("[data-testid='back']").await
    }

    /// Forces the theme through Settings' choice, as the rider would; "system" gives it back.
    pub async fn theme(&self, theme: &str) -> Result {
        self.open("#/settings", "settings-page").await?;
        self.w
            .click(&format!("[data-testid='theme-{theme}']"))
            .await?;
        Ok(())
    }

    /// The page's background colour (the root's) as the stylesheet gives it ("rgb(…)").
    pub async fn background(&self) -> Result<String> {
        let v = self
            .w
            .execute(
                "return getComputedStyle(document.documentElement).backgroundColor;",
                vec![],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// What sticks out of the window sideways: the page scrolling horizontally, and any visible
    /// element whose box leaves the viewport (the issue 17 check, for every page).
    pub async fn overflow(&self) -> Result<Vec<String>> {
        self.w.settle().await?;
        let found = self
            .w
            .execute(
                "const vw = document.documentElement.clientWidth;\n\
                 const out = [];\n\
                 if (document.documentElement.scrollWidth > vw + 1) out.push(`the page is ${document.documentElement.scrollWidth} px wide in ${vw} px`);\n\
                 for (const e of document.querySelectorAll('main *, header *, nav *')) {\n\
                   const r = e.getBoundingClientRect();\n\
                   if (!r.width || !r.height) continue;\n\
                   if (getComputedStyle(e).visibility === 'hidden') continue;\n\
                   if (e.closest('.sr-only')) continue;\n\
                   if (r.left < -1 || r.right > vw + 1) out.push(`${e.tagName.toLowerCase()}.${e.className} '${(e.textContent || '').trim().slice(0, 40)}' spans ${Math.round(r.left)}..${Math.round(r.right)}`);\n\
                 }\n\
                 return out.slice(0, 12);",
                vec![],
            )
            .await?;
        Ok(strings(&found))
    }

    /// Saves a picture of the window under ui/screenshots/ (the README shows some of them).
    pub async fn screenshot(&self, name: &str) -> Result {
        self.w.readme_screenshot(name).await
    }

    /// Clicks `css` after scrolling it to the middle of the window: on a phone the bottom bar
    /// covers the last 56 px, and WebDriver's own scrolling stops with the element under it.
    pub async fn tap(&self, css: &str) -> Result {
        let el = self.w.find(css).await?;
        self.w
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&el).unwrap_or_default()],
            )
            .await?;
        self.w.settle().await?;
        el.click().await
    }
}
