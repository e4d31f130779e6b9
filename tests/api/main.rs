//! Vitrine's API, tested over HTTP as its clients use it.

// Tests fail loudly: an `expect` names what was expected.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod auth;
mod changes;
mod crud;
mod errors;
mod external_refs;
mod helpers;
mod idempotency;
mod layers;
mod lifecycle;
mod metrics;
mod migrations;
mod model;
mod operations;
mod preview;
mod references;
mod replicas;
mod seed;
mod service_endpoints;
mod stress;
mod tmf;
mod transfer;
mod unit_of_work;
mod validation;
mod view;
mod view_cache;
mod webhooks;
