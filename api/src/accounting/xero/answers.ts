/**
 * Reading Xero's answers: the elements of a per-element answer (`summarizeErrors=false`), the
 * elements of a 400 ValidationException, the messages of a refusal, and amounts as minor units.
 * Refusals are told apart by their shape (StatusAttributeString, HasErrors, ValidationErrors),
 * never by their wording, which Xero does not promise to keep.
 */
import { z } from 'zod';

import { toMinorUnits } from '../../shopify/money.ts';

const validationErrorsSchema = z.array(z.object({ Message: z.string() }).loose());

/** An invoice or credit note as Xero answers it, under the names of either kind. */
const documentAnswerSchema = z
  .object({
    Type: z.string().optional(),
    InvoiceID: z.string().optional(),
    CreditNoteID: z.string().optional(),
    InvoiceNumber: z.string().optional(),
    CreditNoteNumber: z.string().optional(),
    Status: z.string().optional(),
    CurrencyCode: z.string().optional(),
    Total: z.number().optional(),
    AmountDue: z.number().optional(),
    RemainingCredit: z.number().optional(),
    StatusAttributeString: z.string().optional(),
    HasErrors: z.boolean().optional(),
    ValidationErrors: validationErrorsSchema.optional(),
    Allocations: z
      .array(
        z
          .object({
            Amount: z.number(),
            Invoice: z.object({ InvoiceID: z.string() }).loose(),
            IsDeleted: z.boolean().optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

export type DocumentAnswer = z.infer<typeof documentAnswerSchema>;

const zeroId = '00000000-0000-0000-0000-000000000000';

/** The id Xero gave a document, or undefined when it made none (a refused element). */
export function idOf(element: DocumentAnswer): string | undefined {
  const id = element.InvoiceID ?? element.CreditNoteID;
  return id === undefined || id === zeroId ? undefined : id;
}

export function numberOf(element: DocumentAnswer): string | undefined {
  return element.InvoiceNumber ?? element.CreditNoteNumber;
}

/** Whether Xero refused this element of a per-element answer. */
export function isRefused(element: DocumentAnswer): boolean {
  return (
    element.StatusAttributeString === 'ERROR' ||
    element.HasErrors === true ||
    (element.ValidationErrors?.length ?? 0) > 0 ||
    idOf(element) === undefined
  );
}

/** The documents of a `{ Invoices: [...] }` or `{ CreditNotes: [...] }` answer. */
export function documentsOf(body: unknown, collection: string): DocumentAnswer[] | undefined {
  const schema = z.object({ [collection]: z.array(documentAnswerSchema) });
  const parsed = schema.safeParse(body);
  return parsed.success ? parsed.data[collection] : undefined;
}

const validationExceptionSchema = z
  .object({
    Type: z.literal('ValidationException'),
    Elements: z.array(z.object({ ValidationErrors: validationErrorsSchema.optional() }).loose()),
  })
  .loose();

/** The elements of a 400 ValidationException, in the order sent, or undefined. */
export function validationElementsOf(body: unknown): Record<string, unknown>[] | undefined {
  return validationExceptionSchema.safeParse(body).data?.Elements;
}

/**
 * Xero's messages in a refused element or an error answer, in Xero's words, each once: Xero
 * repeats a message for every line it applies to (an unknown account code on three lines).
 */
export function messagesOf(value: unknown): string[] {
  const parsed = z
    .object({
      ValidationErrors: validationErrorsSchema.optional(),
      Message: z.string().optional(),
      Detail: z.string().optional(),
      Elements: z.array(z.object({ ValidationErrors: validationErrorsSchema }).loose()).optional(),
    })
    .loose()
    .safeParse(value);
  if (!parsed.success) {
    return typeof value === 'string' && value !== '' ? [value] : [];
  }

  const { ValidationErrors, Elements, Message, Detail } = parsed.data;
  const messages = [
    ...(ValidationErrors ?? []),
    ...(Elements ?? []).flatMap((element) => element.ValidationErrors),
  ].map((error) => error.Message);
  if (messages.length > 0) {
    return [...new Set(messages)];
  }
  return [Detail ?? Message].filter((message): message is string => message !== undefined);
}

/** A Xero amount (a JSON number in the currency's decimals) as minor units. */
export function minorOf(amount: number, currency: string): number {
  return toMinorUnits(amount, currency);
}

/** A string literal of Xero's `where` filter language. */
export function whereText(text: string): string {
  return `"${text.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}
