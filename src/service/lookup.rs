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
    Ok(store::services::by_ids(tx.conn(), ids, store::Refs::Load)?)
}

/// The categories that group these offerings: `(category, offering)`,
/// ordered by category.
pub fn categories_of_offerings(
    tx: &mut impl Tx,
    offerings: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, Error> {
    Ok(store::categories::of_offerings(tx.conn(), offerings)?)
}

/// The categories that group these services: `(category, service)`,
/// ordered by category.
pub fn categories_of_services(
    tx: &mut impl Tx,
    services: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, Error> {
    Ok(store::categories::of_services(tx.conn(), services)?)
}

/// The categories directly under these: `(parent, child)`, ordered by
/// child.
pub fn subcategories(tx: &mut impl Tx, parents: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>, Error> {
    Ok(store::categories::children_of(tx.conn(), parents)?)
}
