//! Relations named by reference: where a body names another entity, it
//! may give `{"ref": "system:id"}` instead of the id, resolved in the
//! transaction of the write.

use serde_json::Value;

use super::{Error, Tx};
use crate::catalogue::reference::ExternalRef;
use crate::catalogue::{Entity, Errors};
use crate::store::external_refs;

/// Replaces, in the relation fields of `document` (a body of `E`, whole or
/// a merge patch), each `{"ref": "system:id"}` by the id of the entity the
/// reference names; refuses, by field, those that name none.
pub fn resolve<E: Entity>(tx: &mut impl Tx, document: &mut Value) -> Result<(), Error> {
    let mut errors = Errors::default();
    let Some(members) = document.as_object_mut() else {
        return Ok(());
    };
    for (field, kind) in E::RELATIONS {
        match members.get_mut(*field) {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    resolve_one(tx, kind, item, &format!("{field}[{i}]"), &mut errors)?;
                }
            }
            Some(item) => resolve_one(tx, kind, item, field, &mut errors)?,
            None => {}
        }
    }
    Ok(errors.into_result()?)
}

fn resolve_one(
    tx: &mut impl Tx,
    kind: &str,
    item: &mut Value,
    field: &str,
    errors: &mut Errors,
) -> Result<(), Error> {
    let Some(members) = item.as_object() else {
        return Ok(());
    };
    let text = match (members.len(), members.get("ref").and_then(Value::as_str)) {
        (1, Some(text)) => text,
        _ => {
            errors.add(
                field,
                "names an entity by its id, or by a reference as `{\"ref\": \"system:id\"}`",
            );
            return Ok(());
        }
    };
    let Some(reference) = ExternalRef::parse(text) else {
        errors.add(
            format!("{field}.ref"),
            format!("`{text}` is not a reference: write it `system:id`"),
        );
        return Ok(());
    };
    match external_refs::find(tx.conn(), kind, &reference)? {
        Some(id) => *item = Value::String(id.to_string()),
        None => errors.add(
            format!("{field}.ref"),
            format!(
                "no {} has the reference {reference}",
                kind.replace('_', " ")
            ),
        ),
    }
    Ok(())
}

/// A body with its references resolved, as the input of `E`.
pub fn input<E: Entity>(tx: &mut impl Tx, mut document: Value) -> Result<E::Input, Error> {
    resolve::<E>(tx, &mut document)?;
    Ok(crate::catalogue::validate::parse_input(document)?)
}
