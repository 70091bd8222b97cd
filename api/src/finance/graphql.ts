/**
 * Finance in the GraphQL API: setting a SKU's unit cost. The money fields themselves (an
 * order's total, a line's unit price, a SKU's unit cost) live on their types; the policy makes
 * every one of them finance:read, whichever path reaches it. Business refusals come back in the
 * payload's `errors`.
 */
import {
  Arg,
  Ctx,
  Field,
  ID,
  InputType,
  Mutation,
  ObjectType,
  registerEnumType,
  Resolver,
} from 'type-graphql';

import type { RequestContext } from '../app/context.ts';
import { Sku } from '../catalogue/entities.ts';
import { costErrorCodes, setUnitCost } from './costs.ts';
import { MinorUnits } from './money.ts';

enum CostErrorCode {
  SKU_NOT_FOUND = 'SKU_NOT_FOUND',
  INVALID_AMOUNT = 'INVALID_AMOUNT',
  INVALID_CURRENCY = 'INVALID_CURRENCY',
  CURRENCY_REQUIRED = 'CURRENCY_REQUIRED',
}
registerEnumType(CostErrorCode, { name: 'CostErrorCode' });
// The service's codes must all exist in the GraphQL enum.
costErrorCodes.forEach((code) => CostErrorCode[code]);

@ObjectType()
class CostError {
  @Field({ description: 'The input field at fault.' })
  field!: string;

  @Field(() => CostErrorCode)
  code!: CostErrorCode;

  @Field()
  message!: string;
}

@InputType()
class SetUnitCostInput {
  @Field(() => ID)
  skuId!: string;

  @Field(() => MinorUnits, { description: 'Minor units of the currency: pence for GBP.' })
  amountMinor!: number;

  @Field(() => String, {
    nullable: true,
    description: "ISO 4217 code; the shop's currency when left out.",
  })
  currency?: string | null;
}

@ObjectType()
class SetUnitCostPayload {
  @Field(() => Sku, { nullable: true, description: 'The SKU with its new cost; null if refused.' })
  sku!: Sku | null;

  @Field(() => [CostError])
  errors!: CostError[];
}

@Resolver()
export class FinanceResolver {
  @Mutation(() => SetUnitCostPayload, { description: 'Sets what one unit of a SKU costs to buy.' })
  async setUnitCost(
    @Ctx() { pool, em }: RequestContext,
    @Arg('input', () => SetUnitCostInput) input: SetUnitCostInput,
  ): Promise<SetUnitCostPayload> {
    const result = await setUnitCost(pool, input);
    if (result.skuId === null) {
      return {
        sku: null,
        errors: result.errors.map((error) => ({ ...error, code: CostErrorCode[error.code] })),
      };
    }
    return { sku: await em.findOneOrFail(Sku, result.skuId), errors: [] };
  }
}
