//! The write path as a unit of work: operations compose in one
//! transaction, all of it commits or none of it, and every change, child
//! rows and owned entities included, is recorded with its actor.

use std::collections::BTreeSet;

use uuid::Uuid;
use vitrine::catalogue::api_key::Role;
use vitrine::catalogue::component::{Component, ComponentInput, Visibility};
use vitrine::catalogue::consumer_group::{ConsumerGroup, ConsumerGroupFilter, ConsumerGroupInput};
use vitrine::catalogue::customer::{Customer, CustomerInput};
use vitrine::catalogue::offering::{
    Element, ElementKind, Offering, OfferingInput, OfferingStatus, ServiceLevel,
};
use vitrine::catalogue::page::PageRequest;
use vitrine::catalogue::patch::Precondition;
use vitrine::catalogue::product::{LifecycleStatus, Product, ProductInput};
use vitrine::catalogue::resource::{Dimension, Resource, ResourceInput};
use vitrine::catalogue::service::{PortfolioStage, Service, ServiceInput};
use vitrine::catalogue::{Actor, CatalogueError, Change, Operation};
use vitrine::config::Config;
use vitrine::service::{ops, Catalogue, Error};

use crate::helpers::TestDb;

fn open(db: &TestDb) -> Catalogue {
    let url = db.url.clone();
    let config = Config::from_lookup(|name| (name == "VITRINE_DATABASE_URL").then(|| url.clone()))
        .expect("a configuration");
    vitrine::startup::open_catalogue(&config).expect("the catalogue")
}

fn editor() -> Actor {
    Actor::Key {
        id: Uuid::now_v7(),
        role: Role::Editor,
    }
}

fn product(name: &str) -> ProductInput {
    ProductInput {
        external_refs: Vec::new(),
        name: name.to_owned(),
        description: None,
        lifecycle_status: LifecycleStatus::Draft,
        owner: None,
    }
}

fn component(resource: Uuid, label: Option<&str>) -> ComponentInput {
    ComponentInput {
        external_refs: Vec::new(),
        resource_id: resource,
        quantity: 1,
        role: None,
        visibility: if label.is_some() {
            Visibility::Customer
        } else {
            Visibility::Internal
        },
        customer_label: label.map(str::to_owned),
        customer_description: None,
    }
}

fn group(name: &str) -> ConsumerGroupInput {
    ConsumerGroupInput {
        external_refs: Vec::new(),
        name: name.to_owned(),
        description: None,
    }
}

fn groups(catalogue: &Catalogue) -> usize {
    let page = PageRequest {
        after: None,
        limit: 500,
    };
    catalogue
        .list::<ConsumerGroup>((), &ConsumerGroupFilter::default(), &page)
        .expect("the groups")
        .items
        .len()
}

#[test]
fn deleting_a_product_reports_each_of_its_components_and_deleting_an_offering_each_of_its_rows() {
    let db = TestDb::new();
    let catalogue = open(&db);
    let setup = Actor::System;
    let resource: Resource = catalogue
        .create(
            setup,
            (),
            ResourceInput {
                external_refs: Vec::new(),
                name: "VM".to_owned(),
                description: None,
                dimension: Dimension::InformationAndTechnology,
                unit_cost: None,
                owner: None,
            },
        )
        .expect("a resource");
    let doomed: Product = catalogue
        .create(setup, (), product("Doomed"))
        .expect("a product");
    let parts: Vec<Component> = [Some("Shown"), None, None]
        .into_iter()
        .map(|label| {
            catalogue
                .create(setup, doomed.meta.id, component(resource.meta.id, label))
                .expect("a component")
        })
        .collect();
    let base: Product = catalogue
        .create(setup, (), product("Base"))
        .expect("a product");
    let service: Service = catalogue
        .create(
            setup,
            (),
            ServiceInput {
                external_refs: Vec::new(),
                name: "S".to_owned(),
                description: None,
                product_ids: vec![base.meta.id],
                portfolio_stage: PortfolioStage::Catalogue,
                utility: Default::default(),
                warranty: Default::default(),
                owner: None,
            },
        )
        .expect("a service");
    let audience: ConsumerGroup = catalogue.create(setup, (), group("G")).expect("a group");
    let level = ServiceLevel {
        metric: "availability".to_owned(),
        target: "99.9".to_owned(),
        unit: None,
    };
    let offering: Offering = catalogue
        .create(
            setup,
            (),
            OfferingInput {
                external_refs: Vec::new(),
                name: "O".to_owned(),
                description: None,
                service_ids: vec![service.meta.id],
                consumer_group_ids: vec![audience.meta.id],
                elements: vec![
                    Element {
                        kind: ElementKind::Goods,
                        name: "A laptop".to_owned(),
                        description: None,
                    },
                    Element {
                        kind: ElementKind::ServiceAction,
                        name: "A restore".to_owned(),
                        description: None,
                    },
                ],
                price_ids: Vec::new(),
                product_id: None,
                service_levels: vec![level],
                status: OfferingStatus::Draft,
                valid_from: None,
                valid_to: None,
            },
        )
        .expect("an offering");

    let actor = editor();
    let (_, changes) = catalogue
        .write_recorded(actor, |work| {
            ops::delete::<Product>(work, (), doomed.meta.id, &Precondition::None)?;
            ops::delete::<Offering>(work, (), offering.meta.id, &Precondition::None)
        })
        .expect("both deletes");
    for change in &changes {
        assert_eq!(change.actor, actor, "{change:?}");
        assert_eq!(change.operation, Operation::Deleted, "{change:?}");
    }
    let entities: BTreeSet<(&str, Uuid)> = changes.iter().map(|c| (c.entity, c.id)).collect();
    let mut expected: BTreeSet<(&str, Uuid)> =
        parts.iter().map(|c| ("component", c.meta.id)).collect();
    expected.insert(("product", doomed.meta.id));
    expected.insert(("offering", offering.meta.id));
    assert_eq!(entities, expected, "every entity deleted, each once");
    let offering_change: &Change = changes
        .iter()
        .find(|c| c.entity == "offering")
        .expect("the offering's change");
    let rows: BTreeSet<(&str, String)> = offering_change
        .rows
        .iter()
        .map(|r| (r.table, r.key.clone()))
        .collect();
    let id = offering.meta.id;
    let expected_rows: BTreeSet<(&str, String)> = [
        ("offering_services", format!("{id}/{}", service.meta.id)),
        (
            "offering_consumer_groups",
            format!("{id}/{}", audience.meta.id),
        ),
        ("offering_elements", format!("{id}/0")),
        ("offering_elements", format!("{id}/1")),
        ("offering_service_levels", format!("{id}/0")),
    ]
    .into_iter()
    .collect();
    assert_eq!(rows, expected_rows, "every child row, named");
    assert!(offering_change
        .rows
        .iter()
        .all(|r| r.operation == Operation::Deleted));
    println!(
        "unit of work: one product with {} components and one offering with {} child rows deleted: {} changes, {} rows, each with its actor",
        parts.len(),
        expected_rows.len(),
        changes.len(),
        changes.iter().map(|c| c.rows.len()).sum::<usize>()
    );

    // What was reported is what the database no longer holds.
    catalogue
        .read(|tx| {
            for part in &parts {
                assert!(ops::get::<Component>(tx, doomed.meta.id, part.meta.id).is_err());
            }
            assert!(ops::get::<Offering>(tx, (), offering.meta.id).is_err());
            Ok(())
        })
        .expect("a read");
}

#[test]
fn a_failure_in_the_second_operation_of_a_unit_of_work_leaves_nothing_of_the_first() {
    let db = TestDb::new();
    let catalogue = open(&db);
    let nowhere = Uuid::now_v7();
    let outcome = catalogue.write(editor(), |work| {
        let first: ConsumerGroup = ops::create(work, (), group("First"))?;
        assert_eq!(work.changes().len(), 1, "the first is recorded");
        ops::create::<Customer>(
            work,
            (),
            CustomerInput {
                external_refs: Vec::new(),
                name: "C".to_owned(),
                description: None,
                consumer_group_ids: vec![first.meta.id, nowhere],
            },
        )
    });
    match outcome {
        Err(Error::Catalogue(CatalogueError::Invalid(fields))) => {
            assert_eq!(fields[0].field, "consumer_group_ids[1]", "{fields:?}");
        }
        other => panic!("the second create must fail on its reference: {other:?}"),
    }
    assert_eq!(groups(&catalogue), 0, "the first create was rolled back");

    // And when both succeed, both commit, in one transaction.
    let (customer, changes) = catalogue
        .write_recorded(editor(), |work| {
            let first: ConsumerGroup = ops::create(work, (), group("First"))?;
            ops::create::<Customer>(
                work,
                (),
                CustomerInput {
                    external_refs: Vec::new(),
                    name: "C".to_owned(),
                    description: None,
                    consumer_group_ids: vec![first.meta.id],
                },
            )
        })
        .expect("both creates");
    assert_eq!(groups(&catalogue), 1);
    assert_eq!(
        changes.iter().map(|c| c.entity).collect::<Vec<_>>(),
        ["consumer_group", "customer"]
    );
    assert_eq!(changes[1].rows.len(), 1, "the customer's link to its group");
    assert_eq!(customer.fields.consumer_group_ids, vec![changes[0].id]);
}
