//! `/api/v1/consumer-groups`

use actix_web::{delete, get, patch, post, put};

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::consumer_group::{ConsumerGroup, ConsumerGroupFilter, ConsumerGroupInput};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the consumer group list.
    ConsumerGroupQuery => ConsumerGroupFilter {
        /// Exactly this name.
        name: String,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of consumer groups.
    ConsumerGroupList of ConsumerGroup
}

crud_api! {
    entity: ConsumerGroup, input: ConsumerGroupInput, query: ConsumerGroupQuery, list: ConsumerGroupList,
    tag: "consumer-groups", collection: "/consumer-groups", item: "/consumer-groups/{id}",
    by_ref: "/consumer-groups/by-ref/{system}/{external_id}",
    list: list_consumer_groups "List consumer groups",
    get: get_consumer_group "Get a consumer group",
    create: create_consumer_group "Create a consumer group",
    update: update_consumer_group "Change a consumer group",
    delete: delete_consumer_group "Delete a consumer group",
    get_by_ref: get_consumer_group_by_ref "Get a consumer group by its reference in another system",
    put_by_ref: put_consumer_group_by_ref "Create or replace a consumer group by its reference in another system",
}
