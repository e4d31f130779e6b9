//! `/api/v1/consumer-groups`

use actix_web::{delete, get, patch, post};

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::consumer_group::{ConsumerGroup, ConsumerGroupFilter, ConsumerGroupInput};

list_query! {
    /// Filters of the consumer group list.
    ConsumerGroupQuery => ConsumerGroupFilter {
        /// Exactly this name.
        name: String,
    }
}

list_type! {
    /// A page of consumer groups.
    ConsumerGroupList of ConsumerGroup
}

crud_api! {
    entity: ConsumerGroup, input: ConsumerGroupInput, query: ConsumerGroupQuery, list: ConsumerGroupList,
    tag: "consumer-groups", collection: "/consumer-groups", item: "/consumer-groups/{id}",
    list: list_consumer_groups "List consumer groups",
    get: get_consumer_group "Get a consumer group",
    create: create_consumer_group "Create a consumer group",
    update: update_consumer_group "Change a consumer group",
    delete: delete_consumer_group "Delete a consumer group",
}
