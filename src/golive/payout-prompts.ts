/**
 * `payout-account` on a terminal: asks for each field the country needs that was not given (or was
 * given wrong, saying why first), and asks again with the reason until the answer passes its check.
 */
import { input, search, select } from '@inquirer/prompts';
import { CHILE_BANKS, MEXICO_BANKS, MEXICO_STATES } from './banks.js';
import {
  buildPayoutAccount,
  checkPayoutField,
  payoutFieldsFor,
  type Country,
  type PayoutAccountInput,
  type PayoutAccountResult,
} from './payout-account.js';

/** What the questions need from a prompt library (so tests and other front ends can answer). */
export interface Prompter {
  /** Free text, asked again while `validate` returns a reason. Empty is allowed when not `required`. */
  text(o: {
    message: string;
    required: boolean;
    validate: (value: string) => true | string;
  }): Promise<string>;
  /** One of `choices` (by `value`). */
  choose(o: { message: string; choices: Array<{ value: string; name: string }> }): Promise<string>;
  note(message: string): void;
}

/**
 * A {@link Prompter} on @inquirer/prompts; `context` (input/output streams) defaults to the terminal.
 *
 * @example
 * const account = await askPayoutAccount('cl', {}, inquirerPrompter());
 */
export function inquirerPrompter(context?: {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}): Prompter {
  const out = context?.output ?? process.stdout;
  return {
    text: (o) =>
      input(
        {
          message: o.required ? o.message : `${o.message} (optional, Enter to skip)`,
          validate: (v: string) => (!o.required && v.trim() === '' ? true : o.validate(v)),
        },
        context,
      ),
    choose: (o) =>
      o.choices.length > 12
        ? search(
            {
              message: `${o.message} (type to filter)`,
              source: (term: string | undefined) => {
                const t = (term ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
                return o.choices
                  .filter((c) =>
                    `${c.name} ${c.value}`.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().includes(t),
                  )
                  .map((c) => ({ value: c.value, name: c.name }));
              },
            },
            context,
          )
        : select({ message: o.message, choices: o.choices }, context),
    note: (m) => {
      out.write(`${m}\n`);
    },
  };
}

function choicesFor(country: Country, field: string): Array<{ value: string; name: string }> | undefined {
  if (field === 'bank') {
    return country === 'cl'
      ? CHILE_BANKS.map((b) => ({ value: b.id, name: b.name }))
      : MEXICO_BANKS.map((b) => ({ value: b.code, name: `${b.name} (${b.code})` }));
  }
  if (field === 'state' && country === 'mx') return MEXICO_STATES.map((s) => ({ value: s, name: s }));
  return undefined;
}

/**
 * Completes `given` by asking for what is missing or wrong, then builds the record (which cannot
 * fail then, but the result is returned as {@link buildPayoutAccount} gives it).
 */
export async function askPayoutAccount(
  country: Country,
  given: PayoutAccountInput,
  prompter: Prompter,
): Promise<PayoutAccountResult> {
  const answers: PayoutAccountInput = { ...given };
  for (const f of payoutFieldsFor(country)) {
    const raw = answers[f.field];
    if (typeof raw === 'string' && raw.trim() !== '') {
      const r = checkPayoutField(country, f.field, raw, answers);
      if (r.ok) continue;
      prompter.note(`${f.label} (${f.flag}) is not valid: ${r.reason}.`);
    } else if (!f.required && raw !== undefined) {
      continue;
    }
    const choices = f.choices ?? choicesFor(country, f.field);
    if (choices) {
      answers[f.field] = await prompter.choose({ message: f.label, choices });
    } else {
      const value = await prompter.text({
        message: f.label,
        required: f.required,
        validate: (v) => {
          const r = checkPayoutField(country, f.field, v, answers);
          return r.ok ? true : `${r.reason}.`;
        },
      });
      answers[f.field] = value;
    }
  }
  return buildPayoutAccount(country, answers);
}
