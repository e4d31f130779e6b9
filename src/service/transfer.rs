//! Export and import of the whole catalogue, or of part of it, as one JSON
//! document:
//!
//! ```json
//! {"format": "vitrine-export/1",
//!  "sections": [{"resources": [...]}, {"products": [...]}, ...]}
//! ```
//!
//! The sections come in dependency order (resources, products, components,
//! services, consumer groups, prices, offerings, customers, agreements,
//! overlays, categories, parents before their children),
//! a list so that every JSON library keeps that order; each entity as the
//! API answers it (id, times, version, external references). Both ways stream: an export
//! writes one entity at a time from one snapshot, and an import reads one
//! at a time, so that neither holds the document in memory.
//!
//! An import is all or nothing, in one unit of work. Each entity of the
//! document is matched with the catalogue by id, then by any of its external
//! references: a match is replaced (or left alone when it is the same
//! already), anything else is created with the document's id, times and
//! version. So an export imported into an empty catalogue exports again
//! identically.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::ops::{self, Upsert};
use super::{Error, Tx, UnitOfWork};
use crate::catalogue::agreement::Agreement;
use crate::catalogue::category::{Category, CategoryFilter};
use crate::catalogue::component::Component;
use crate::catalogue::consumer_group::ConsumerGroup;
use crate::catalogue::customer::Customer;
use crate::catalogue::offering::Offering;
use crate::catalogue::overlay::Overlay;
use crate::catalogue::page::PageRequest;
use crate::catalogue::price::Price;
use crate::catalogue::product::Product;
use crate::catalogue::resource::Resource;
use crate::catalogue::service::Service;
use crate::catalogue::validate::parse_input;
use crate::catalogue::{CatalogueError, Entity, FieldError, Meta};
use crate::store::{self, external_refs, lock_row, Table, Writable};

/// The format an export names, and an import expects.
pub const FORMAT: &str = "vitrine-export/1";

/// The kinds of entity of a document, in the order they come.
pub const KINDS: [&str; 11] = [
    "resources",
    "products",
    "components",
    "services",
    "consumer_groups",
    "prices",
    "offerings",
    "customers",
    "agreements",
    "overlays",
    "categories",
];

/// How many entities an export reads at a time.
const BATCH: u32 = 500;

/// A whole export, as the spec describes it (an export is written, and an
/// import read, one entity at a time).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDocument {
    /// `vitrine-export/1`.
    #[schema(example = "vitrine-export/1")]
    pub format: String,
    /// The entities, one section per kind, in dependency order; a kind left
    /// out of a filtered export has no section.
    pub sections: Vec<Section>,
}

/// The entities of one kind, ordered by id, under the kind's name: an
/// object with one member, such as `{"resources": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub enum Section {
    /// Resources.
    #[serde(rename = "resources")]
    Resources(Vec<Resource>),
    /// Products.
    #[serde(rename = "products")]
    Products(Vec<Product>),
    /// Components, with the id of their product.
    #[serde(rename = "components")]
    Components(Vec<Component>),
    /// Services.
    #[serde(rename = "services")]
    Services(Vec<Service>),
    /// Consumer groups.
    #[serde(rename = "consumer_groups")]
    ConsumerGroups(Vec<ConsumerGroup>),
    /// Prices.
    #[serde(rename = "prices")]
    Prices(Vec<Price>),
    /// Offerings.
    #[serde(rename = "offerings")]
    Offerings(Vec<Offering>),
    /// Customers.
    #[serde(rename = "customers")]
    Customers(Vec<Customer>),
    /// Agreements.
    #[serde(rename = "agreements")]
    Agreements(Vec<Agreement>),
    /// Overlays.
    #[serde(rename = "overlays")]
    Overlays(Vec<Overlay>),
    /// Categories, each after the category it is under.
    #[serde(rename = "categories")]
    Categories(Vec<Category>),
}

/// Which part of the catalogue to export.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// These kinds only (of [`KINDS`]); all when none.
    pub kinds: Option<Vec<String>>,
    /// Entities changed at or after this time only.
    pub changed_since: Option<DateTime<Utc>>,
}

impl ExportFilter {
    fn wants(&self, kind: &str) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|kinds| kinds.iter().any(|k| k == kind))
    }
}

/// How an export went: the entities written, and the feed's position when
/// it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// Entities written.
    pub entities: usize,
    /// The change feed's position in the snapshot exported: follow the feed
    /// from there to see every change since.
    pub feed_position: i64,
}

/// Writes the catalogue (or the part `filter` names) as one document to
/// `out`, from the snapshot of `tx`; tells `started` the feed's position in
/// that snapshot before it writes.
pub fn export(
    tx: &mut impl Tx,
    filter: &ExportFilter,
    out: &mut impl Write,
    started: impl FnOnce(i64),
) -> Result<Exported, Error> {
    let feed_position = store::events::bounds(tx.conn())?.map_or(0, |(_, last)| last);
    started(feed_position);
    let io = |e: std::io::Error| CatalogueError::Internal {
        what: "the export could not be written",
        cause: e.to_string(),
    };
    write!(out, "{{\"format\":\"{FORMAT}\",\"sections\":[").map_err(io)?;
    let mut entities = 0;
    let mut first = true;
    for kind in KINDS.iter().filter(|k| filter.wants(k)) {
        if !first {
            out.write_all(b",").map_err(io)?;
        }
        first = false;
        write!(out, "{{\"{kind}\":[").map_err(io)?;
        entities += match *kind {
            "resources" => export_kind::<Resource>(tx, filter, out)?,
            "products" => export_kind::<Product>(tx, filter, out)?,
            "components" => export_components(tx, filter, out)?,
            "services" => export_kind::<Service>(tx, filter, out)?,
            "consumer_groups" => export_kind::<ConsumerGroup>(tx, filter, out)?,
            "prices" => export_kind::<Price>(tx, filter, out)?,
            "offerings" => export_kind::<Offering>(tx, filter, out)?,
            "customers" => export_kind::<Customer>(tx, filter, out)?,
            "agreements" => export_kind::<Agreement>(tx, filter, out)?,
            "overlays" => export_kind::<Overlay>(tx, filter, out)?,
            _ => export_categories(tx, filter, out)?,
        };
        out.write_all(b"]}").map_err(io)?;
    }
    out.write_all(b"]}\n").map_err(io)?;
    out.flush().map_err(io)?;
    Ok(Exported {
        entities,
        feed_position,
    })
}

/// Writes the entities of `batch` that the filter keeps; returns how many.
fn write_batch<E: Entity>(
    batch: &[E],
    filter: &ExportFilter,
    written: &mut usize,
    out: &mut impl Write,
) -> Result<(), Error> {
    for entity in batch {
        if filter
            .changed_since
            .is_some_and(|since| entity.meta().updated_at < since)
        {
            continue;
        }
        if *written > 0 {
            out.write_all(b",").map_err(|e| CatalogueError::Internal {
                what: "the export could not be written",
                cause: e.to_string(),
            })?;
        }
        serde_json::to_writer(&mut *out, entity).map_err(|e| CatalogueError::Internal {
            what: "an entity could not be exported",
            cause: e.to_string(),
        })?;
        *written += 1;
    }
    Ok(())
}

fn export_kind<E: Table<Scope = ()>>(
    tx: &mut impl Tx,
    filter: &ExportFilter,
    out: &mut impl Write,
) -> Result<usize, Error> {
    let mut written = 0;
    let mut after = None;
    loop {
        let page = PageRequest {
            after,
            limit: BATCH,
        };
        let page = E::list(tx.conn(), (), &E::Filter::default(), &page)?;
        write_batch(&page.items, filter, &mut written, out)?;
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(written),
        }
    }
}

/// The categories, each after the category it is under (by depth, then
/// by id), so that an import finds every parent in place.
fn export_categories(
    tx: &mut impl Tx,
    filter: &ExportFilter,
    out: &mut impl Write,
) -> Result<usize, Error> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest {
            after,
            limit: BATCH,
        };
        let page = Category::list(tx.conn(), (), &CategoryFilter::default(), &page)?;
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let parents: HashMap<Uuid, Option<Uuid>> = all
        .iter()
        .map(|c| (c.meta.id, c.fields.parent_id))
        .collect();
    let depth = |mut id: Uuid| {
        let mut depth = 0usize;
        while let Some(Some(parent)) = parents.get(&id) {
            depth += 1;
            id = *parent;
            if depth > parents.len() {
                break;
            }
        }
        depth
    };
    all.sort_by_key(|c| (depth(c.meta.id), c.meta.id));
    let mut written = 0;
    write_batch(&all, filter, &mut written, out)?;
    Ok(written)
}

fn export_components(
    tx: &mut impl Tx,
    filter: &ExportFilter,
    out: &mut impl Write,
) -> Result<usize, Error> {
    let mut written = 0;
    let mut after = None;
    loop {
        let batch = store::components::page_all(tx.conn(), after, i64::from(BATCH))?;
        write_batch(&batch, filter, &mut written, out)?;
        if batch.len() < BATCH as usize {
            return Ok(written);
        }
        after = batch.last().map(|c| c.meta.id);
    }
}

/// What an import did, or would do, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Whether nothing was written: a dry run.
    pub dry_run: bool,
    /// Entities created, by kind.
    pub created: BTreeMap<String, usize>,
    /// Entities replaced, by kind.
    pub updated: BTreeMap<String, usize>,
    /// Entities that were as the document says already, by kind.
    pub unchanged: BTreeMap<String, usize>,
}

impl ImportSummary {
    /// Entities read from the document.
    pub fn total(&self) -> usize {
        [&self.created, &self.updated, &self.unchanged]
            .iter()
            .flat_map(|m| m.values())
            .sum()
    }
}

/// Reads a document from `reader` and writes it into the catalogue, in
/// `work`. `progress` hears the number of entities read so far.
pub fn import(
    work: &mut UnitOfWork,
    reader: impl Read,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportSummary, Error> {
    let mut importer = Importer {
        work,
        ids: HashMap::new(),
        summary: ImportSummary::default(),
        failure: None,
        format: None,
        next_kind: 0,
        read: 0,
        progress,
    };
    let mut parser = serde_json::Deserializer::from_reader(reader);
    let parsed = (&mut importer)
        .deserialize(&mut parser)
        .and_then(|()| parser.end());
    if let Some(failure) = importer.failure.take() {
        return Err(failure);
    }
    if let Err(e) = parsed {
        return Err(
            CatalogueError::invalid("", format!("the document is not valid JSON: {e}")).into(),
        );
    }
    if importer.format.as_deref() != Some(FORMAT) {
        return Err(CatalogueError::invalid(
            "format",
            format!("must be `{FORMAT}`: the document is not an export of Vitrine"),
        )
        .into());
    }
    Ok(importer.summary)
}

struct Importer<'w, 'c, 'p> {
    work: &'w mut UnitOfWork<'c>,
    /// The ids of the document that name other entities of the catalogue:
    /// those matched by an external reference.
    ids: HashMap<Uuid, Uuid>,
    summary: ImportSummary,
    failure: Option<Error>,
    format: Option<String>,
    next_kind: usize,
    read: usize,
    progress: &'p mut dyn FnMut(usize),
}

/// Stops the parse, keeping `error` as the import's.
fn stop<E: de::Error>(importer: &mut Importer, error: Error) -> E {
    importer.failure = Some(error);
    E::custom("the import stopped")
}

impl<'de> DeserializeSeed<'de> for &mut Importer<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(DocumentVisitor(self))
    }
}

struct DocumentVisitor<'i, 'w, 'c, 'p>(&'i mut Importer<'w, 'c, 'p>);

impl<'de> Visitor<'de> for DocumentVisitor<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an export document: {\"format\": ..., \"entities\": {...}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => self.0.format = Some(map.next_value()?),
                "sections" => map.next_value_seed(SectionsSeed(&mut *self.0))?,
                other => {
                    let error = CatalogueError::invalid(
                        other,
                        "unknown member: a document has `format` and `sections`",
                    );
                    return Err(stop(self.0, error.into()));
                }
            }
        }
        Ok(())
    }
}

struct SectionsSeed<'i, 'w, 'c, 'p>(&'i mut Importer<'w, 'c, 'p>);

impl<'de> DeserializeSeed<'de> for SectionsSeed<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SectionsSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of sections: {\"kind\": ..., \"entities\": [...]}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(SectionSeed {
                importer: &mut *self.0,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

struct SectionSeed<'i, 'w, 'c, 'p> {
    importer: &'i mut Importer<'w, 'c, 'p>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for SectionSeed<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SectionSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a section: {\"kind\": ..., \"entities\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let field = format!("sections[{}]", self.index);
        let mut members = 0;
        while let Some(name) = map.next_key::<String>()? {
            members += 1;
            let position = KINDS.iter().position(|k| *k == name);
            let refusal = match position {
                _ if members > 1 => Some(format!(
                    "`{name}`: a section holds one kind, as `{{\"resources\": [...]}}`"
                )),
                Some(i) if i >= self.importer.next_kind => {
                    self.importer.next_kind = i + 1;
                    map.next_value_seed(KindSeed {
                        importer: &mut *self.importer,
                        kind: KINDS[i],
                        section: self.index,
                    })?;
                    None
                }
                Some(_) => Some(format!(
                    "`{name}` comes after what depends on it: sections come in the order {}",
                    KINDS.join(", ")
                )),
                None => Some(format!(
                    "`{name}` is not a kind of entity: one of {}",
                    KINDS.join(", ")
                )),
            };
            if let Some(message) = refusal {
                let error = CatalogueError::invalid(field.clone(), message);
                return Err(stop(self.importer, error.into()));
            }
        }
        Ok(())
    }
}

struct KindSeed<'i, 'w, 'c, 'p> {
    importer: &'i mut Importer<'w, 'c, 'p>,
    kind: &'static str,
    section: usize,
}

impl<'de> DeserializeSeed<'de> for KindSeed<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for KindSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", self.kind)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(entity) = seq.next_element::<Value>()? {
            let outcome = match self.kind {
                "resources" => self.importer.entity::<Resource>(entity),
                "products" => self.importer.entity::<Product>(entity),
                "components" => self.importer.entity::<Component>(entity),
                "services" => self.importer.entity::<Service>(entity),
                "consumer_groups" => self.importer.entity::<ConsumerGroup>(entity),
                "prices" => self.importer.entity::<Price>(entity),
                "offerings" => self.importer.entity::<Offering>(entity),
                "customers" => self.importer.entity::<Customer>(entity),
                "agreements" => self.importer.entity::<Agreement>(entity),
                "overlays" => self.importer.entity::<Overlay>(entity),
                _ => self.importer.entity::<Category>(entity),
            };
            let upsert = match outcome {
                Ok(done) => done,
                Err(e) => {
                    let error = at(e, self.section, index);
                    return Err(stop(self.importer, error));
                }
            };
            let counts = match upsert {
                Upsert::Created => &mut self.importer.summary.created,
                Upsert::Updated => &mut self.importer.summary.updated,
                Upsert::Unchanged => &mut self.importer.summary.unchanged,
            };
            *counts.entry(self.kind.to_owned()).or_default() += 1;
            index += 1;
            self.importer.read += 1;
            (self.importer.progress)(self.importer.read);
        }
        Ok(())
    }
}

/// An error of entity `index` of section `section`, with the path of its
/// fields in the document (`sections[5].entities[3].name`).
fn at(error: Error, section: usize, index: usize) -> Error {
    let prefix = format!("sections[{section}].entities[{index}]");
    let path = |fields: Vec<FieldError>| {
        fields
            .into_iter()
            .map(|f| {
                let field = if f.field.is_empty() {
                    prefix.clone()
                } else {
                    format!("{prefix}.{}", f.field)
                };
                FieldError::new(field, f.message)
            })
            .collect()
    };
    match error {
        Error::Catalogue(CatalogueError::Invalid(fields)) => {
            CatalogueError::Invalid(path(fields)).into()
        }
        Error::Catalogue(CatalogueError::Taken(fields)) => {
            CatalogueError::Taken(path(fields)).into()
        }
        Error::Catalogue(CatalogueError::Conflict(detail)) => {
            CatalogueError::invalid(prefix, detail).into()
        }
        Error::Catalogue(CatalogueError::NotFound { entity }) => CatalogueError::invalid(
            prefix,
            format!("names a {} that does not exist", entity.replace('_', " ")),
        )
        .into(),
        Error::Catalogue(CatalogueError::PreconditionFailed) => {
            CatalogueError::invalid(prefix, "changed while it was imported").into()
        }
        other => other,
    }
}

/// How an import finds the scope of an entity in its document.
trait Scoped: Writable {
    /// The scope of the entity `members` describes, the ids of the document
    /// read through `ids`.
    fn scope(
        members: &mut Map<String, Value>,
        ids: &HashMap<Uuid, Uuid>,
    ) -> Result<Self::Scope, Error>;
}

macro_rules! top_level {
    ($($entity:ty),*) => {$(
        impl Scoped for $entity {
            fn scope(_: &mut Map<String, Value>, _: &HashMap<Uuid, Uuid>) -> Result<(), Error> {
                Ok(())
            }
        }
    )*};
}
top_level!(
    Resource,
    Product,
    Service,
    ConsumerGroup,
    Price,
    Offering,
    Customer,
    Agreement,
    Overlay,
    Category
);

impl Scoped for Component {
    fn scope(members: &mut Map<String, Value>, ids: &HashMap<Uuid, Uuid>) -> Result<Uuid, Error> {
        let product = members
            .remove("product_id")
            .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
            .ok_or_else(|| {
                CatalogueError::invalid("product_id", "must be the id of its product")
            })?;
        Ok(*ids.get(&product).unwrap_or(&product))
    }
}

impl Importer<'_, '_, '_> {
    /// Writes one entity of the document.
    fn entity<E: Scoped>(&mut self, document: Value) -> Result<Upsert, Error> {
        let Value::Object(mut members) = document else {
            return Err(CatalogueError::invalid("", "must be an object").into());
        };
        let meta = take_meta(&mut members)?;
        let scope = E::scope(&mut members, &self.ids)?;
        // Relations name the document's ids: name the catalogue's instead.
        for (field, _) in E::RELATIONS {
            match members.get_mut(*field) {
                Some(Value::Array(items)) => items.iter_mut().for_each(|i| self.translate(i)),
                Some(item) => self.translate(item),
                None => {}
            }
        }
        let input: E::Input = parse_input(Value::Object(members))?;
        let conn = self.work.conn();
        let matched = match E::find(conn, scope, meta.id)? {
            Some(current) => Some(current),
            None => {
                let mut found = None;
                for reference in E::external_refs(&input) {
                    if let Some(id) = external_refs::find(self.work.conn(), E::KIND, reference)? {
                        found = Some(id);
                        break;
                    }
                }
                match found {
                    Some(id) => {
                        self.ids.insert(meta.id, id);
                        Some(ops::get::<E>(self.work, scope, id)?)
                    }
                    None => None,
                }
            }
        };
        match matched {
            Some(current) => {
                let id = current.meta().id;
                lock_row(self.work.conn(), E::TABLE, id)?;
                let (_, upsert) = ops::replace::<E>(self.work, scope, current, input)?;
                Ok(upsert)
            }
            None => {
                ops::create_as::<E>(self.work, scope, meta, input)?;
                Ok(Upsert::Created)
            }
        }
    }

    fn translate(&self, item: &mut Value) {
        if let Some(id) = item.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
            if let Some(actual) = self.ids.get(&id) {
                *item = Value::String(actual.to_string());
            }
        }
    }
}

/// The id, times and version of an entity of the document.
fn take_meta(members: &mut Map<String, Value>) -> Result<Meta, Error> {
    let mut errors = crate::catalogue::Errors::default();
    let id = members
        .remove("id")
        .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()));
    if id.is_none() {
        errors.add("id", "must be the entity's id, a UUID");
    }
    let mut time = |field: &str| {
        let value = members
            .remove(field)
            .and_then(|v| {
                v.as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            })
            .map(|t| t.with_timezone(&Utc));
        if value.is_none() {
            errors.add(field, "must be an RFC 3339 time");
        }
        value
    };
    let created_at = time("created_at");
    let updated_at = time("updated_at");
    let version = members
        .remove("version")
        .and_then(|v| v.as_i64())
        .and_then(|v| i32::try_from(v).ok())
        .filter(|v| *v >= 1);
    if version.is_none() {
        errors.add("version", "must be a whole number, 1 or more");
    }
    errors.into_result()?;
    match (id, created_at, updated_at, version) {
        (Some(id), Some(created_at), Some(updated_at), Some(version)) => Ok(Meta {
            id,
            created_at: crate::catalogue::truncated(created_at),
            updated_at: crate::catalogue::truncated(updated_at),
            version,
        }),
        _ => Err(CatalogueError::invalid("", "has no meta").into()),
    }
}

impl super::Catalogue {
    /// Writes the catalogue, or the part `filter` names, to `out`.
    pub fn export_to(
        &self,
        filter: &ExportFilter,
        out: &mut impl Write,
        started: impl FnOnce(i64),
    ) -> Result<Exported, Error> {
        self.read(|tx| export(tx, filter, out, started))
    }

    /// Imports the document `reader` holds, as `actor`: all of it, or
    /// nothing. A dry run says what it would do, and writes nothing.
    pub fn import_from(
        &self,
        actor: crate::catalogue::Actor,
        reader: impl Read,
        dry_run: bool,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportSummary, Error> {
        if dry_run {
            let mut summary = self.rehearse(actor, |work| import(work, reader, progress))?;
            summary.dry_run = true;
            Ok(summary)
        } else {
            self.write(actor, |work| import(work, reader, progress))
        }
    }
}
