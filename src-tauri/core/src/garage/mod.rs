//! The garage: what the rider owns and does to it. Table-level modules (`bikes`, `components`,
//! `installations`, `rules`, `services`, `rides`) each own one table; `workshop` holds the jobs
//! that span several; `demo`, `overview` and `tree` (parts on parts, as shown) sit on top.

pub mod bikes;
pub mod carried;
pub mod components;
pub mod demo;
pub mod installations;
pub mod overview;
pub mod presets;
pub mod rides;
pub mod rules;
pub mod services;
pub mod tree;
pub mod workshop;
