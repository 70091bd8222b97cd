/**
 * The foundation schema: catalogue, the append-only stock ledger with its balances, orders and
 * their allocation, exceptions for a person to look at, the webhook inbox, the record of stock
 * pushed to the shop, and API tokens.
 *
 * The rules that must never break live here, in the database, so that no code path can get
 * round them: movements cannot be updated or deleted, a source key applies once, and available
 * stock cannot go below zero for a SKU that does not allow backorders.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000000Ledger extends Migration {
  override up(): void {
    this.addSql(catalogue);
    this.addSql(ledger);
    this.addSql(ledgerPost);
    this.addSql(orders);
    this.addSql(inbox);
    this.addSql(access);
  }

  override down(): void {
    this.addSql(`
      DROP TABLE IF EXISTS api_tokens, shopify_push_state, webhook_deliveries, stock_exceptions,
        order_events,
        order_lines, orders, stock_balances, stock_movements, inventory_items, variants,
        products, skus, shop_settings, locations CASCADE;
      DROP FUNCTION IF EXISTS ledger_post, ledger_post_many, refresh_order_allocation,
        refuse_movement_change,
        copy_backorder_policy CASCADE;
      DROP TYPE IF EXISTS movement_kind, ledger_outcome CASCADE;
    `);
  }
}

const catalogue = `
CREATE TABLE locations (
  id bigserial PRIMARY KEY,
  shopify_location_id bigint UNIQUE,
  name text NOT NULL,
  is_active boolean NOT NULL DEFAULT true,
  fulfills_online_orders boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop_settings (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  shop_domain text,
  currency char(3),
  time_zone text,
  taxes_included boolean,
  fulfilling_location_id bigint REFERENCES locations (id),
  catalogue_imported_at timestamptz
);
INSERT INTO shop_settings (id) VALUES (1);

-- A SKU is one physical item. Its code is the canonical form (trimmed, NFC, upper case) so the
-- same item typed two ways is one ledger key; the raw text is kept as it was first seen. A
-- variant with a blank SKU still gets a row, without a code, flagged for a person to name.
CREATE TABLE skus (
  id bigserial PRIMARY KEY,
  code text UNIQUE CHECK (code IS NULL OR code <> ''),
  raw_code text NOT NULL DEFAULT '',
  title text NOT NULL DEFAULT '',
  allows_backorder boolean NOT NULL DEFAULT false,
  needs_name boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id bigserial PRIMARY KEY,
  shopify_product_id bigint NOT NULL UNIQUE,
  title text NOT NULL,
  handle text,
  status text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventory_items (
  id bigserial PRIMARY KEY,
  shopify_inventory_item_id bigint NOT NULL UNIQUE,
  sku_id bigint NOT NULL REFERENCES skus (id),
  tracked boolean NOT NULL DEFAULT true
);
CREATE INDEX inventory_items_sku ON inventory_items (sku_id);

CREATE TABLE variants (
  id bigserial PRIMARY KEY,
  shopify_variant_id bigint NOT NULL UNIQUE,
  product_id bigint NOT NULL REFERENCES products (id),
  sku_id bigint NOT NULL REFERENCES skus (id),
  inventory_item_id bigint REFERENCES inventory_items (id),
  title text NOT NULL DEFAULT '',
  raw_sku text NOT NULL DEFAULT '',
  inventory_policy text NOT NULL DEFAULT 'DENY',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX variants_sku ON variants (sku_id);
`;

const ledger = `
CREATE TYPE movement_kind AS ENUM (
  'opening_balance', 'receipt', 'reservation', 'release', 'shipment', 'return', 'adjustment',
  'count', 'transfer_out', 'transfer_in'
);

-- Every change to stock, forever. The balance is never stored on a movement: it lives in
-- stock_balances and is changed in the same transaction, so parallel postings neither deadlock
-- on a running total nor force reposting.
CREATE TABLE stock_movements (
  id bigserial PRIMARY KEY,
  kind movement_kind NOT NULL,
  sku_id bigint NOT NULL REFERENCES skus (id),
  location_id bigint NOT NULL REFERENCES locations (id),
  on_hand_delta integer NOT NULL,
  reserved_delta integer NOT NULL,
  reason text,
  source_type text NOT NULL,
  source_id text,
  source_line_id text,
  source_key text NOT NULL UNIQUE,
  order_id bigint,
  actor text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CHECK (on_hand_delta <> 0 OR reserved_delta <> 0)
);
CREATE INDEX stock_movements_sku_location ON stock_movements (sku_id, location_id, id);
CREATE INDEX stock_movements_recorded ON stock_movements (recorded_at, id);
CREATE INDEX stock_movements_order ON stock_movements (order_id) WHERE order_id IS NOT NULL;

CREATE FUNCTION refuse_movement_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock movements are append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION refuse_movement_change();
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_movement_change();

-- allows_backorder is copied from the SKU so that a row-level CHECK can enforce the rule.
CREATE TABLE stock_balances (
  sku_id bigint NOT NULL REFERENCES skus (id),
  location_id bigint NOT NULL REFERENCES locations (id),
  on_hand integer NOT NULL DEFAULT 0,
  reserved integer NOT NULL DEFAULT 0,
  available integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
  allows_backorder boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sku_id, location_id),
  CONSTRAINT reserved_not_negative CHECK (reserved >= 0),
  CONSTRAINT available_not_negative CHECK (allows_backorder OR on_hand - reserved >= 0)
);

CREATE FUNCTION copy_backorder_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stock_balances SET allows_backorder = NEW.allows_backorder WHERE sku_id = NEW.id;
  RETURN NEW;
END $$;
CREATE TRIGGER skus_backorder_policy AFTER UPDATE OF allows_backorder ON skus
  FOR EACH ROW WHEN (OLD.allows_backorder IS DISTINCT FROM NEW.allows_backorder)
  EXECUTE FUNCTION copy_backorder_policy();
`;

// One posting: lock the balance row, answer from the ledger if the source key is already there,
// refuse a movement that would take available below zero, otherwise append and increment. The
// lock comes first so that a concurrent posting of the same key waits and then sees it.
const ledgerPost = `
CREATE TYPE ledger_outcome AS ENUM (
  'posted', 'exists', 'exists_with_different_quantity', 'insufficient_available',
  'reserved_below_zero'
);

CREATE FUNCTION ledger_post(
  p_kind movement_kind, p_sku_id bigint, p_location_id bigint, p_on_hand_delta integer,
  p_reserved_delta integer, p_source_key text, p_source_type text, p_source_id text,
  p_source_line_id text, p_order_id bigint, p_reason text, p_actor text, p_occurred_at timestamptz,
  OUT outcome ledger_outcome, OUT movement_id bigint, OUT on_hand integer, OUT reserved integer
) LANGUAGE plpgsql AS $$
DECLARE
  balance stock_balances%ROWTYPE;
  existing stock_movements%ROWTYPE;
BEGIN
  INSERT INTO stock_balances (sku_id, location_id, allows_backorder)
    SELECT p_sku_id, p_location_id, s.allows_backorder FROM skus s WHERE s.id = p_sku_id
    ON CONFLICT DO NOTHING;
  SELECT * INTO STRICT balance FROM stock_balances b
    WHERE b.sku_id = p_sku_id AND b.location_id = p_location_id FOR UPDATE;

  SELECT * INTO existing FROM stock_movements m WHERE m.source_key = p_source_key;
  IF FOUND THEN
    movement_id := existing.id;
    on_hand := balance.on_hand;
    reserved := balance.reserved;
    IF existing.on_hand_delta = p_on_hand_delta AND existing.reserved_delta = p_reserved_delta
       AND existing.sku_id = p_sku_id AND existing.location_id = p_location_id
       AND existing.kind = p_kind THEN
      outcome := 'exists';
    ELSE
      outcome := 'exists_with_different_quantity';
    END IF;
    RETURN;
  END IF;

  IF balance.reserved + p_reserved_delta < 0 THEN
    outcome := 'reserved_below_zero';
    on_hand := balance.on_hand;
    reserved := balance.reserved;
    RETURN;
  END IF;
  IF NOT balance.allows_backorder AND p_on_hand_delta - p_reserved_delta < 0
     AND (balance.on_hand + p_on_hand_delta) - (balance.reserved + p_reserved_delta) < 0 THEN
    outcome := 'insufficient_available';
    on_hand := balance.on_hand;
    reserved := balance.reserved;
    RETURN;
  END IF;

  INSERT INTO stock_movements (kind, sku_id, location_id, on_hand_delta, reserved_delta,
      source_key, source_type, source_id, source_line_id, order_id, reason, actor, occurred_at)
    VALUES (p_kind, p_sku_id, p_location_id, p_on_hand_delta, p_reserved_delta, p_source_key,
      p_source_type, p_source_id, p_source_line_id, p_order_id, p_reason, p_actor, p_occurred_at)
    RETURNING id INTO movement_id;
  UPDATE stock_balances b
    SET on_hand = b.on_hand + p_on_hand_delta, reserved = b.reserved + p_reserved_delta,
        updated_at = now()
    WHERE b.sku_id = p_sku_id AND b.location_id = p_location_id
    RETURNING b.on_hand, b.reserved INTO on_hand, reserved;
  outcome := 'posted';
END $$;

-- Several postings in one round trip, in the order given. Every balance row they touch is
-- locked first, in (sku, location) order, so that two batches can never deadlock.
CREATE FUNCTION ledger_post_many(p_postings jsonb)
RETURNS TABLE (ordinal integer, outcome ledger_outcome, movement_id bigint, on_hand integer,
  reserved integer)
LANGUAGE plpgsql AS $$
DECLARE
  posting jsonb;
  position integer := 0;
BEGIN
  INSERT INTO stock_balances (sku_id, location_id, allows_backorder)
    SELECT DISTINCT (p ->> 'skuId')::bigint, (p ->> 'locationId')::bigint, s.allows_backorder
    FROM jsonb_array_elements(p_postings) p
    JOIN skus s ON s.id = (p ->> 'skuId')::bigint
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM stock_balances b
    WHERE (b.sku_id, b.location_id) IN (
      SELECT (p ->> 'skuId')::bigint, (p ->> 'locationId')::bigint
      FROM jsonb_array_elements(p_postings) p)
    ORDER BY b.sku_id, b.location_id
    FOR UPDATE;

  FOR posting IN SELECT value FROM jsonb_array_elements(p_postings) LOOP
    ordinal := position;
    SELECT r.outcome, r.movement_id, r.on_hand, r.reserved
      INTO outcome, movement_id, on_hand, reserved
      FROM ledger_post(
        (posting ->> 'kind')::movement_kind, (posting ->> 'skuId')::bigint,
        (posting ->> 'locationId')::bigint, (posting ->> 'onHandDelta')::integer,
        (posting ->> 'reservedDelta')::integer, posting ->> 'sourceKey',
        posting ->> 'sourceType', posting ->> 'sourceId', posting ->> 'sourceLineId',
        (posting ->> 'orderId')::bigint, posting ->> 'reason', posting ->> 'actor',
        (posting ->> 'occurredAt')::timestamptz) r;
    RETURN NEXT;
    position := position + 1;
  END LOOP;
END $$;
`;

const orders = `
-- An order from any channel. Shopify's events may arrive in any order, so an order row can be
-- created by whichever event comes first; has_details says whether its orders/create (or a
-- later full body) has been applied yet.
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  channel text NOT NULL DEFAULT 'shopify',
  shopify_order_id bigint UNIQUE,
  name text,
  order_number integer,
  currency char(3),
  shop_currency char(3),
  total_price_minor bigint,
  financial_status text,
  has_details boolean NOT NULL DEFAULT false,
  placed_at timestamptz,
  cancelled_at timestamptz,
  allocation_state text NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_updated ON orders (updated_at DESC, id DESC);

-- Quantities per line: what was ordered, and what each kind of event has done to it. The
-- reservation still held is reserved_quantity; the counters make the outcome independent of
-- the order in which events arrive.
CREATE TABLE order_lines (
  id bigserial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id),
  shopify_line_item_id bigint UNIQUE,
  shopify_variant_id bigint,
  sku_id bigint REFERENCES skus (id),
  title text NOT NULL DEFAULT '',
  sku_text text,
  quantity integer,
  unit_price_minor bigint,
  requires_stock boolean NOT NULL DEFAULT true,
  location_id bigint REFERENCES locations (id),
  reserved_quantity integer NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
  short_quantity integer NOT NULL DEFAULT 0 CHECK (short_quantity >= 0),
  shipped_quantity integer NOT NULL DEFAULT 0 CHECK (shipped_quantity >= 0),
  cancelled_quantity integer NOT NULL DEFAULT 0 CHECK (cancelled_quantity >= 0),
  returned_quantity integer NOT NULL DEFAULT 0 CHECK (returned_quantity >= 0),
  allocation_state text NOT NULL DEFAULT 'pending'
);
CREATE INDEX order_lines_order ON order_lines (order_id);

-- The allocation state of each line and order follows from the line counters; computing it in
-- one place keeps every event handler from having its own idea of it.
CREATE FUNCTION refresh_order_allocation(p_order_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE order_lines l SET allocation_state = CASE
      WHEN NOT l.requires_stock THEN 'not_stocked'
      WHEN l.quantity IS NULL THEN 'pending'
      WHEN l.cancelled_quantity >= l.quantity THEN 'cancelled'
      WHEN l.shipped_quantity >= l.quantity - l.cancelled_quantity THEN 'shipped'
      WHEN l.short_quantity > 0 THEN 'short'
      WHEN o.cancelled_at IS NOT NULL THEN 'cancelled'
      WHEN l.reserved_quantity + l.shipped_quantity >= l.quantity - l.cancelled_quantity
        THEN 'reserved'
      ELSE 'pending' END
  FROM orders o
  WHERE o.id = l.order_id AND l.order_id = ANY(p_order_ids);

  UPDATE orders o SET updated_at = now(), allocation_state = summary.state
  FROM (
    SELECT s.id, CASE
        WHEN s.cancelled_at IS NOT NULL THEN 'cancelled'
        WHEN NOT s.has_details THEN 'pending'
        WHEN bool_or(l.allocation_state = 'short') THEN 'short'
        WHEN bool_and(l.allocation_state IN ('shipped', 'cancelled', 'not_stocked'))
          AND bool_or(l.allocation_state = 'shipped') THEN 'shipped'
        WHEN bool_or(l.allocation_state = 'shipped') THEN 'partially_shipped'
        WHEN bool_and(l.allocation_state IN ('reserved', 'shipped', 'cancelled', 'not_stocked'))
          THEN 'reserved'
        ELSE 'pending' END AS state
    FROM orders s LEFT JOIN order_lines l ON l.order_id = s.id
    WHERE s.id = ANY(p_order_ids)
    GROUP BY s.id) summary
  WHERE summary.id = o.id;
$$;

-- One row per source event that changed an order's lines (a cancellation, a refund line, a
-- fulfilment line), so that a re-sent event is recognised even when it moved no stock.
CREATE TABLE order_events (
  source_key text PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id),
  kind text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stock_exceptions (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  message text NOT NULL,
  sku_id bigint REFERENCES skus (id),
  location_id bigint REFERENCES locations (id),
  order_id bigint REFERENCES orders (id),
  details jsonb NOT NULL DEFAULT '{}',
  source_key text NOT NULL UNIQUE,
  raised_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by text,
  resolution_note text
);
CREATE INDEX stock_exceptions_open ON stock_exceptions (raised_at DESC) WHERE status = 'open';
`;

const inbox = `
-- Every webhook delivery, accepted or not, with its headers and exact bytes. first_seen marks
-- the one delivery per Shopify webhook id that is processed; repeats are kept but do nothing.
-- A delivery whose signature fails keeps only its first 64 KiB (with the full size and hash),
-- so that anyone able to reach the endpoint cannot fill the disk without the secret.
CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  channel text NOT NULL DEFAULT 'shopify',
  webhook_id text,
  topic text,
  shop_domain text,
  api_version text,
  event_id text,
  triggered_at timestamptz,
  headers jsonb NOT NULL,
  body bytea NOT NULL,
  body_size_bytes integer NOT NULL,
  body_sha256 text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected', 'processed',
    'ignored', 'failed')),
  rejection_reason text,
  first_seen boolean NOT NULL DEFAULT false,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  result jsonb,
  error text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id)
  WHERE status = 'accepted';
CREATE UNIQUE INDEX webhook_deliveries_first_seen ON webhook_deliveries (channel, webhook_id)
  WHERE first_seen;
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at DESC);

-- What the shop was last told (or last read) about available stock per inventory item and
-- location, and whether our figure has changed since: the push job reads the dirty rows.
CREATE TABLE shopify_push_state (
  inventory_item_id bigint NOT NULL REFERENCES inventory_items (id),
  location_id bigint NOT NULL REFERENCES locations (id),
  shop_available integer,
  dirty boolean NOT NULL DEFAULT false,
  version bigint NOT NULL DEFAULT 0,
  changed_at timestamptz NOT NULL DEFAULT now(),
  pushed_at timestamptz,
  PRIMARY KEY (inventory_item_id, location_id)
);
CREATE INDEX shopify_push_state_dirty ON shopify_push_state (changed_at) WHERE dirty;
`;

const access = `
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);
`;
