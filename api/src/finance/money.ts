/**
 * Money as the API shows it: an integer amount of minor units with its ISO 4217 currency, never
 * a float. Conversion between currencies is not done anywhere in the API: each amount is shown
 * in the currency it was recorded in.
 */
import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

/**
 * The GraphQL type of every amount in minor units, read or written: a whole number up to
 * Number.MAX_SAFE_INTEGER (9,007,199,254,740,991) either way, which JSON and JavaScript carry
 * exactly. GraphQL's Int stops at 2,147,483,647, only about 21 million in a two-decimal
 * currency. A larger amount is refused, never rounded: in a variable as BAD_USER_INPUT naming
 * where it was, written into the document as GRAPHQL_VALIDATION_FAILED pointing at it. The API
 * never holds one to show: amounts from Shopify are checked as they are read (shopify/money.ts).
 */
export const MinorUnits = GraphQLSafeInt;

@ObjectType({ description: 'An amount of money: integer minor units of an ISO 4217 currency.' })
export class Money {
  @Field(() => MinorUnits, {
    description: 'Minor units: pence for GBP, cents for EUR, yen for JPY.',
  })
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
