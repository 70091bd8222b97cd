// Allocating a sales credit note to invoices of the same currency: each allocation lowers the
// invoice's AmountDue and the credit note's RemainingCredit, and a document brought to zero
// becomes PAID. More than either has outstanding is refused with Xero's message.
// Leaves out: allocations of overpayments and prepayments, deleting an allocation, and
// allocations to bills (ACCPAYCREDIT against ACCPAY works the same way and is accepted).
import { randomUUID } from 'node:crypto';

import {
  type JsonAnswer,
  elementsOf,
  envelope,
  isObject,
  parseXeroDate,
  postDataInvalid,
  validationException,
} from './documents.ts';
import { toUnits } from './money.ts';
import type { AllocationRecord, XeroSimulatorStore } from './store.ts';

const matchingType: Record<string, string> = { ACCRECCREDIT: 'ACCREC', ACCPAYCREDIT: 'ACCPAY' };

export function notFound(): JsonAnswer {
  const detail = "The resource you're looking for cannot be found";
  return { status: 404, body: { Title: 'Not Found', Status: 404, Detail: detail } };
}

/** `PUT /CreditNotes/{CreditNoteID}/Allocations`. */
export function allocateCreditNote(
  creditNoteId: string,
  body: unknown,
  call: { store: XeroSimulatorStore; providerName: string },
): JsonAnswer {
  const { store } = call;
  const creditNote = store.creditNotes.get(creditNoteId);
  if (!creditNote) {
    return notFound();
  }

  const elements = elementsOf(body, 'Allocations');
  if (!elements || elements.length === 0) {
    return postDataInvalid('The body must hold Allocations: an array of elements.');
  }

  let creditLeft = store.outstandingCents(creditNote);
  const dueLeft = new Map<string, bigint>();
  const planned: AllocationRecord[] = [];
  const checked = elements.map((given) => {
    const element = isObject(given) ? given : {};
    const errors: string[] = [];
    const invoiceId = isObject(element['Invoice']) ? element['Invoice']['InvoiceID'] : undefined;
    const invoice = typeof invoiceId === 'string' ? store.invoices.get(invoiceId) : undefined;
    const amount = toUnits(element['Amount'], 2);
    const dateMs = element['Date'] === undefined ? store.nowMs() : parseXeroDate(element['Date']);

    if (creditNote.status !== 'AUTHORISED') {
      errors.push('Only an approved credit note can be allocated.');
    }
    if (!invoice) {
      errors.push(`Invoice '${String(invoiceId)}' could not be found.`);
    }
    if (amount === undefined || amount <= 0n) {
      errors.push('Amount must be a number greater than zero.');
    }
    if (dateMs === undefined) {
      errors.push(`Date '${String(element['Date'])}' is not a valid date.`);
    }

    if (invoice && amount !== undefined && amount > 0n) {
      const due = dueLeft.get(invoice.id) ?? store.outstandingCents(invoice);
      if (invoice.status !== 'AUTHORISED' && invoice.status !== 'PAID') {
        errors.push('Credit notes can only be allocated to approved invoices.');
      } else if (due === 0n) {
        errors.push('The invoice you are trying to allocate to has already been paid off');
      } else if (amount > due || amount > creditLeft) {
        errors.push('Credit Note cannot be allocated as amount is greater than amount outstanding');
      }
      if (invoice.currencyCode !== creditNote.currencyCode) {
        errors.push('The credit note and the invoice must be in the same currency.');
      }
      if (matchingType[creditNote.type] !== invoice.type) {
        errors.push(`A ${creditNote.type} credit note cannot be allocated to an ${invoice.type}.`);
      }

      if (errors.length === 0) {
        dueLeft.set(invoice.id, due - amount);
        creditLeft -= amount;
        planned.push({
          AllocationID: randomUUID(),
          creditNoteId,
          invoiceId: invoice.id,
          amountCents: amount,
          dateMs: dateMs ?? store.nowMs(),
        });
      }
    }
    return { element, errors };
  });

  if (checked.some(({ errors }) => errors.length > 0)) {
    return validationException(
      checked.map(({ element, errors }) => ({
        ...element,
        ValidationErrors: errors.map((message) => ({ Message: message })),
      })),
    );
  }

  for (const allocation of planned) {
    apply(store, allocation);
  }
  const answers = planned.map((allocation) => store.allocationAnswer(allocation));
  return { status: 200, body: envelope(call, { Allocations: answers }) };
}

function apply(store: XeroSimulatorStore, allocation: AllocationRecord): void {
  const nowMs = store.nowMs();
  store.allocations.push(allocation);

  for (const document of [
    store.invoices.get(allocation.invoiceId),
    store.creditNotes.get(allocation.creditNoteId),
  ]) {
    if (document) {
      document.allocatedCents += allocation.amountCents;
      document.updatedMs = nowMs;
      if (store.outstandingCents(document) === 0n) {
        document.status = 'PAID';
      }
    }
  }
}
