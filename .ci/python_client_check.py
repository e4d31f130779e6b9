"""Partial updates through the Python client generated from the spec.

For each kind of entity whose patch body has fields with a create-time
default, this creates one with a non-default value there, patches another
field only, through the generated update operation, and reads it back: the
untouched fields must be as they were. A client generated from a spec that
gives those patch fields a `default` sends the default along with the change
and silently overwrites them.

Uses only the generated package `vitrine_client` (its operations, models and
AuthenticatedClient). Reads VITRINE_BASE_URL and VITRINE_ADMIN_KEY. Prints
what it does; exits 1 on any mismatch.
"""

import datetime
import os
import sys
from uuid import UUID

from vitrine_client import AuthenticatedClient
from vitrine_client.api.agreements import create_agreement, get_agreement, update_agreement
from vitrine_client.api.consumer_groups import create_consumer_group
from vitrine_client.api.customers import create_customer
from vitrine_client.api.offerings import create_offering, get_offering, update_offering
from vitrine_client.api.overlays import create_overlay, get_overlay, update_overlay
from vitrine_client.api.products import (
    create_component,
    create_product,
    get_component,
    get_product,
    update_component,
    update_product,
)
from vitrine_client.api.resources import create_resource
from vitrine_client.api.services import create_service
from vitrine_client.models.agreement_input import AgreementInput
from vitrine_client.models.agreement_patch import AgreementPatch
from vitrine_client.models.agreement_status import AgreementStatus
from vitrine_client.models.component_input import ComponentInput
from vitrine_client.models.component_patch import ComponentPatch
from vitrine_client.models.consumer_group_input import ConsumerGroupInput
from vitrine_client.models.customer_input import CustomerInput
from vitrine_client.models.dimension import Dimension
from vitrine_client.models.lifecycle_status import LifecycleStatus
from vitrine_client.models.offering_input import OfferingInput
from vitrine_client.models.offering_patch import OfferingPatch
from vitrine_client.models.offering_status import OfferingStatus
from vitrine_client.models.overlay_input import OverlayInput
from vitrine_client.models.overlay_patch import OverlayPatch
from vitrine_client.models.portfolio_stage import PortfolioStage
from vitrine_client.models.product_input import ProductInput
from vitrine_client.models.product_patch import ProductPatch
from vitrine_client.models.resource_input import ResourceInput
from vitrine_client.models.service_input import ServiceInput
from vitrine_client.models.visibility import Visibility
from vitrine_client.types import Unset


class Stop(Exception):
    """A call that did not answer as expected: nothing after it can run."""


sent = []  # the bodies of the PATCH requests, as the generated client sent them


def record(request):
    if request.method == "PATCH":
        sent.append((request.headers.get("content-type"), request.headers.get("if-match"), request.read()))


client = AuthenticatedClient(
    base_url=os.environ["VITRINE_BASE_URL"],
    token=os.environ["VITRINE_ADMIN_KEY"],
    httpx_args={"event_hooks": {"request": [record]}},
)


def call(operation, expected, **kwargs):
    """Calls a generated operation; returns its model and its ETag header."""
    response = operation.sync_detailed(client=client, **kwargs)
    name = operation.__name__.rsplit(".", 1)[-1]
    if response.status_code != expected:
        raise Stop(
            f"{name}: answered {int(response.status_code)}, not {expected}: {response.content.decode(errors='replace')}"
        )
    return response.parsed, response.headers.get("etag")


def plain(value):
    """A model field as JSON would have it (enums by value, ids and dates as
    strings, lists item by item), and unset fields as a marker."""
    if isinstance(value, Unset):
        return "<unset>"
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, (UUID, datetime.date)):
        return str(value)
    return getattr(value, "value", value)


def fields(model, names):
    return ", ".join(f"{name}={plain(getattr(model, name))!r}" for name in names)


def patch_and_check(kind, read, update, ids, body, kept, changed):
    """Reads the entity, patches it with `body` at the version read, reads it
    again: the `kept` fields must still hold their values as created, the
    `changed` ones the patched values. Returns the mismatches."""
    before, etag = call(read, 200, **ids)
    if etag != f'"{before.version}"':
        return [f"{kind}: ETag {etag!r} is not the version {before.version} in quotes"]
    shown = [*kept, *changed]
    print(f"{kind}: read version {before.version}, ETag {etag}: {fields(before, shown)}")
    problems = [
        f"{kind}: {f} is {plain(getattr(before, f))!r} before the patch, not {want!r} as created"
        for f, want in kept.items()
        if plain(getattr(before, f)) != want
    ]
    print(f"{kind}: patch model {type(body).__name__} holds {body.to_dict()}")
    already = len(sent)
    try:
        call(update, 200, body=body, if_match=etag, **ids)
    except Stop as refused:
        problems.append(f"{kind}: {refused}")
    finally:
        for content_type, if_match, wire in sent[already:]:
            print(f"{kind}: sent PATCH (Content-Type: {content_type}, If-Match: {if_match}) {wire.decode()}")
    after, _ = call(read, 200, **ids)
    print(f"{kind}: read back version {after.version}: {fields(after, shown)}")
    for field, want in kept.items():
        got = plain(getattr(after, field))
        if got != want:
            problems.append(f"{kind}: {field} is {got!r} after a patch of {sorted(changed)} only; it was {want!r}")
    for field, want in changed.items():
        got = plain(getattr(after, field))
        if got != want:
            problems.append(f"{kind}: {field} is {got!r}, not the patched {want!r}")
    return problems


def main():
    problems = []
    try:
        run(problems)
    except Stop as stop:
        problems.append(f"stopped: {stop}")
    print()
    if problems:
        print(f"FAILED: {len(problems)} mismatches")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("OK: every patch changed only what it named")
    return 0


def run(problems):
    resource, _ = call(
        create_resource, 201, body=ResourceInput(name="VM", dimension=Dimension.INFORMATION_AND_TECHNOLOGY)
    )
    product, _ = call(create_product, 201, body=ProductInput(name="P"))
    component, _ = call(
        create_component,
        201,
        product_id=product.id,
        body=ComponentInput(
            resource_id=resource.id,
            quantity=2,
            role="compute",
            visibility=Visibility.CUSTOMER,
            customer_label="A server",
        ),
    )
    print(f"created resource {resource.id}, product {product.id}, component {component.id}")
    problems += patch_and_check(
        "component",
        get_component,
        update_component,
        {"product_id": product.id, "id": component.id},
        ComponentPatch(customer_label="Two servers"),
        kept={"quantity": 2, "role": "compute", "visibility": "customer", "resource_id": str(resource.id)},
        changed={"customer_label": "Two servers"},
    )

    service, _ = call(
        create_service,
        201,
        body=ServiceInput(name="S", product_ids=[product.id], portfolio_stage=PortfolioStage.CATALOGUE),
    )
    group, _ = call(create_consumer_group, 201, body=ConsumerGroupInput(name="G"))
    offering, _ = call(
        create_offering,
        201,
        body=OfferingInput(
            name="O", service_ids=[service.id], consumer_group_ids=[group.id], status=OfferingStatus.ACTIVE
        ),
    )
    print(f"created service {service.id}, consumer group {group.id}, offering {offering.id}")
    print(f"offering: created with status {plain(offering.status)!r}")
    problems += patch_and_check(
        "offering",
        get_offering,
        update_offering,
        {"id": offering.id},
        OfferingPatch(name="O renamed"),
        kept={"status": "active", "service_ids": [str(service.id)], "consumer_group_ids": [str(group.id)]},
        changed={"name": "O renamed"},
    )

    active, _ = call(create_product, 201, body=ProductInput(name="P active", lifecycle_status=LifecycleStatus.ACTIVE))
    print(f"created product {active.id} with lifecycle_status {plain(active.lifecycle_status)!r}")
    problems += patch_and_check(
        "product",
        get_product,
        update_product,
        {"id": active.id},
        ProductPatch(description="Described later"),
        kept={"lifecycle_status": "active", "name": "P active"},
        changed={"description": "Described later"},
    )

    # The two other patch bodies with create-time defaults: an overlay's
    # priority (0 when absent) and an agreement's status (active when absent).
    overlay, _ = call(
        create_overlay, 201, body=OverlayInput(consumer_group_id=group.id, offering_id=offering.id, priority=5)
    )
    print(f"created overlay {overlay.id} with priority {plain(overlay.priority)!r}")
    problems += patch_and_check(
        "overlay",
        get_overlay,
        update_overlay,
        {"id": overlay.id},
        OverlayPatch(name="O for G"),
        kept={"priority": 5},
        changed={"name": "O for G"},
    )

    customer, _ = call(create_customer, 201, body=CustomerInput(name="C", consumer_group_ids=[group.id]))
    agreement, _ = call(
        create_agreement,
        201,
        body=AgreementInput(customer_id=customer.id, offering_id=offering.id, status=AgreementStatus.PROPOSED),
    )
    print(f"created customer {customer.id}, agreement {agreement.id} with status {plain(agreement.status)!r}")
    problems += patch_and_check(
        "agreement",
        get_agreement,
        update_agreement,
        {"id": agreement.id},
        AgreementPatch(starts_on=datetime.date(2026, 1, 1)),
        kept={"status": "proposed"},
        changed={"starts_on": "2026-01-01"},
    )


if __name__ == "__main__":
    sys.exit(main())
