/**
 * The audit trail in the GraphQL API: events newest first, filtered and paged, for admins only
 * (access/policy.ts). Read-only: the trail is written by the request pipeline (plugin.ts) and
 * the CLI, never through a mutation.
 */
import { GraphQLJSONObject } from 'graphql-scalars';
import {
  Arg,
  Ctx,
  Field,
  ID,
  InputType,
  Int,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
} from 'type-graphql';

import { BadArgumentError, pageSize } from '../app/arguments.ts';
import type { RequestContext } from '../app/context.ts';
import { PageInfo } from '../ledger/graphql.ts';
import {
  actorKinds,
  auditChannels,
  auditOutcomes,
  listAuditEvents,
  type AuditRecord,
} from './audit.ts';

enum AuditOutcome {
  SUCCEEDED = 'succeeded',
  REJECTED = 'rejected',
  REFUSED = 'refused',
  FAILED = 'failed',
}
registerEnumType(AuditOutcome, {
  name: 'AuditOutcome',
  valuesConfig: {
    SUCCEEDED: { description: 'Done as asked.' },
    REJECTED: { description: 'Refused by the business rules or as malformed input.' },
    REFUSED: { description: 'The caller was not signed in or not allowed.' },
    FAILED: { description: 'An internal error; the detail carries the log reference.' },
  },
});
// Every stored outcome must exist in the GraphQL enum.
auditOutcomes.forEach((outcome) => AuditOutcome[outcomeKey(outcome)]);

enum AuditActorKind {
  USER = 'user',
  TOKEN = 'token',
  ANONYMOUS = 'anonymous',
  CLI = 'cli',
}
registerEnumType(AuditActorKind, { name: 'AuditActorKind' });
actorKinds.forEach((kind) => AuditActorKind[kind.toUpperCase() as Uppercase<typeof kind>]);

enum AuditChannel {
  GRAPHQL = 'graphql',
  CLI = 'cli',
}
registerEnumType(AuditChannel, { name: 'AuditChannel' });
auditChannels.forEach(
  (channel) => AuditChannel[channel.toUpperCase() as Uppercase<typeof channel>],
);

function outcomeKey(outcome: (typeof auditOutcomes)[number]): keyof typeof AuditOutcome {
  return outcome.toUpperCase() as keyof typeof AuditOutcome;
}

@ObjectType({ description: 'One request that changed, or tried to change, something.' })
class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'When the request was received, before it ran.' })
  occurredAt!: Date;

  @Field({ description: 'user:<id>, token:<id>, anonymous, or cli:<OS user>.' })
  actor!: string;

  @Field(() => AuditActorKind)
  actorKind!: AuditActorKind;

  @Field({ description: "The user's email, the token's name or the OS user, at the time." })
  actorLabel!: string;

  @Field({ description: 'The mutation root fields, comma-separated, or the CLI command.' })
  operation!: string;

  @Field(() => GraphQLJSONObject, {
    description:
      'The arguments per root field, secrets replaced by "[redacted]" and long values cut.',
  })
  input!: Record<string, unknown>;

  @Field(() => AuditOutcome, { nullable: true, description: 'Null while the request runs.' })
  outcome!: AuditOutcome | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Error codes and messages: top-level errors and payload errors.',
  })
  outcomeDetail!: Record<string, unknown> | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who the request was about, e.g. user:<id> for a sign-in.',
  })
  subject!: string | null;

  @Field(() => String, { nullable: true })
  sourceAddress!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => AuditChannel)
  channel!: AuditChannel;
}

@ObjectType()
class AuditEventEdge {
  @Field()
  cursor!: string;

  @Field(() => AuditEvent)
  node!: AuditEvent;
}

@ObjectType()
class AuditEventConnection {
  @Field(() => [AuditEventEdge])
  edges!: AuditEventEdge[];

  @Field(() => [AuditEvent])
  nodes!: AuditEvent[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
class AuditFilter {
  @Field(() => String, {
    nullable: true,
    description: 'user:<id>, token:<id>, anonymous, cli:<OS user>, or the label (an email).',
  })
  actor?: string | null;

  @Field(() => AuditActorKind, { nullable: true })
  actorKind?: AuditActorKind | null;

  @Field(() => String, {
    nullable: true,
    description: 'A mutation root field (receiveStock) or a CLI command (qm tokens create).',
  })
  operation?: string | null;

  @Field(() => AuditOutcome, { nullable: true })
  outcome?: AuditOutcome | null;

  @Field(() => Date, { nullable: true, description: 'Occurred at or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Occurred before.' })
  before?: Date | null;
}

@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'The audit trail, newest first.' })
  async auditEvents(
    @Ctx() { pool }: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | null | undefined,
  ): Promise<AuditEventConnection> {
    const limit = pageSize(first);
    const beforeId = after == null ? null : decodeCursor(after);

    const found = await listAuditEvents(pool, filter ?? {}, { limit: limit + 1, beforeId });
    const nodes = found.slice(0, limit).map(eventOf);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      nodes,
      pageInfo: { hasNextPage: found.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }
}

function eventOf(record: AuditRecord): AuditEvent {
  return {
    ...record,
    actorKind: record.actorKind as AuditActorKind,
    outcome: record.outcome as AuditOutcome | null,
    channel: record.channel as AuditChannel,
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(`audit:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^audit:(\d{1,18})$/.exec(decoded);
  if (match?.[1] === undefined) {
    throw new BadArgumentError(
      'after',
      `"${cursor.slice(0, 40)}" is not a cursor this API gave out`,
    );
  }
  return match[1];
}
