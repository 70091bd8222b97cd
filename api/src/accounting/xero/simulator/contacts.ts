// Contacts: created by PUT (a name already used by an active contact is refused, as Xero
// refuses it), created or updated by POST (an element with a ContactID updates that contact).
// Leaves out: contact groups, persons, payment terms and archiving through the API.
import { randomUUID } from 'node:crypto';

import {
  type JsonAnswer,
  elementsOf,
  envelope,
  isObject,
  newContactFields,
  postDataInvalid,
  validationException,
} from './documents.ts';
import type { ContactRecord, XeroSimulatorStore } from './store.ts';

interface ContactCall {
  store: XeroSimulatorStore;
  method: 'PUT' | 'POST';
  summarizeErrors: boolean;
  providerName: string;
}

/** `PUT` or `POST /Contacts`. */
export function saveContacts(body: unknown, call: ContactCall): JsonAnswer {
  const { store } = call;
  const elements = elementsOf(body, 'Contacts');
  if (!elements || elements.length === 0) {
    return postDataInvalid('The body must hold Contacts: an array of elements.');
  }

  const namesInCall = new Set<string>();
  const checked = elements.map((given) => {
    const element = isObject(given) ? given : {};
    const errors: string[] = [];
    const contactId = typeof element['ContactID'] === 'string' ? element['ContactID'] : undefined;
    const existing = contactId ? store.contacts.get(contactId) : undefined;

    if (contactId && (!existing || call.method === 'PUT')) {
      errors.push(
        existing
          ? `Contact '${contactId}' already exists; PUT only creates (POST updates).`
          : `The contact with ContactID '${contactId}' could not be found.`,
      );
    }

    const fields = newContactFields({ ...existing, ...element }, store.nowMs());
    const sameName = store.contactByName(fields.Name);
    const lowerName = fields.Name.toLowerCase();
    if (!fields.Name) {
      errors.push('The contact name must be specified.');
    } else if (
      (sameName && sameName.ContactID !== existing?.ContactID) ||
      namesInCall.has(lowerName)
    ) {
      errors.push(
        `The contact name ${fields.Name} is already assigned to another contact. The contact ` +
          'name must be unique across all active contacts.',
      );
    }
    namesInCall.add(lowerName);

    return { element, errors, fields, existing };
  });

  const failed = checked.some(({ errors }) => errors.length > 0);
  if (failed && call.summarizeErrors) {
    return validationException(
      checked.map(({ element, errors }) => ({
        ...element,
        HasErrors: errors.length > 0,
        ValidationErrors: errors.map((message) => ({ Message: message })),
      })),
    );
  }

  const answers = checked.map(({ element, errors, fields, existing }) => {
    if (errors.length > 0) {
      const messages = errors.map((message) => ({ Message: message }));
      return {
        ...element,
        StatusAttributeString: 'ERROR',
        HasErrors: true,
        ValidationErrors: messages,
      };
    }

    const contact: ContactRecord = { ...fields, ContactID: existing?.ContactID ?? randomUUID() };
    store.contacts.set(contact.ContactID, contact);
    const answer = store.contactAnswer(contact);
    return call.summarizeErrors ? answer : { ...answer, StatusAttributeString: 'OK' };
  });
  return { status: 200, body: envelope(call, { Contacts: answers }) };
}
