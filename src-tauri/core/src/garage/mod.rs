//! The garage: what the rider owns and does to it. Table-level modules (`bikes`, `components`,
//! `installations`, `rules`, `services`, `rides`) each own one table; `workshop` holds the jobs
//! that span several; `demo`, `overview`, `tree` (parts on parts, as shown) and `cost` (what a
//! part cost, a bike's months) sit on top.

pub mod bikes;
pub mod carried;
pub mod components;
pub mod cost;
pub mod demo;
pub mod installations;
pub mod overview;
pub mod presets;
pub mod rides;
pub mod rules;
pub mod services;
pub mod tree;
pub mod workshop;
