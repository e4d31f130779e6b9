//! Offerings in the store: the offering row, its elements and service
//! levels in order, and its links to services, consumer groups and prices.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::query_dsl::methods::LoadQuery;
use diesel::{PgConnection, SqliteConnection};
use uuid::Uuid;

use super::links::{
    check_exist, check_one, delete_row, find_and_list, insert_row, offering_groups,
    offering_prices, offering_services, ordered_children, update_row,
};
use super::schema::{
    agreements, offering_consumer_groups, offering_prices as offering_prices_table,
    offering_services as offering_services_table, offerings,
};
use super::{
    describe_uses, external_refs, form, keys, meta_of, parse_id, parse_text, DbConnection, Refs,
    Removed, StoreError, Table, Writable,
};
use crate::catalogue::offering::{
    Element, ElementKind, Offering, OfferingInput, OfferingStatus, ServiceLevel,
};
use crate::catalogue::{Entity, Errors, Meta, RowChange};

#[derive(Queryable, Selectable)]
#[diesel(table_name = offerings)]
struct OfferingRow {
    id: String,
    name: String,
    description: Option<String>,
    status: String,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
    product_id: Option<String>,
}

form! {
    /// The writable columns of an offering.
    OfferingForm<'a> for offerings from OfferingInput as (meta, input) {
        name: &'a str = &input.name,
        description: Option<&'a str> = input.description.as_deref(),
        status: &'a str = input.status.as_str(),
        valid_from: Option<NaiveDate> = input.valid_from,
        valid_to: Option<NaiveDate> = input.valid_to,
        product_id: Option<String> = input.product_id.map(|id| id.to_string()),
    }
}

ordered_children! {
    /// An offering's elements, in order.
    elements: offering_elements (offering_id) of Element {
        kind: String, name: String, description: Option<String>
    }
    read |kind, name, description| Element {
        kind: crate::store::parse_text(&kind, ElementKind::parse)?,
        name,
        description,
    };
    write |element| (element.kind.as_str(), &element.name, element.description.as_deref())
}

ordered_children! {
    /// An offering's service levels, in order.
    levels: offering_service_levels (offering_id) of ServiceLevel {
        metric: String, target: String, unit: Option<String>
    }
    read |metric, target, unit| ServiceLevel { metric, target, unit };
    write |level| (&level.metric, &level.target, level.unit.as_deref())
}

/// The rows of an offering's five child tables, by offering.
#[derive(Default)]
struct Children {
    services: HashMap<Uuid, Vec<Uuid>>,
    groups: HashMap<Uuid, Vec<Uuid>>,
    prices: HashMap<Uuid, Vec<Uuid>>,
    elements: HashMap<Uuid, Vec<Element>>,
    levels: HashMap<Uuid, Vec<ServiceLevel>>,
}

/// Which child table a row of [`children_of`] comes from.
const SERVICE: i32 = 0;
const GROUP: i32 = 1;
const PRICE: i32 = 2;
const ELEMENT: i32 = 3;
const LEVEL: i32 = 4;

/// A row of [`children_query`]: its table, the offering, the position (0
/// for links), and up to three values.
type ChildRow = (i32, String, i32, String, Option<String>, Option<String>);

/// The child rows of the offerings `ids`, in one statement: a `UNION ALL`
/// of the five tables, each row tagged with its table.
fn children_query(
    ids: &[String],
) -> impl LoadQuery<'static, PgConnection, ChildRow> + LoadQuery<'static, SqliteConnection, ChildRow>
{
    use super::schema::{
        offering_consumer_groups as gs, offering_elements as el, offering_prices as ps,
        offering_service_levels as sl, offering_services as ss,
    };
    use diesel::sql_types::{Integer, Nullable, Text};

    let tag = |t: i32| t.into_sql::<Integer>();
    let none = || None::<String>.into_sql::<Nullable<Text>>();
    ss::table
        .filter(ss::offering_id.eq_any(ids.to_vec()))
        .select((
            tag(SERVICE),
            ss::offering_id,
            tag(0),
            ss::service_id,
            none(),
            none(),
        ))
        .union_all(
            gs::table
                .filter(gs::offering_id.eq_any(ids.to_vec()))
                .select((
                    tag(GROUP),
                    gs::offering_id,
                    tag(0),
                    gs::consumer_group_id,
                    none(),
                    none(),
                )),
        )
        .union_all(
            ps::table
                .filter(ps::offering_id.eq_any(ids.to_vec()))
                .select((
                    tag(PRICE),
                    ps::offering_id,
                    tag(0),
                    ps::price_id,
                    none(),
                    none(),
                )),
        )
        .union_all(
            el::table
                .filter(el::offering_id.eq_any(ids.to_vec()))
                .select((
                    tag(ELEMENT),
                    el::offering_id,
                    el::position,
                    el::kind,
                    el::name.nullable(),
                    el::description,
                )),
        )
        .union_all(
            sl::table
                .filter(sl::offering_id.eq_any(ids.to_vec()))
                .select((
                    tag(LEVEL),
                    sl::offering_id,
                    sl::position,
                    sl::metric,
                    sl::target.nullable(),
                    sl::unit,
                )),
        )
}

/// The child rows of these offerings, read in one statement: links ordered
/// by child id, elements and service levels by position.
fn children_of(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Children, StoreError> {
    let mut children = Children::default();
    if ids.is_empty() {
        return Ok(children);
    }
    let ids = keys(ids);
    // One query for both databases; the combination of selects is loaded
    // through each backend's own connection.
    let mut rows: Vec<ChildRow> = match conn {
        DbConnection::Pg(pg) => children_query(&ids).load(pg)?,
        DbConnection::Sqlite(lite) => children_query(&ids).load(lite)?,
    };
    rows.sort_unstable_by(|a, b| (a.0, &a.1, a.2, &a.3).cmp(&(b.0, &b.1, b.2, &b.3)));
    for (table, offering, _, value, second, third) in rows {
        let offering = parse_id(&offering)?;
        match table {
            SERVICE | GROUP | PRICE => {
                let links = match table {
                    SERVICE => &mut children.services,
                    GROUP => &mut children.groups,
                    _ => &mut children.prices,
                };
                links.entry(offering).or_default().push(parse_id(&value)?);
            }
            ELEMENT => children
                .elements
                .entry(offering)
                .or_default()
                .push(Element {
                    kind: parse_text(&value, ElementKind::parse)?,
                    name: second.unwrap_or_default(),
                    description: third,
                }),
            _ => children
                .levels
                .entry(offering)
                .or_default()
                .push(ServiceLevel {
                    metric: value,
                    target: second.unwrap_or_default(),
                    unit: third,
                }),
        }
    }
    Ok(children)
}

fn assemble(conn: &mut DbConnection, rows: Vec<OfferingRow>) -> Result<Vec<Offering>, StoreError> {
    assemble_with(conn, rows, Refs::Load)
}

fn assemble_with(
    conn: &mut DbConnection,
    rows: Vec<OfferingRow>,
    with: Refs,
) -> Result<Vec<Offering>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| parse_id(&r.id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut refs = external_refs::load_when(conn, with, Offering::KIND, &ids)?;
    let Children {
        mut services,
        mut groups,
        mut prices,
        mut elements,
        mut levels,
    } = children_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let meta = meta_of(&row.id, row.created_at, row.updated_at, row.version)?;
            Ok(Offering {
                fields: OfferingInput {
                    external_refs: refs.remove(&meta.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    service_ids: services.remove(&meta.id).unwrap_or_default(),
                    consumer_group_ids: groups.remove(&meta.id).unwrap_or_default(),
                    elements: elements.remove(&meta.id).unwrap_or_default(),
                    price_ids: prices.remove(&meta.id).unwrap_or_default(),
                    product_id: row.product_id.as_deref().map(parse_id).transpose()?,
                    service_levels: levels.remove(&meta.id).unwrap_or_default(),
                    status: parse_text(&row.status, OfferingStatus::parse)?,
                    valid_from: row.valid_from,
                    valid_to: row.valid_to,
                },
                meta,
            })
        })
        .collect()
}

/// The offerings with these ids, ordered by id.
pub fn by_ids(
    conn: &mut DbConnection,
    ids: &[Uuid],
    with: Refs,
) -> Result<Vec<Offering>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = offerings::table
        .filter(offerings::id.eq_any(keys(ids)))
        .select(OfferingRow::as_select())
        .order(offerings::id)
        .load(conn)?;
    assemble_with(conn, rows, with)
}

fn replace_children(
    conn: &mut DbConnection,
    id: Uuid,
    input: &OfferingInput,
) -> Result<Vec<RowChange>, StoreError> {
    let mut rows = offering_services::replace(conn, id, &input.service_ids)?;
    rows.extend(offering_groups::replace(
        conn,
        id,
        &input.consumer_group_ids,
    )?);
    rows.extend(offering_prices::replace(conn, id, &input.price_ids)?);
    rows.extend(elements::replace(conn, id, &input.elements)?);
    rows.extend(levels::replace(conn, id, &input.service_levels)?);
    Ok(rows)
}

impl Table for Offering {
    const TABLE: &'static str = "offerings";

    find_and_list!(offerings, OfferingRow, assemble, |query, filter| {
        if let Some(name) = &filter.name {
            query = query.filter(offerings::name.eq(name.clone()));
        }
        if let Some(status) = filter.status {
            query = query.filter(offerings::status.eq(status.as_str()));
        }
        if let Some(service) = filter.service_id {
            query = query.filter(
                offerings::id.eq_any(
                    offering_services_table::table
                        .filter(offering_services_table::service_id.eq(service.to_string()))
                        .select(offering_services_table::offering_id),
                ),
            );
        }
        if let Some(group) = filter.consumer_group_id {
            query = query.filter(
                offerings::id.eq_any(
                    offering_consumer_groups::table
                        .filter(offering_consumer_groups::consumer_group_id.eq(group.to_string()))
                        .select(offering_consumer_groups::offering_id),
                ),
            );
        }
        if let Some(price) = filter.price_id {
            query = query.filter(
                offerings::id.eq_any(
                    offering_prices_table::table
                        .filter(offering_prices_table::price_id.eq(price.to_string()))
                        .select(offering_prices_table::offering_id),
                ),
            );
        }
        if let Some(product) = filter.product_id {
            query = query.filter(offerings::product_id.eq(product.to_string()));
        }
    });

    fn dependents(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        let agreements: i64 = agreements::table
            .filter(agreements::offering_id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        let overlays = super::overlays::count_for_offering(conn, id)?;
        let categories = super::links::category_offerings::count_using(conn, id)?;
        Ok(describe_uses(&[
            (agreements, "agreement"),
            (overlays, "overlay"),
            (categories, "category"),
        ]))
    }

    fn remove(
        conn: &mut DbConnection,
        id: Uuid,
        version: Option<i32>,
    ) -> Result<Option<Removed>, StoreError> {
        let mut rows = offering_services::remove_all(conn, id)?;
        rows.extend(offering_groups::remove_all(conn, id)?);
        rows.extend(offering_prices::remove_all(conn, id)?);
        rows.extend(elements::remove_all(conn, id)?);
        rows.extend(levels::remove_all(conn, id)?);
        Ok(delete_row!(conn, offerings, id, version).then(|| Removed {
            rows,
            owned: Vec::new(),
        }))
    }
}

impl Writable for Offering {
    fn missing_references(
        conn: &mut DbConnection,
        input: &OfferingInput,
        errors: &mut Errors,
    ) -> Result<(), StoreError> {
        check_exist!(
            conn,
            errors,
            services,
            "service_ids",
            "service",
            &input.service_ids
        );
        check_exist!(
            conn,
            errors,
            consumer_groups,
            "consumer_group_ids",
            "consumer group",
            &input.consumer_group_ids
        );
        check_exist!(conn, errors, prices, "price_ids", "price", &input.price_ids);
        if let Some(product) = input.product_id {
            check_one!(conn, errors, products, "product_id", "product", product);
        }
        Ok(())
    }

    fn insert(
        conn: &mut DbConnection,
        _: (),
        meta: &Meta,
        input: &OfferingInput,
    ) -> Result<Vec<RowChange>, StoreError> {
        insert_row!(conn, offerings, meta, OfferingForm::new(meta, input));
        replace_children(conn, meta.id, input)
    }

    fn update(
        conn: &mut DbConnection,
        meta: &Meta,
        expected_version: i32,
        input: &OfferingInput,
    ) -> Result<Option<Vec<RowChange>>, StoreError> {
        if !update_row!(
            conn,
            offerings,
            meta.id,
            expected_version,
            OfferingForm::new(meta, input)
        ) {
            return Ok(None);
        }
        Ok(Some(replace_children(conn, meta.id, input)?))
    }
}
