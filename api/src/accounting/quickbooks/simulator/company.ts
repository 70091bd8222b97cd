// One simulated QuickBooks Online company (a realm): its customers, items, tax codes, invoices,
// credit memos and payments, and the rules QuickBooks applies when one is created or updated:
// references must exist, `Amount` must be `Qty × UnitPrice`, the customer's currency is the
// transaction's, a stale `SyncToken` is refused, a repeated `DocNumber` is refused when the
// company says so, and tax is worked out per tax code unless `TxnTaxDetail.TotalTax` is sent.
// Entities are kept as the JSON QuickBooks answers with. Leaves out: every entity not named here,
// deleting and voiding, sparse updates of lines, discounts, deposits, sub-customers, inventory
// quantities, and rounding rules of currencies without two decimals.
import { centsScale, divideRounded, fromUnits, sum, toUnits } from '../../xero/simulator/money.ts';

export type Json = Record<string, unknown>;

/** A QuickBooks answer before it is written out. */
export interface QboAnswer {
  status: number;
  body: unknown;
}

/** One entry of a fault's `Error` list, in QuickBooks's own keys. */
export interface QboError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

/** Entities the simulator keeps, by the name QuickBooks gives them in paths and queries. */
export type EntityName = 'Customer' | 'Item' | 'TaxCode' | 'Invoice' | 'CreditMemo' | 'Payment';

export const entityNames: readonly EntityName[] = [
  'Customer',
  'Item',
  'TaxCode',
  'Invoice',
  'CreditMemo',
  'Payment',
];

/** A tax rate a tax code charges on sales; `percent` as QuickBooks shows it (20 for 20%). */
export interface TaxCodeSetting {
  id: string;
  name: string;
  rateId: string;
  percent: number;
}

/** The UK VAT codes a new UK company has, with invented ids. */
export const ukTaxCodesDefault: TaxCodeSetting[] = [
  { id: '6', name: '20.0% S', rateId: '10', percent: 20 },
  { id: '7', name: '5.0% R', rateId: '11', percent: 5 },
  { id: '8', name: '0.0% Z', rateId: '12', percent: 0 },
  { id: '9', name: 'Exempt', rateId: '13', percent: 0 },
  { id: '10', name: 'No VAT', rateId: '14', percent: 0 },
];

export interface CompanySettings {
  homeCurrency: string;
  /** Currencies transactions may use besides the home one (multicurrency switched on). */
  currencies: string[];
  /** "Warn if duplicate invoice number is used": the API then refuses a repeated DocNumber. */
  refuseDuplicateDocNumber: boolean;
}

const refusalMark = Symbol('refusal');

export function fault(type: string, errors: QboError[], time: string, status = 400): QboAnswer {
  const Error = errors.map((error) => ({ element: '', ...error }));
  return { status, body: { Fault: { Error, type }, time }, [refusalMark]: true } as QboAnswer;
}

/** Whether a check answered a fault rather than the fields to save. */
export function isRefusal(value: Json | QboAnswer): value is QboAnswer {
  return refusalMark in value;
}

export function validationFault(time: string, error: QboError): QboAnswer {
  return fault('ValidationFault', [error], time);
}

export class Company {
  readonly entities = new Map<EntityName, Map<string, Json>>(
    entityNames.map((name) => [name, new Map<string, Json>()]),
  );
  private nextId = 100;

  constructor(
    readonly realmId: string,
    readonly settings: CompanySettings,
    private readonly nowIso: () => string,
  ) {}

  /** Adds an entity as it stands, keeping its Id; the simulator's seeds and tests use it. */
  seed(entity: EntityName, fields: Json): Json {
    const id = textOf(fields['Id'] ?? this.newId());
    const record: Json = { ...fields, Id: id, SyncToken: textOf(fields['SyncToken'] ?? '0') };
    record['MetaData'] = { CreateTime: this.nowIso(), LastUpdatedTime: this.nowIso() };
    this.table(entity).set(id, record);
    return record;
  }

  seedTaxCodes(codes: TaxCodeSetting[]): void {
    for (const code of codes) {
      this.seed('TaxCode', {
        Id: code.id,
        Name: code.name,
        Description: code.name,
        Active: true,
        Taxable: code.percent > 0,
        TaxGroup: false,
        SalesTaxRateList: {
          TaxRateDetail: [{ TaxRateRef: { value: code.rateId, name: code.name }, TaxOrder: 0 }],
        },
        // Kept beside the code so tax can be worked out without a TaxRate table.
        _percent: code.percent,
      });
    }
  }

  table(entity: EntityName): Map<string, Json> {
    const table = this.entities.get(entity);
    if (!table) {
      throw new Error(`no table for ${entity}`);
    }
    return table;
  }

  get(entity: EntityName, id: string): Json | undefined {
    return this.table(entity).get(id);
  }

  /** The entity as QuickBooks answers it (without the simulator's own `_` fields). */
  answer(record: Json): Json {
    return Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('_')));
  }

  /** Creates (no `Id`) or updates (with `Id` and the current `SyncToken`) one entity. */
  save(entity: EntityName, body: unknown): QboAnswer {
    const time = this.nowIso();
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return validationFault(time, {
        Message: 'Request has invalid or unsupported property',
        Detail: `The request body is not a ${entity} object.`,
        code: '2010',
      });
    }

    const fields = body as Json;
    const existing =
      fields['Id'] === undefined ? undefined : this.get(entity, textOf(fields['Id']));
    if (fields['Id'] !== undefined && !existing) {
      return validationFault(time, {
        Message: 'Object Not Found',
        Detail: `Object Not Found : ${entity} ${textOf(fields['Id'])} does not exist.`,
        code: '610',
        element: 'Id',
      });
    }
    if (existing && textOf(fields['SyncToken'] ?? '') !== existing['SyncToken']) {
      return validationFault(time, {
        Message: 'Stale Object Error',
        Detail:
          `Stale Object Error : You and another user were working on this ${entity} at the same ` +
          `time. The other finished first (SyncToken ${textOf(existing['SyncToken'])}, ` +
          `yours ${textOf(fields['SyncToken'] ?? 'missing')}), so your work was not saved.`,
        code: '5010',
        element: 'SyncToken',
      });
    }

    const merged = existing && fields['sparse'] === true ? { ...existing, ...fields } : fields;
    const checked = this.check(entity, merged, existing);
    if (isRefusal(checked)) {
      return checked;
    }

    const id = existing ? textOf(existing['Id']) : this.newId();
    const syncToken = existing ? textOf(Number(existing['SyncToken']) + 1) : '0';
    const createTime = (existing?.['MetaData'] as Json | undefined)?.['CreateTime'] ?? time;
    const record: Json = { ...checked, Id: id, SyncToken: syncToken };
    delete record['sparse'];
    record['MetaData'] = { CreateTime: createTime, LastUpdatedTime: time };
    this.table(entity).set(id, record);
    return { status: 200, body: { [entity]: this.answer(record), time } };
  }

  private newId(): string {
    this.nextId += 1;
    while ([...this.entities.values()].some((table) => table.has(textOf(this.nextId)))) {
      this.nextId += 1;
    }
    return textOf(this.nextId);
  }

  private check(entity: EntityName, fields: Json, existing: Json | undefined): Json | QboAnswer {
    switch (entity) {
      case 'Customer':
        return this.checkNamed(entity, 'DisplayName', fields, existing, () => ({
          CurrencyRef: { value: this.settings.homeCurrency },
          Balance: 0,
          Active: true,
          ...fields,
        }));
      case 'Item':
        return this.checkNamed(entity, 'Name', fields, existing, () => this.item(fields));
      case 'Invoice':
      case 'CreditMemo':
        return this.checkSale(entity, fields, existing);
      case 'Payment':
        return this.checkPayment(fields);
      case 'TaxCode':
        return validationFault(this.nowIso(), {
          Message: 'Operation not supported',
          Detail: 'TaxCode cannot be created or changed through this API.',
          code: '500',
        });
    }
  }

  private checkNamed(
    entity: EntityName,
    nameField: string,
    fields: Json,
    existing: Json | undefined,
    complete: () => Json | QboAnswer,
  ): Json | QboAnswer {
    const name = typeof fields[nameField] === 'string' ? fields[nameField].trim() : '';
    const time = this.nowIso();
    if (name === '' || name.includes(':')) {
      return validationFault(time, {
        Message: 'Required param missing, need to supply the required value for the API',
        Detail: `Required parameter ${nameField} is missing or has a colon in it.`,
        code: '2020',
        element: nameField,
      });
    }

    const taken = [...this.table(entity).values()].find(
      (record) =>
        textOf(record[nameField]).toLowerCase() === name.toLowerCase() &&
        record['Id'] !== existing?.['Id'],
    );
    if (taken) {
      return validationFault(time, {
        Message: 'Duplicate Name Exists Error',
        Detail:
          `The name supplied already exists. : Another ${entity.toLowerCase()} is already ` +
          `using this name. Please use a different name. Id=${textOf(taken['Id'])}`,
        code: '6240',
        element: nameField,
      });
    }
    return complete();
  }

  private item(fields: Json): Json | QboAnswer {
    const type = fields['Type'] ?? 'Service';
    const income = fields['IncomeAccountRef'] as Json | undefined;
    if (type !== 'Service' && type !== 'NonInventory') {
      return validationFault(this.nowIso(), {
        Message: 'Invalid Enumeration',
        Detail: `Item Type ${textOf(type)} is not one this company offers through the API.`,
        code: '2170',
        element: 'Type',
      });
    }
    if (typeof income?.['value'] !== 'string') {
      return validationFault(this.nowIso(), {
        Message: 'Required param missing, need to supply the required value for the API',
        Detail: 'Required parameter IncomeAccountRef is missing in the request',
        code: '2020',
        element: 'IncomeAccountRef',
      });
    }
    return { Active: true, Taxable: true, ...fields, Type: type };
  }

  /** Invoices and credit memos: references, arithmetic, currency, tax, number and totals. */
  private checkSale(
    entity: EntityName,
    fields: Json,
    existing: Json | undefined,
  ): Json | QboAnswer {
    const time = this.nowIso();
    const refused = (Message: string, Detail: string, code: string, element = '') =>
      validationFault(time, { Message, Detail, code, element });

    const customer = this.get('Customer', refOf(fields['CustomerRef']) ?? '');
    if (!customer) {
      return refused(
        'Invalid Reference Id',
        `Invalid Reference Id : Customer ${textOf(refOf(fields['CustomerRef']))} does not exist`,
        '2500',
        'CustomerRef',
      );
    }

    const currency = refOf(fields['CurrencyRef']) ?? this.settings.homeCurrency;
    if (currency !== refOf(customer['CurrencyRef'])) {
      return refused(
        'Business Validation Error',
        `The currency of the transaction (${currency}) must be the customer's currency ` +
          `(${textOf(refOf(customer['CurrencyRef']))}).`,
        '6000',
        'CurrencyRef',
      );
    }
    const foreign = currency !== this.settings.homeCurrency;
    if (foreign && !this.settings.currencies.includes(currency)) {
      return refused(
        'Business Validation Error',
        `Currency ${currency} is not enabled in this company.`,
        '6000',
        'CurrencyRef',
      );
    }
    const exchangeRate = foreign ? toUnits(fields['ExchangeRate'] ?? '1', 8) : 10n ** 8n;
    if (exchangeRate === undefined || exchangeRate <= 0n) {
      return refused('Invalid Number', 'ExchangeRate must be a positive number.', '2040');
    }

    const lines = Array.isArray(fields['Line']) ? (fields['Line'] as Json[]) : [];
    if (lines.length === 0) {
      return refused(
        'Required param missing, need to supply the required value for the API',
        'Required parameter Line is missing in the request',
        '2020',
        'Line',
      );
    }

    const taxMode = textOf(fields['GlobalTaxCalculation'] ?? 'TaxExcluded');
    if (!['TaxExcluded', 'TaxInclusive', 'NotApplicable'].includes(taxMode)) {
      return refused(
        'Invalid Enumeration',
        `GlobalTaxCalculation ${taxMode} is not TaxExcluded, TaxInclusive or NotApplicable.`,
        '2170',
        'GlobalTaxCalculation',
      );
    }

    const netByTaxCode = new Map<string, bigint>();
    const amounts: bigint[] = [];
    for (const [index, line] of lines.entries()) {
      const problem = this.checkLine(line, index, taxMode, netByTaxCode, amounts);
      if (problem) {
        return problem;
      }
    }

    const docNumber = typeof fields['DocNumber'] === 'string' ? fields['DocNumber'] : undefined;
    if (docNumber !== undefined && docNumber.length > 21) {
      return refused(
        'String length is either shorter or longer than supported by specification',
        `DocNumber ${docNumber} is longer than 21 characters.`,
        '6000',
        'DocNumber',
      );
    }
    const repeated = [...this.table(entity).values()].find(
      (record) => record['DocNumber'] === docNumber && record['Id'] !== existing?.['Id'],
    );
    if (docNumber !== undefined && repeated && this.settings.refuseDuplicateDocNumber) {
      return refused(
        'Duplicate Document Number Error',
        'Duplicate Document Number Error : You must specify a different number. ' +
          `This number has already been used. DocNumber=${docNumber} is assigned to ` +
          `TxnType=${entity} with TxnId=${textOf(repeated['Id'])}`,
        '6140',
        'DocNumber',
      );
    }

    const tax = this.taxDetail(taxMode, netByTaxCode, fields['TxnTaxDetail']);
    if (isRefusal(tax)) {
      return tax;
    }

    const totalCents = sum(amounts) + tax.totalCents;
    const totals: Json = {
      TotalAmt: fromUnits(totalCents, centsScale),
      ...(foreign
        ? {
            ExchangeRate: fromUnits(exchangeRate, 8),
            HomeTotalAmt: fromUnits(divideRounded(totalCents * exchangeRate, 10n ** 8n), 2),
          }
        : {}),
    };
    const open: Json =
      entity === 'Invoice'
        ? { Balance: totals['TotalAmt'] }
        : { Balance: totals['TotalAmt'], RemainingCredit: totals['TotalAmt'] };
    return {
      TxnDate: this.nowIso().slice(0, 10),
      ...fields,
      CurrencyRef: { value: currency },
      GlobalTaxCalculation: taxMode,
      CustomerRef: { value: customer['Id'], name: customer['DisplayName'] },
      TxnTaxDetail: tax.detail,
      ...totals,
      ...(existing ? {} : open),
    };
  }

  private checkLine(
    line: Json,
    index: number,
    taxMode: string,
    netByTaxCode: Map<string, bigint>,
    amounts: bigint[],
  ): QboAnswer | undefined {
    const time = this.nowIso();
    const element = `Line[${index}]`;
    const refused = (Message: string, Detail: string, code: string) =>
      validationFault(time, { Message, Detail, code, element });

    if (line['DetailType'] !== 'SalesItemLineDetail') {
      return refused(
        'Invalid Enumeration',
        `${element}: DetailType ${textOf(line['DetailType'])} is not supported here.`,
        '2170',
      );
    }
    const amount = toUnits(line['Amount'], centsScale);
    if (amount === undefined) {
      return refused(
        'Required param missing, need to supply the required value for the API',
        `${element}: Required parameter Amount is missing or not a number`,
        '2020',
      );
    }
    amounts.push(amount);

    const detail = (line['SalesItemLineDetail'] ?? {}) as Json;
    const itemId = refOf(detail['ItemRef']);
    if (!itemId || !this.get('Item', itemId)) {
      return refused(
        'Invalid Reference Id',
        `Invalid Reference Id : ${element} Item ${textOf(itemId)} does not exist`,
        '2500',
      );
    }

    if (detail['Qty'] !== undefined && detail['UnitPrice'] !== undefined) {
      const quantity = toUnits(detail['Qty'], 4);
      const unitPrice = toUnits(detail['UnitPrice'], 8);
      const product =
        quantity === undefined || unitPrice === undefined
          ? undefined
          : divideRounded(quantity * unitPrice, 10n ** 10n);
      if (product !== amount) {
        return refused(
          'Amount calculation incorrect in the request',
          `${element}: Amount ${textOf(line['Amount'])} is not Qty ${textOf(detail['Qty'])} × ` +
            `UnitPrice ${textOf(detail['UnitPrice'])}.`,
          '6070',
        );
      }
    }

    if (taxMode === 'NotApplicable') {
      return undefined;
    }
    const taxCodeId = refOf(detail['TaxCodeRef']);
    if (!taxCodeId || !this.get('TaxCode', taxCodeId)) {
      return refused(
        'Invalid Reference Id',
        `Invalid Reference Id : ${element} TaxCode ${textOf(taxCodeId)} does not exist; ` +
          'a company that charges VAT needs a TaxCodeRef on every line.',
        '2500',
      );
    }
    netByTaxCode.set(taxCodeId, (netByTaxCode.get(taxCodeId) ?? 0n) + amount);
    return undefined;
  }

  /**
   * Tax per tax code on the lines' net amounts, each rounded to the penny. A `TotalTax` sent
   * overrides the sum, as it does in QuickBooks: the difference goes to the largest tax line.
   */
  private taxDetail(
    taxMode: string,
    netByTaxCode: Map<string, bigint>,
    sent: unknown,
  ): { detail: Json; totalCents: bigint } | QboAnswer {
    if (taxMode === 'NotApplicable') {
      return { detail: { TotalTax: 0 }, totalCents: 0n };
    }

    const taxLines = [...netByTaxCode].map(([taxCodeId, netCents]) => {
      const code = this.get('TaxCode', taxCodeId) ?? {};
      const rate = (code['SalesTaxRateList'] as { TaxRateDetail: Json[] }).TaxRateDetail[0];
      const percentHundredths = BigInt(Math.round(Number(code['_percent'] ?? 0) * 100));
      return {
        rateId: refOf(rate?.['TaxRateRef']) ?? '',
        percent: Number(code['_percent'] ?? 0),
        netCents,
        taxCents: divideRounded(netCents * percentHundredths, 10_000n),
      };
    });

    const computedCents = sum(taxLines.map((line) => line.taxCents));
    const sentTotal = (sent as Json | undefined)?.['TotalTax'];
    const totalCents = sentTotal === undefined ? computedCents : toUnits(sentTotal, centsScale);
    if (totalCents === undefined) {
      return validationFault(this.nowIso(), {
        Message: 'Invalid Number',
        Detail: `TxnTaxDetail.TotalTax ${textOf(sentTotal)} is not a number.`,
        code: '2040',
        element: 'TxnTaxDetail.TotalTax',
      });
    }

    const largest = taxLines.reduce<(typeof taxLines)[number] | undefined>(
      (best, line) => (best === undefined || line.netCents > best.netCents ? line : best),
      undefined,
    );
    if (largest) {
      largest.taxCents += totalCents - computedCents;
    }
    return {
      totalCents,
      detail: {
        TotalTax: fromUnits(totalCents, centsScale),
        TaxLine: taxLines.map((line) => ({
          Amount: fromUnits(line.taxCents, centsScale),
          DetailType: 'TaxLineDetail',
          TaxLineDetail: {
            TaxRateRef: { value: line.rateId },
            PercentBased: true,
            TaxPercent: line.percent,
            NetAmountTaxable: fromUnits(line.netCents, centsScale),
          },
        })),
      },
    };
  }

  /**
   * A payment linking invoices and credit memos of one customer. With `TotalAmt` 0 it applies
   * credit to invoices without money moving: what "apply a credit memo" is in the API.
   */
  private checkPayment(fields: Json): Json | QboAnswer {
    const time = this.nowIso();
    const refused = (Detail: string, element = '') =>
      validationFault(time, {
        Message: 'Business Validation Error',
        Detail,
        code: '6000',
        element,
      });
    const customerId = refOf(fields['CustomerRef']);
    if (!customerId || !this.get('Customer', customerId)) {
      return refused(`Customer ${textOf(customerId)} does not exist.`, 'CustomerRef');
    }

    const lines = Array.isArray(fields['Line']) ? (fields['Line'] as Json[]) : [];
    const effects: { record: Json; field: 'Balance' | 'RemainingCredit'; cents: bigint }[] = [];
    let invoicedCents = 0n;
    let creditedCents = 0n;
    for (const [index, line] of lines.entries()) {
      const amount = toUnits(line['Amount'], centsScale) ?? -1n;
      const linked = (line['LinkedTxn'] as Json[] | undefined)?.[0] ?? {};
      const type = linked['TxnType'];
      const entity = type === 'Invoice' ? 'Invoice' : type === 'CreditMemo' ? 'CreditMemo' : null;
      const record = entity ? this.get(entity, textOf(linked['TxnId'])) : undefined;
      const field = entity === 'Invoice' ? 'Balance' : 'RemainingCredit';
      const open = record ? (toUnits(record[field], centsScale) ?? 0n) : 0n;

      if (!record || refOf(record['CustomerRef']) !== customerId) {
        return refused(`Line[${index}] links no ${textOf(type)} of this customer.`, 'LinkedTxn');
      }
      if (amount <= 0n || amount > open) {
        return refused(
          `Line[${index}] applies ${textOf(line['Amount'])}, but ${textOf(type)} ` +
            `${textOf(record['Id'])} has ${fromUnits(open, centsScale)} open.`,
          'Amount',
        );
      }
      effects.push({ record, field, cents: amount });
      if (entity === 'Invoice') {
        invoicedCents += amount;
      } else {
        creditedCents += amount;
      }
    }

    const totalCents = toUnits(fields['TotalAmt'] ?? 0, centsScale);
    if (totalCents !== invoicedCents - creditedCents) {
      return refused(
        `TotalAmt ${textOf(fields['TotalAmt'])} is not the invoices applied ` +
          `(${fromUnits(invoicedCents, 2)}) less the credit applied ` +
          `(${fromUnits(creditedCents, 2)}).`,
        'TotalAmt',
      );
    }

    for (const effect of effects) {
      const open = toUnits(effect.record[effect.field], centsScale) ?? 0n;
      effect.record[effect.field] = fromUnits(open - effect.cents, centsScale);
      if (effect.field === 'RemainingCredit') {
        effect.record['Balance'] = effect.record[effect.field];
      }
      effect.record['SyncToken'] = textOf(Number(effect.record['SyncToken']) + 1);
    }
    return { TxnDate: time.slice(0, 10), ...fields, UnappliedAmt: 0 };
  }
}

/** The `value` of a `{ value, name }` reference, if there is one. */
export function refOf(reference: unknown): string | undefined {
  const value = (reference as Json | undefined)?.['value'];
  return typeof value === 'string' || typeof value === 'number' ? textOf(value) : undefined;
}

/** A field's value as text: strings and numbers as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}
