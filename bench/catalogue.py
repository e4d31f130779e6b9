"""The bench sub-catalogue: the same shape at every scale, made through the HTTP API.

One consumer group with one customer in it; 12 active offerings designed for that
group, with 2 or 3 services each (30 services in all); each service on 2 to 4
products of its own (90 products); each product made of 10 components (900),
of which 2 are shown to customers under a label and 8 are internal. The customer
also holds 2 agreements, and the group an overlay of one offering. Ids differ
from one run to the next; names, counts and contents do not.
"""

from __future__ import annotations

from common import BenchError, Http, log

OFFERINGS = 12
RESOURCES = 40
COMPONENTS_PER_PRODUCT = 10
CUSTOMER_VISIBLE = (0, 5)  # component positions shown to customers
DIMENSIONS = ["information_and_technology", "organizations_and_people",
              "partners_and_suppliers", "value_streams_and_processes"]


def services_of_offering(i: int) -> int:
    return 2 + (i % 2)          # 2, 3, 2, 3, ... -> 30 services for 12 offerings


def products_of_service(j: int) -> int:
    return 2 + (j % 3)          # 2, 3, 4, 2, ... -> 90 products for 30 services


def expected_shape() -> dict:
    services = sum(services_of_offering(i) for i in range(OFFERINGS))
    products = sum(products_of_service(j) for j in range(services))
    return {
        "offerings": OFFERINGS,
        "services": services,
        "products": products,
        "components": products * COMPONENTS_PER_PRODUCT,
        "customer_visible_components": products * len(CUSTOMER_VISIBLE),
    }


def build(base_url: str, admin_key: str) -> dict:
    """Creates the sub-catalogue and two keys (the customer's, and an editor's for
    the catalogue operations); returns the ids the measurements need."""
    api = Http(base_url, admin_key)
    post = lambda path, body: api.expect("POST", f"/api/v1{path}", body, ok=(201,))[0]  # noqa: E731
    n_requests = 0

    group = post("/consumer-groups", {"name": "Bench group", "description": "The benchmark's consumer group"})
    resources = []
    for r in range(RESOURCES):
        resources.append(post("/resources", {
            "name": f"Bench resource {r:02d}", "dimension": DIMENSIONS[r % 4], "owner": "Bench team",
            "description": f"Resource {r} of the benchmark's sub-catalogue",
            "unit_cost": {"amount": f"{10 + r}.50", "currency": "EUR"},
        })["id"])
    n_requests += 1 + RESOURCES

    service_ids_by_offering = []
    product_ids = []
    j = 0
    for i in range(OFFERINGS):
        services = []
        for _ in range(services_of_offering(i)):
            products = []
            for k in range(products_of_service(j)):
                p = len(product_ids)
                product = post("/products", {
                    "name": f"Bench product {p:03d}", "owner": "Bench team", "lifecycle_status": "active",
                    "description": f"Product {k} of bench service {j}",
                })["id"]
                n_requests += 1
                for c in range(COMPONENTS_PER_PRODUCT):
                    body = {"resource_id": resources[(p * COMPONENTS_PER_PRODUCT + c) % RESOURCES],
                            "quantity": 1 + c % 3, "role": f"part {c}", "visibility": "internal"}
                    if c in CUSTOMER_VISIBLE:
                        body.update(visibility="customer", customer_label=f"Bench feature {p:03d}.{c}",
                                    customer_description="What the customer gets from this part")
                    post(f"/products/{product}/components", body)
                    n_requests += 1
                products.append(product)
                product_ids.append(product)
            service = post("/services", {
                "name": f"Bench service {j:02d}", "product_ids": products, "portfolio_stage": "catalogue",
                "owner": "Bench team", "description": f"Service {j} of the benchmark",
                "utility": {"purpose": f"Purpose of bench service {j}", "outcomes": ["Fewer incidents", "Faster delivery"]},
                "warranty": {"availability_target": "99.9", "support_hours": "24x7"},
            })["id"]
            n_requests += 1
            services.append(service)
            j += 1
        service_ids_by_offering.append(services)

    offerings = []
    for i, services in enumerate(service_ids_by_offering):
        price = post("/prices", {"name": f"Bench monthly fee {i:02d}", "price_type": "recurring",
                                 "recurring_period": "month", "price": {"amount": f"{100 + i}.00", "currency": "EUR"}})["id"]
        offerings.append(post("/offerings", {
            "name": f"Bench offering {i:02d}", "description": f"Offering {i} of the benchmark",
            "service_ids": services, "consumer_group_ids": [group["id"]], "status": "active",
            "price_ids": [price],
            "elements": [{"kind": "service_action", "name": "Restore from backup"},
                         {"kind": "access_to_resources", "name": "Self-service portal"}],
            "service_levels": [{"metric": "availability", "target": "99.9", "unit": "percent"},
                               {"metric": "response", "target": "4", "unit": "hours"}],
        })["id"])
        n_requests += 2

    customer = post("/customers", {"name": "Bench customer", "consumer_group_ids": [group["id"]]})["id"]
    for i in (0, 1):
        post("/agreements", {"customer_id": customer, "offering_id": offerings[i], "starts_on": "2026-01-01"})
    post("/overlays", {"consumer_group_id": group["id"], "offering_id": offerings[0],
                       "name": "Bench offering 00, tailored for the bench group"})
    customer_key = post("/api-keys", {"role": "customer", "customer_id": customer, "name": "bench customer"})["secret"]
    editor_key = post("/api-keys", {"role": "editor", "name": "bench editor"})["secret"]
    n_requests += 6
    api.close()
    log(f"bench sub-catalogue made with {n_requests} requests")
    return {
        "consumer_group_id": group["id"],
        "customer_id": customer,
        "offering_ids": offerings,
        "product_ids": product_ids,
        "resource_ids": resources,
        "customer_key": customer_key,
        "editor_key": editor_key,
        "requests": n_requests,
    }


def view_shape(view: dict) -> dict:
    """Counts what a customer view holds, to check that it is the same at every scale."""
    offerings = view.get("offerings")
    if not isinstance(offerings, list):
        raise BenchError(f"the customer view has no list of offerings: keys {sorted(view)[:20]}")
    services = 0
    components = 0
    for offering in offerings:
        for service in offering.get("services", []):
            services += 1
            comps = service.get("components")
            if comps is None:
                comps = [c for p in service.get("products", []) for c in p.get("components", [])]
            components += len(comps)
    return {"offerings": len(offerings), "services": services, "components": components}


def check_view(view: dict) -> dict:
    shape = view_shape(view)
    want = expected_shape()
    if shape["offerings"] != want["offerings"] or shape["services"] != want["services"]:
        raise BenchError(f"the bench customer's view holds {shape}, expected {want['offerings']} offerings "
                         f"and {want['services']} services: the view is not the bench sub-catalogue")
    return shape
