/**
 * Money as the API shows it: an integer amount of minor units with its ISO 4217 currency, never
 * a float. Conversion between currencies is not done anywhere in the API: each amount is shown
 * in the currency it was recorded in.
 */
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An amount of money: integer minor units of an ISO 4217 currency.' })
export class Money {
  /**
   * Pence for GBP, cents for EUR, yen for JPY. GraphQL's Int holds up to 2,147,483,647, i.e.
   * about 21 million in a two-decimal currency; a larger amount fails the field with an error
   * rather than being rounded. Carrying larger amounts would need a decimal-string scalar.
   */
  @Field(() => Int, { description: 'Minor units: pence for GBP, cents for EUR, yen for JPY.' })
  amountMinor!: number;

  @Field({ description: 'ISO 4217 code, e.g. GBP.' })
  currency!: string;
}

/** The amount as Money, or null when either half is missing (not known, not set). */
export function moneyOf(
  amountMinor: number | string | null | undefined,
  currency: string | null | undefined,
): Money | null {
  if (amountMinor === null || amountMinor === undefined || currency == null || currency === '') {
    return null;
  }
  return { amountMinor: Number(amountMinor), currency: currency.trim() };
}
