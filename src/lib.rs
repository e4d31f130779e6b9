//! Vitrine: an ITIL 4 product and service catalogue with a customer view.
//!
//! The layers, each depending only on those after it: [`api`] (HTTP),
//! [`service`] (transactions and units of work), [`store`] (diesel over
//! SQLite and PostgreSQL) and [`catalogue`] (the model and its rules, which
//! depend on nothing else of Vitrine); around them [`config`],
//! [`telemetry`], [`error`] and [`startup`].

pub mod api;
pub mod catalogue;
pub mod config;
pub mod delivery;
pub mod error;
pub mod metrics;
pub mod service;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
