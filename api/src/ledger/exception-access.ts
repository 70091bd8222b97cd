/**
 * Which exceptions a caller may read and resolve, by area, as the access policy's
 * exceptionAreaRules say. The policy's field rules only let in a caller who may read (or
 * resolve) some area; what follows narrows each request to the rows of the caller's areas.
 */
import type { Caller } from '../access/callers.ts';
import { decide, refusal } from '../access/guard.ts';
import { describeRule, exceptionAreaRules } from '../access/policy.ts';
import { kindsOfAreas, type ExceptionArea, type ExceptionKind } from './exceptions.ts';

const areas: readonly ExceptionArea[] = ['stock', 'accounting'];

export type ExceptionAction = 'read' | 'resolve';

/** The areas whose exceptions the caller may read, or resolve. */
export function areasFor(caller: Caller, action: ExceptionAction): ExceptionArea[] {
  return areas.filter((area) => decide(exceptionAreaRules[area][action], caller) === 'allowed');
}

/** The kinds of exception the caller may read, or resolve. */
export function kindsFor(caller: Caller, action: ExceptionAction): ExceptionKind[] {
  return kindsOfAreas(areasFor(caller, action));
}

/** The refusal of an area to a caller, naming the request and the permission it needs. */
export function areaRefusal(
  caller: Caller,
  area: ExceptionArea,
  action: ExceptionAction,
  at: string,
) {
  const rule = exceptionAreaRules[area][action];
  return refusal(decide(rule, caller), at, rule);
}

/**
 * The message of a refused resolution: the caller may resolve one area (or the field would
 * have refused them), so the exception is of the other.
 */
export function resolveRefusalMessage(caller: Caller): string {
  const refused = areas.find((area) => !areasFor(caller, 'resolve').includes(area)) ?? 'stock';
  const rule = exceptionAreaRules[refused].resolve;
  return (
    `Resolving ${refused} exceptions needs ${describeRule(rule)}, ` +
    'which this caller does not have'
  );
}
