/**
 * One Xero contact per Shopify customer, found by its ContactNumber (`SHOPIFY-<customer id>`)
 * and created when missing, so that documents name their contact by ContactID.
 *
 * Why not the inline contact the mapping writes: Xero matches an inline contact by number and
 * otherwise by name, so a new customer who shares a name with an existing contact (two people
 * called Ann Lee, or a supplier) would silently get the other contact's invoices. Xero also
 * refuses a second active contact with the same name; such a customer is created as
 * `Name (SHOPIFY-<id>)`, the same name every time, and found by number afterwards.
 *
 * Contacts of one batch are looked up in one call and created in one more. Resolutions run one
 * at a time in this process, so that two pushes for a new customer never create it twice.
 * Leaves out: updating a contact's details (address, email) when the customer's details
 * change, and archived contacts (a customer whose contact was archived gets a new one).
 * Orders without a customer all carry the reference `SHOPIFY-GUEST` and so share one contact,
 * named after the first such order's buyer; a contact per guest would need the mapping
 * (documents.ts) to give guest orders references of their own.
 */
import { z } from 'zod';

import type { Logger } from '../../platform/logger.ts';
import type { DocumentCustomer } from '../types.ts';
import { messagesOf, validationElementsOf, whereText } from './answers.ts';
import type { XeroClient } from './client.ts';
import { type XeroContact, xeroContact } from './documents.ts';

/** The contact a customer's documents go to, or why there is none. */
export type ContactResolution =
  { contactId: string } | { refused: true; reason: string; details: unknown };

const contactNameLengthMax = 255;
const zeroId = '00000000-0000-0000-0000-000000000000';
/** References per lookup call, keeping the `where` filter well inside a URL's length. */
const lookupChunkSize = 20;

const contactsAnswerSchema = z.object({
  Contacts: z.array(
    z
      .object({
        ContactID: z.string(),
        ContactNumber: z.string().optional(),
        Name: z.string().optional(),
        ContactStatus: z.string().optional(),
      })
      .loose(),
  ),
});

type ContactAnswer = z.infer<typeof contactsAnswerSchema>['Contacts'][number];

export class XeroContacts {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: XeroClient,
    private readonly logger: Logger,
  ) {}

  /** The contact of each customer, by the customer's reference. */
  resolve(customers: DocumentCustomer[]): Promise<Map<string, ContactResolution>> {
    const result = this.turn.then(() => this.resolveNow(customers));
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async resolveNow(customers: DocumentCustomer[]) {
    const byReference = new Map(customers.map((customer) => [customer.reference, customer]));
    const resolutions = await this.find([...byReference.keys()]);

    const missing = [...byReference.values()].filter(
      (customer) => !resolutions.has(customer.reference),
    );
    if (missing.length === 0) {
      return resolutions;
    }

    const created = await this.create(missing, (customer) => xeroContact(customer));
    const clashing = missing.filter((customer) => created.get(customer.reference) === undefined);
    const renamed =
      clashing.length === 0
        ? new Map<string, ContactResolution>()
        : await this.create(clashing, (customer) => ({
            ...xeroContact(customer),
            Name: distinctName(customer),
          }));

    for (const customer of missing) {
      const resolution = created.get(customer.reference) ?? renamed.get(customer.reference);
      if (resolution) {
        resolutions.set(customer.reference, resolution);
      }
    }
    return resolutions;
  }

  /** Active contacts with these ContactNumbers; the lowest ContactID wins a tie. */
  private async find(references: string[]): Promise<Map<string, ContactResolution>> {
    const found = new Map<string, ContactResolution>();

    for (let start = 0; start < references.length; start += lookupChunkSize) {
      const chunk = references.slice(start, start + lookupChunkSize);
      const where = chunk.map((reference) => `ContactNumber==${whereText(reference)}`).join(' OR ');
      const answer = await this.client.call({
        method: 'GET',
        path: `/api.xro/2.0/Contacts?where=${encodeURIComponent(where)}`,
        operation: 'find contacts',
      });

      const contacts = contactsOf(answer.status, answer.body, 'find contacts');
      for (const reference of chunk) {
        const [chosen] = contacts
          .filter((contact) => contact.ContactNumber === reference)
          .filter((contact) => (contact.ContactStatus ?? 'ACTIVE') === 'ACTIVE')
          .sort((left, right) => (left.ContactID < right.ContactID ? -1 : 1));
        if (chosen) {
          found.set(reference, { contactId: chosen.ContactID });
        }
      }
    }
    return found;
  }

  /**
   * Creates the customers' contacts in one call. A customer Xero refused is left out of the
   * answer when the refusal may be a name clash (to be tried again under a distinct name), and
   * answered refused when the name was already the distinct one.
   */
  private async create(
    customers: DocumentCustomer[],
    contactOf: (customer: DocumentCustomer) => XeroContact,
  ): Promise<Map<string, ContactResolution>> {
    const elements = customers.map(contactOf);
    const answer = await this.client.call({
      method: 'PUT',
      path: '/api.xro/2.0/Contacts?summarizeErrors=false',
      body: { Contacts: elements },
      operation: 'create contacts',
    });

    const results = new Map<string, ContactResolution>();
    const answered = answer.status === 200 ? contactElementsOf(answer.body) : undefined;
    const refusals = answered === undefined ? validationElementsOf(answer.body) : undefined;

    customers.forEach((customer, index) => {
      const element = answered?.[index];
      const isDistinct = elements[index]?.Name === distinctName(customer);

      const isCreated =
        element?.ContactID !== undefined &&
        element.ContactID !== zeroId &&
        element.StatusAttributeString !== 'ERROR' &&
        element.HasErrors !== true;

      if (element?.ContactID !== undefined && isCreated) {
        this.logger.info(
          { contactId: element.ContactID, reference: customer.reference },
          'xero contact created',
        );
        results.set(customer.reference, { contactId: element.ContactID });
      } else if (isDistinct) {
        const details = element ?? refusals?.[index] ?? answer.body;
        const messages = messagesOf(details);
        const reason =
          `Xero refused the contact for customer ${customer.reference}: ` +
          (messages.length > 0 ? messages.join('; ') : `HTTP ${answer.status}`);
        results.set(customer.reference, { refused: true, reason, details });
      }
    });
    return results;
  }
}

/** The name a customer's contact takes when its own name belongs to another contact. */
export function distinctName(customer: DocumentCustomer): string {
  const suffix = ` (${customer.reference})`;
  const name = customer.name.trim().slice(0, contactNameLengthMax - suffix.length);
  return `${name}${suffix}`;
}

function contactsOf(status: number, body: unknown, operation: string): ContactAnswer[] {
  const parsed = contactsAnswerSchema.safeParse(body);
  if (status !== 200 || !parsed.success) {
    throw new Error(`Xero answered ${operation} with HTTP ${status} and no list of contacts`);
  }
  return parsed.data.Contacts;
}

const createdContactsSchema = z.object({
  Contacts: z.array(
    z
      .object({
        ContactID: z.string().optional(),
        StatusAttributeString: z.string().optional(),
        HasErrors: z.boolean().optional(),
      })
      .loose(),
  ),
});

function contactElementsOf(body: unknown) {
  return createdContactsSchema.safeParse(body).data?.Contacts;
}
