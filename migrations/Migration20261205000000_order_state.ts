/**
 * When the shop last changed each order, as the newest body applied to it says (its
 * `updated_at`). Order bodies arrive in any order; one older than this, arriving late, must not
 * put back an older financial status or total.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261205000000OrderState extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE orders ADD COLUMN shop_updated_at timestamptz;');
  }

  override down(): void {
    this.addSql('ALTER TABLE orders DROP COLUMN IF EXISTS shop_updated_at;');
  }
}
