//! External references of the catalogue's entities, in one table for every
//! type: `(entity_type, system, external_id)` names one entity.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::schema::external_refs;
use super::{keys, parse_id, DbConnection, Refs, StoreError};
use crate::catalogue::reference::ExternalRef;
use crate::catalogue::{Operation, RowChange};

/// The references of each of `ids`, ordered by system.
pub fn load(
    conn: &mut DbConnection,
    kind: &str,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ExternalRef>>, StoreError> {
    // Nothing to read: no statement.
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String, String)> = external_refs::table
        .filter(external_refs::entity_type.eq(kind))
        .filter(external_refs::entity_id.eq_any(keys(ids)))
        .order((external_refs::entity_id, external_refs::system))
        .select((
            external_refs::entity_id,
            external_refs::system,
            external_refs::external_id,
        ))
        .load(conn)?;
    let mut map: HashMap<Uuid, Vec<ExternalRef>> = HashMap::new();
    for (entity, system, id) in rows {
        map.entry(parse_id(&entity)?)
            .or_default()
            .push(ExternalRef { system, id });
    }
    Ok(map)
}

/// The references of the entities of type `kind` with these ids, when
/// asked for: none read otherwise.
pub fn load_when(
    conn: &mut DbConnection,
    with: Refs,
    kind: &str,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ExternalRef>>, StoreError> {
    match with {
        Refs::Load => load(conn, kind, ids),
        Refs::Skip => Ok(HashMap::new()),
    }
}

/// The entity of type `kind` that `reference` names, when one does.
pub fn find(
    conn: &mut DbConnection,
    kind: &str,
    reference: &ExternalRef,
) -> Result<Option<Uuid>, StoreError> {
    external_refs::table
        .find((kind, &reference.system, &reference.id))
        .select(external_refs::entity_id)
        .first::<String>(conn)
        .optional()?
        .map(|id| parse_id(&id))
        .transpose()
}

/// The ids of the entities of type `$kind` that `$reference` names, as a
/// subquery for a list's filter.
macro_rules! owners {
    ($kind:expr, $reference:expr) => {{
        use crate::store::schema::external_refs;
        let reference: &crate::catalogue::reference::ExternalRef = $reference;
        external_refs::table
            .filter(external_refs::entity_type.eq($kind))
            .filter(external_refs::system.eq(reference.system.clone()))
            .filter(external_refs::external_id.eq(reference.id.clone()))
            .select(external_refs::entity_id)
    }};
}
pub(crate) use owners;

/// Makes `references` those of entity `id` of type `kind`, and says which
/// rows were deleted and written.
pub fn replace(
    conn: &mut DbConnection,
    kind: &str,
    id: Uuid,
    references: &[ExternalRef],
) -> Result<Vec<RowChange>, StoreError> {
    let current = load(conn, kind, &[id])?.remove(&id).unwrap_or_default();
    let mut changes = Vec::new();
    for gone in current.iter().filter(|r| !references.contains(r)) {
        diesel::delete(external_refs::table.find((kind, &gone.system, &gone.id))).execute(conn)?;
        changes.push(RowChange::new(
            "external_refs",
            id,
            gone,
            Operation::Deleted,
        ));
    }
    for new in references.iter().filter(|r| !current.contains(r)) {
        diesel::insert_into(external_refs::table)
            .values((
                external_refs::entity_type.eq(kind),
                external_refs::system.eq(&new.system),
                external_refs::external_id.eq(&new.id),
                external_refs::entity_id.eq(id.to_string()),
            ))
            .execute(conn)?;
        changes.push(RowChange::new("external_refs", id, new, Operation::Created));
    }
    Ok(changes)
}

/// Deletes every reference of entity `id` of type `kind`, and says which.
pub fn remove_all(
    conn: &mut DbConnection,
    kind: &str,
    id: Uuid,
) -> Result<Vec<RowChange>, StoreError> {
    let gone: Vec<(String, String)> = diesel::delete(
        external_refs::table
            .filter(external_refs::entity_type.eq(kind))
            .filter(external_refs::entity_id.eq(id.to_string())),
    )
    .returning((external_refs::system, external_refs::external_id))
    .get_results(conn)?;
    Ok(gone
        .into_iter()
        .map(|(system, external_id)| {
            RowChange::new(
                "external_refs",
                id,
                ExternalRef {
                    system,
                    id: external_id,
                },
                Operation::Deleted,
            )
        })
        .collect())
}
