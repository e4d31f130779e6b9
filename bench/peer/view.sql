-- The peer's customer view: the view of one customer on one day, computed in
-- PostgreSQL from Vitrine's own tables by Vitrine's rules, as ONE json value.
-- PostGraphile serves `peer.customer_view` as the GraphQL query field
-- `customerView(customer: String!, day: Date!): JSON`.
--
-- The rules (those of src/catalogue/view.rs):
-- - the offerings that are 'active' and inside their validity window on the
--   day, and designed for one of the customer's consumer groups or covered
--   by one of its agreements that is 'active' and in force that day; ordered
--   by id;
-- - for each, its 'active' prices (ordered by id), its elements and service
--   levels (in position order), and its services in portfolio stage
--   'catalogue' (ordered by id); for each service its outcomes (in position
--   order) and the components of its products (products ordered by id, then
--   components by id) whose visibility is 'customer' and that have a
--   customer label, shown by label and description only;
-- - the overlays of the customer's groups that the offering is designed for,
--   by precedence: the highest priority first, then the smallest group id.
--   Name and description: the first overlay that sets one, else the
--   offering's. Service levels: those of the first overlay that overrides
--   them, else the offering's. Each price's amount: the first overlay that
--   tailors that price, else the price's own;
-- - the customer's agreements, ordered by id, each naming its offering only
--   when that offering is in the view.
-- Ids are UUID strings in their canonical lowercase form, so that the byte
-- order ("C" collation) of the text is the order of the UUIDs.
--
-- The result has the keys and the key order of Vitrine's JSON answer, so that
-- both may be compared whole. It is null when no customer has that id.
--
-- Idempotent: load it again at will.

CREATE SCHEMA IF NOT EXISTS peer;

COMMENT ON SCHEMA peer IS 'The benchmark peer: the customer view computed in SQL, served by PostGraphile.';

-- PL/pgSQL rather than a plain SQL function: its statement is prepared once
-- per connection and its plan kept, as an application's prepared statement.
CREATE OR REPLACE FUNCTION peer.customer_view(customer text, day date)
RETURNS json
LANGUAGE plpgsql
STABLE
STRICT
PARALLEL SAFE
AS $fn$
BEGIN
    RETURN (
        WITH
        -- The customer's consumer groups.
        grp AS (
            SELECT ccg.consumer_group_id AS id
            FROM public.customer_consumer_groups ccg
            WHERE ccg.customer_id = customer_view.customer
        ),
        -- The offerings covered by an agreement in force on the day.
        covered AS (
            SELECT a.offering_id AS id
            FROM public.agreements a
            WHERE a.customer_id = customer_view.customer
              AND a.status = 'active'
              AND (a.starts_on IS NULL OR a.starts_on <= customer_view.day)
              AND (a.ends_on IS NULL OR customer_view.day <= a.ends_on)
        ),
        -- The offerings of the view.
        shown AS (
            SELECT o.*
            FROM public.offerings o
            WHERE o.id IN (
                    SELECT ocg.offering_id
                    FROM public.offering_consumer_groups ocg
                    WHERE ocg.consumer_group_id IN (SELECT id FROM grp)
                    UNION
                    SELECT id FROM covered
                )
              AND o.status = 'active'
              AND (o.valid_from IS NULL OR o.valid_from <= customer_view.day)
              AND (o.valid_to IS NULL OR customer_view.day <= o.valid_to)
        ),
        -- The overlays that apply to each offering of the view, ranked by
        -- precedence (rank 1 first).
        applied AS (
            SELECT v.*,
                   row_number() OVER (
                       PARTITION BY v.offering_id
                       ORDER BY v.priority DESC, v.consumer_group_id COLLATE "C"
                   ) AS rank
            FROM public.overlays v
            JOIN shown s ON s.id = v.offering_id
            WHERE v.consumer_group_id IN (SELECT id FROM grp)
              AND EXISTS (
                  SELECT 1 FROM public.offering_consumer_groups ocg
                  WHERE ocg.offering_id = v.offering_id
                    AND ocg.consumer_group_id = v.consumer_group_id
              )
        )
        SELECT json_build_object(
            'customer', json_build_object('id', c.id, 'name', c.name),
            'on', customer_view.day,
            'offerings', COALESCE((
                SELECT json_agg(
                    json_build_object(
                        'id', o.id,
                        'name', COALESCE((
                            SELECT v.name FROM applied v
                            WHERE v.offering_id = o.id AND v.name IS NOT NULL
                            ORDER BY v.rank LIMIT 1
                        ), o.name),
                        'description', COALESCE((
                            SELECT v.description FROM applied v
                            WHERE v.offering_id = o.id AND v.description IS NOT NULL
                            ORDER BY v.rank LIMIT 1
                        ), o.description),
                        'elements', COALESCE((
                            SELECT json_agg(
                                json_build_object(
                                    'kind', e.kind,
                                    'name', e.name,
                                    'description', e.description
                                ) ORDER BY e.position)
                            FROM public.offering_elements e
                            WHERE e.offering_id = o.id
                        ), '[]'::json),
                        'prices', COALESCE((
                            SELECT json_agg(
                                json_build_object(
                                    'id', p.id,
                                    'name', p.name,
                                    'description', p.description,
                                    'price_type', p.price_type,
                                    'price', CASE
                                        WHEN t.amount IS NOT NULL THEN
                                            json_build_object('amount', t.amount, 'currency', t.currency)
                                        WHEN p.amount IS NOT NULL AND p.currency IS NOT NULL THEN
                                            json_build_object('amount', p.amount, 'currency', p.currency)
                                    END,
                                    'recurring_period', p.recurring_period,
                                    'unit_of_measure', p.unit_of_measure
                                ) ORDER BY p.id COLLATE "C")
                            FROM public.offering_prices op
                            JOIN public.prices p ON p.id = op.price_id AND p.status = 'active'
                            LEFT JOIN LATERAL (
                                SELECT vp.amount, vp.currency
                                FROM applied v
                                JOIN public.overlay_prices vp ON vp.overlay_id = v.id
                                WHERE v.offering_id = o.id AND vp.price_id = p.id
                                ORDER BY v.rank, vp.position
                                LIMIT 1
                            ) t ON true
                            WHERE op.offering_id = o.id
                        ), '[]'::json),
                        'service_levels', COALESCE((
                            -- the overlay's levels replace the offering's
                            SELECT json_agg(
                                json_build_object(
                                    'metric', l.metric,
                                    'target', l.target,
                                    'unit', l.unit
                                ) ORDER BY l.position)
                            FROM (
                                SELECT metric, target, unit, position
                                FROM public.overlay_service_levels
                                WHERE ov.id IS NOT NULL AND overlay_id = ov.id
                                UNION ALL
                                SELECT metric, target, unit, position
                                FROM public.offering_service_levels
                                WHERE ov.id IS NULL AND offering_id = o.id
                            ) l
                        ), '[]'::json),
                        'valid_from', o.valid_from,
                        'valid_to', o.valid_to,
                        'services', COALESCE((
                            SELECT json_agg(
                                json_build_object(
                                    'id', s.id,
                                    'name', s.name,
                                    'description', s.description,
                                    'utility', json_build_object(
                                        'purpose', s.purpose,
                                        'outcomes', COALESCE((
                                            SELECT json_agg(so.outcome ORDER BY so.position)
                                            FROM public.service_outcomes so
                                            WHERE so.service_id = s.id
                                        ), '[]'::json)
                                    ),
                                    'warranty', json_build_object(
                                        'availability_target', s.availability_target,
                                        'support_hours', s.support_hours
                                    ),
                                    'components', COALESCE((
                                        SELECT json_agg(
                                            json_build_object(
                                                'label', k.customer_label,
                                                'description', k.customer_description
                                            ) ORDER BY sp.product_id COLLATE "C", k.id COLLATE "C")
                                        FROM public.service_products sp
                                        JOIN public.components k ON k.product_id = sp.product_id
                                        WHERE sp.service_id = s.id
                                          AND k.visibility = 'customer'
                                          AND k.customer_label IS NOT NULL
                                    ), '[]'::json)
                                ) ORDER BY s.id COLLATE "C")
                            FROM public.offering_services os
                            JOIN public.services s ON s.id = os.service_id
                            WHERE os.offering_id = o.id
                              AND s.portfolio_stage = 'catalogue'
                        ), '[]'::json)
                    ) ORDER BY o.id COLLATE "C")
                FROM shown o
                -- The first overlay that overrides the service levels, if
                -- any: its levels replace the offering's (even when empty).
                LEFT JOIN LATERAL (
                    SELECT v.id FROM applied v
                    WHERE v.offering_id = o.id AND v.overrides_service_levels
                    ORDER BY v.rank LIMIT 1
                ) ov ON true
            ), '[]'::json),
            'agreements', COALESCE((
                SELECT json_agg(
                    json_build_object(
                        'id', a.id,
                        'offering_id', CASE
                            WHEN a.offering_id IN (SELECT id FROM shown) THEN a.offering_id
                        END,
                        'status', a.status,
                        'starts_on', a.starts_on,
                        'ends_on', a.ends_on
                    ) ORDER BY a.id COLLATE "C")
                FROM public.agreements a
                WHERE a.customer_id = customer_view.customer
            ), '[]'::json)
        )
        FROM public.customers c
        WHERE c.id = customer_view.customer
    );
END;
$fn$;

COMMENT ON FUNCTION peer.customer_view(text, date) IS
    'The view of a customer on a day, as Vitrine computes it (GET /api/v1/customers/{id}/view?on=day).';
