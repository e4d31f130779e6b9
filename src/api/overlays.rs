//! `/api/v1/overlays`

use actix_web::{delete, get, patch, post, put};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::overlay::{Overlay, OverlayFilter, OverlayInput};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the overlay list.
    OverlayQuery => OverlayFilter {
        /// For this consumer group.
        consumer_group_id: Uuid,
        /// On this offering.
        offering_id: Uuid,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of overlays.
    OverlayList of Overlay
}

crud_api! {
    entity: Overlay, input: OverlayInput, query: OverlayQuery, list: OverlayList,
    tag: "overlays", collection: "/overlays", item: "/overlays/{id}",
    by_ref: "/overlays/by-ref/{system}/{external_id}",
    list: list_overlays "List overlays",
    get: get_overlay "Get an overlay",
    create: create_overlay "Create an overlay",
    update: update_overlay "Change an overlay",
    delete: delete_overlay "Delete an overlay",
    get_by_ref: get_overlay_by_ref "Get an overlay by its reference in another system",
    put_by_ref: put_overlay_by_ref "Create or replace an overlay by its reference in another system",
}
