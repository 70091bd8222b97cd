/**
 * Accounting: the settings that map Shopify's figures onto the shop's chart of accounts, and one
 * row per invoice or credit note with its push state.
 *
 * A document's source key (`shopify:order:<id>:invoice`, `shopify:refund:<id>:credit_note`) is
 * unique, so a replayed webhook, a retried job or two workers can never make a second document
 * for the same order or refund. Once a document is pushed, what it says is frozen by a trigger:
 * a correction is a credit note, never an edit.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204000000Accounting extends Migration {
  override up(): void {
    this.addSql(settings);
    this.addSql(documents);
  }

  override down(): void {
    this.addSql(`
      DROP TABLE IF EXISTS accounting_documents;
      DROP FUNCTION IF EXISTS refuse_pushed_document_change();
      DROP TABLE IF EXISTS accounting_connector_state;
      DROP TABLE IF EXISTS accounting_settings;
    `);
  }
}

const settings = `
-- One row: the shop's mapping, edited by finance in the admin. Defaults are a UK chart:
-- 200 Sales, 260 Other Revenue (delivery), 860 Rounding, VAT at 20% as OUTPUT2.
CREATE TABLE accounting_settings (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  invoice_trigger text NOT NULL DEFAULT 'orders/paid'
    CHECK (invoice_trigger IN ('orders/paid', 'orders/create')),
  invoice_number_pattern text NOT NULL DEFAULT 'SHP-{order_number}',
  credit_note_number_pattern text NOT NULL DEFAULT 'SHP-{order_number}-R{refund_number}',
  sales_account text NOT NULL DEFAULT '200',
  shipping_account text NOT NULL DEFAULT '260',
  rounding_account text NOT NULL DEFAULT '860',
  refund_adjustment_account text NOT NULL DEFAULT '200',
  restocking_fee_account text NOT NULL DEFAULT '200',
  gift_card_account text,
  taxed_tax_type text NOT NULL DEFAULT 'OUTPUT2',
  untaxed_tax_type text NOT NULL DEFAULT 'ZERORATEDOUTPUT',
  out_of_scope_tax_type text NOT NULL DEFAULT 'NONE',
  -- QuickBooks knows tax codes and items by company-specific ids; null means "find by name".
  quickbooks_taxed_tax_code text,
  quickbooks_untaxed_tax_code text,
  quickbooks_shipping_item text,
  quickbooks_other_item text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text,
  CONSTRAINT accounting_settings_codes_present CHECK (
    length(trim(sales_account)) > 0 AND length(trim(shipping_account)) > 0
    AND length(trim(rounding_account)) > 0 AND length(trim(refund_adjustment_account)) > 0
    AND length(trim(restocking_fee_account)) > 0 AND length(trim(taxed_tax_type)) > 0
    AND length(trim(untaxed_tax_type)) > 0 AND length(trim(out_of_scope_tax_type)) > 0
  )
);
INSERT INTO accounting_settings (id) VALUES (1);

-- Per platform: when the queue may next call it. A daily limit parks pushing until the reset.
CREATE TABLE accounting_connector_state (
  platform text PRIMARY KEY CHECK (platform IN ('xero', 'quickbooks')),
  parked_until timestamptz,
  parked_reason text,
  -- QuickBooks replaces its refresh token as it is used: the newest one, and a digest of the
  -- configured token it descends from (a newly configured token wins over it).
  refresh_token text,
  refresh_token_origin text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;

const documents = `
-- status: waiting (a credit note whose invoice is not pushed yet, or not made yet), pending
-- (queued for pushing), pushed, failed (the reason says what a person must fix; a retry sets
-- it back to pending), void (an order cancelled before it was confirmed: never to be pushed).
CREATE TABLE accounting_documents (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  source_key text NOT NULL UNIQUE,
  order_id bigint REFERENCES orders (id),
  shopify_order_id bigint NOT NULL,
  shopify_refund_id bigint,
  invoice_id bigint REFERENCES accounting_documents (id),
  number text,
  currency char(3),
  subtotal_minor bigint,
  tax_minor bigint,
  total_minor bigint,
  document_date date,
  -- The built document (lines, customer, rate) exactly as pushed; null until it could be built.
  document jsonb,
  -- What it was built from: the Shopify order body, or for a credit note the refund body.
  source jsonb NOT NULL,
  alerts jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('waiting', 'pending', 'pushed', 'failed', 'void')),
  platform text CHECK (platform IN ('xero', 'quickbooks')),
  platform_id text,
  platform_number text,
  platform_total_minor bigint,
  -- A digest of the document last sent whose outcome is not known yet (a lost answer, a
  -- crash): until the platform answers for it, that same document is sent again, never a
  -- rebuilt one, so the platform recognises it. Cleared by a refusal.
  idempotency_key text,
  -- Credit notes only: whether the credit is applied to its invoice on the platform.
  allocation_status text
    CHECK (allocation_status IN ('pending', 'allocated', 'not_needed', 'failed')),
  allocated_minor bigint,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  failure_reason text,
  failure_details jsonb,
  -- Credit notes only: the refund's 1-based position among the order's credit notes, fixed
  -- when the credit note is first built so that a rebuild keeps its number.
  refund_number integer CHECK (refund_number > 0),
  -- Who last set a failed document back to pending.
  retried_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  pushed_at timestamptz,
  CONSTRAINT accounting_documents_refund_only_on_credit_notes
    CHECK ((kind = 'credit_note') = (shopify_refund_id IS NOT NULL)),
  CONSTRAINT accounting_documents_pushed_complete
    CHECK (status <> 'pushed' OR (platform IS NOT NULL AND platform_id IS NOT NULL
      AND document IS NOT NULL))
);
CREATE UNIQUE INDEX accounting_documents_number ON accounting_documents (kind, number);
CREATE UNIQUE INDEX accounting_documents_platform_id
  ON accounting_documents (platform, platform_id) WHERE platform_id IS NOT NULL;
CREATE INDEX accounting_documents_due ON accounting_documents (next_attempt_at, id)
  WHERE status = 'pending' OR (status = 'pushed' AND allocation_status = 'pending');
CREATE INDEX accounting_documents_by_order ON accounting_documents (shopify_order_id, id);
CREATE INDEX accounting_documents_by_status ON accounting_documents (status, updated_at DESC, id);

CREATE FUNCTION refuse_pushed_document_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'pushed' THEN
      RAISE EXCEPTION 'accounting document % is pushed and cannot be deleted', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'pushed' AND (
    NEW.status IS DISTINCT FROM OLD.status OR NEW.document IS DISTINCT FROM OLD.document
    OR NEW.number IS DISTINCT FROM OLD.number OR NEW.total_minor IS DISTINCT FROM OLD.total_minor
    OR NEW.tax_minor IS DISTINCT FROM OLD.tax_minor OR NEW.currency IS DISTINCT FROM OLD.currency
    OR NEW.platform_id IS DISTINCT FROM OLD.platform_id
  ) THEN
    RAISE EXCEPTION 'accounting document % is pushed: correct it with a credit note', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER accounting_documents_frozen_when_pushed
  BEFORE UPDATE OR DELETE ON accounting_documents
  FOR EACH ROW EXECUTE FUNCTION refuse_pushed_document_change();
`;
