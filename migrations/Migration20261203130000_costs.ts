/**
 * What a SKU costs to buy: an amount in integer minor units with its ISO 4217 currency, both
 * set or both absent. Only finance reads or writes it; prices the customer paid stay on the
 * orders. Where the cost comes from (a person, later the shop's inventory item) is not recorded
 * here.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203130000Costs extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE skus
        ADD COLUMN unit_cost_minor bigint,
        ADD COLUMN unit_cost_currency char(3),
        ADD CONSTRAINT skus_unit_cost_complete
          CHECK ((unit_cost_minor IS NULL) = (unit_cost_currency IS NULL)),
        ADD CONSTRAINT skus_unit_cost_not_negative CHECK (unit_cost_minor >= 0),
        ADD CONSTRAINT skus_unit_cost_currency_code CHECK (unit_cost_currency ~ '^[A-Z]{3}$');
    `);
  }

  override down(): void {
    this.addSql(`
      ALTER TABLE skus
        DROP CONSTRAINT IF EXISTS skus_unit_cost_currency_code,
        DROP CONSTRAINT IF EXISTS skus_unit_cost_not_negative,
        DROP CONSTRAINT IF EXISTS skus_unit_cost_complete,
        DROP COLUMN IF EXISTS unit_cost_currency,
        DROP COLUMN IF EXISTS unit_cost_minor;
    `);
  }
}
