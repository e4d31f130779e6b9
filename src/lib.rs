//! Vitrine: an ITIL 4 product and service catalogue with a customer view.
//!
//! The layers: [`api`] (HTTP), [`catalogue`] (the rules), [`store`] (diesel
//! over SQLite and PostgreSQL), and around them [`config`], [`telemetry`],
//! [`error`] and [`startup`].

pub mod api;
pub mod catalogue;
pub mod config;
pub mod error;
pub mod startup;
pub mod store;
pub mod telemetry;
