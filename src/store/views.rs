//! Where a customer view reads the catalogue from: one set of queries per
//! step of [`crate::catalogue::view`], whatever the number of ids.

use uuid::Uuid;

use super::links::offering_groups;
use super::{
    agreements, components, customers, offerings, overlays, prices, services, DbConnection, Refs,
    StoreError, Table,
};
use crate::catalogue::agreement::Agreement;
use crate::catalogue::consumer_group::ConsumerGroup;
use crate::catalogue::customer::Customer;
use crate::catalogue::offering::Offering;
use crate::catalogue::overlay::Overlay;
use crate::catalogue::price::Price;
use crate::catalogue::service::Service;
use crate::catalogue::view::{ComponentFace, ViewSource};

impl ViewSource for DbConnection {
    type Error = StoreError;

    fn customer(&mut self, id: Uuid) -> Result<Option<Customer>, StoreError> {
        customers::by_id(self, id, Refs::Skip)
    }

    fn consumer_group(&mut self, id: Uuid) -> Result<Option<ConsumerGroup>, StoreError> {
        ConsumerGroup::find(self, (), id)
    }

    fn agreements_of(&mut self, customer: Uuid) -> Result<Vec<Agreement>, StoreError> {
        agreements::of_customer(self, customer, Refs::Skip)
    }

    fn offerings_for_groups(&mut self, groups: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        offering_groups::parents_of(self, groups)
    }

    fn offerings(&mut self, ids: &[Uuid]) -> Result<Vec<Offering>, StoreError> {
        offerings::by_ids(self, ids, Refs::Skip)
    }

    fn prices(&mut self, ids: &[Uuid]) -> Result<Vec<Price>, StoreError> {
        prices::by_ids(self, ids, Refs::Skip)
    }

    fn services(&mut self, ids: &[Uuid]) -> Result<Vec<Service>, StoreError> {
        services::by_ids(self, ids, Refs::Skip)
    }

    fn components_of(&mut self, products: &[Uuid]) -> Result<Vec<ComponentFace>, StoreError> {
        components::faces_of_products(self, products)
    }

    fn overlays(
        &mut self,
        groups: &[Uuid],
        offerings: &[Uuid],
    ) -> Result<Vec<Overlay>, StoreError> {
        overlays::for_groups_and_offerings(self, groups, offerings, Refs::Skip)
    }
}
