//! Reads that resolve what an entity refers to, for the API shapes that
//! show references with more than an id (the TM Forum facades).

use uuid::Uuid;

use super::{Error, Tx};
use crate::catalogue::component::Component;
use crate::catalogue::service::Service;
use crate::store;

/// The components of these products, ordered by product, then by id.
pub fn components_of(tx: &mut impl Tx, products: &[Uuid]) -> Result<Vec<Component>, Error> {
    Ok(store::components::of_products(tx.conn(), products)?)
}

/// The services with these ids, ordered by id.
pub fn services(tx: &mut impl Tx, ids: &[Uuid]) -> Result<Vec<Service>, Error> {
    Ok(store::services::by_ids(tx.conn(), ids)?)
}
