/**
 * Running documents against the API with every failure routed to the one error handler, so a
 * screen only has to deal with "I have data" or "I have none" (the banner tells the person why).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { AnyVariables, Client, OperationResult } from '@urql/core';

import { AdminError } from './admin-error';
import { clearProblem, reportError } from './problem.svelte';

/** Runs a query; its data, or null once the failure has been reported. */
export async function fetchData<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data | null> {
  const result = await client.query(document, variables).toPromise();
  return dataOf(result);
}

/**
 * Runs a mutation; its data, or null once the failure has been reported. Refusals listed in the
 * payload are data: the screen shows them beside what they are about.
 */
export async function mutateData<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data | null> {
  const result = await client.mutation(document, variables).toPromise();
  return dataOf(result);
}

/**
 * Subscribes; `onData` hears every event that arrives with data. Returns the unsubscribe
 * function, for an effect's cleanup.
 */
export function watchData<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  onData: (data: Data) => void,
): () => void {
  const subscription = client.subscription(document, variables).subscribe((result) => {
    const data = dataOf(result);
    if (data !== null) {
      onData(data);
    }
  });
  return () => subscription.unsubscribe();
}

function dataOf<Data>(result: OperationResult<Data>): Data | null {
  if (result.error !== undefined) {
    reportError(result.error);
    return null;
  }
  if (result.data === undefined || result.data === null) {
    reportError(new AdminError('unexpected', 'The API answered without any data.'));
    return null;
  }
  // The API answered, so whatever network trouble the banner showed is over.
  clearProblem('network');
  return result.data;
}
