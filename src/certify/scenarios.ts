/**
 * The scenarios of a certification, as data: Fintoc's go-live checklist (stable ids, one per test
 * the Account Executive runs) and the hardening set beyond it. docs/certify.md explains each one;
 * a test keeps this list and the docs in step.
 */
export type Country = 'cl' | 'mx';

export const CHECKLIST_SCENARIO_IDS = [
  'api-url',
  'widget-product',
  'ux-guidelines',
  'custom-reports',
  'cl-leave-before-authorizing',
  'cl-authorize-and-never-return',
  'browser-events-cl',
  'browser-events-mx',
] as const;

export const HARDENING_SCENARIO_IDS = [
  'webhook-duplicate',
  'webhook-out-of-order',
  'webhook-forged-signature',
  'webhook-stale-signature',
  'webhook-retry',
  'webhook-lost',
  'paid-after-cancel',
] as const;

export type ScenarioId = (typeof CHECKLIST_SCENARIO_IDS)[number] | (typeof HARDENING_SCENARIO_IDS)[number];

export interface ScenarioInfo {
  id: ScenarioId;
  title: string;
  countries: readonly Country[];
  hardening: boolean;
}

const BOTH: readonly Country[] = ['cl', 'mx'];

/** Every scenario, in the order the report lists them. */
export const SCENARIOS: readonly ScenarioInfo[] = [
  {
    id: 'api-url',
    title: "The backend calls Fintoc's API at /v1/ with a test key, and no secret key reaches the browser",
    countries: BOTH,
    hardening: false,
  },
  {
    id: 'widget-product',
    title: "The widget opens with product 'payments' and this payment's widget_token",
    countries: BOTH,
    hardening: false,
  },
  {
    id: 'ux-guidelines',
    title: "The checkout follows Fintoc's UX guidelines (approved button and copy, amount, merchant, 390 px)",
    countries: BOTH,
    hardening: false,
  },
  {
    id: 'custom-reports',
    title: "Fintoc's report files reach the shop in Fintoc's format through its channel",
    countries: BOTH,
    hardening: false,
  },
  {
    id: 'cl-leave-before-authorizing',
    title: 'The customer leaves before authorizing: the shop expires the intent after 10 minutes, not before',
    countries: ['cl'],
    hardening: false,
  },
  {
    id: 'cl-authorize-and-never-return',
    title: "The customer authorizes in the bank app and never returns: Fintoc's webhook confirms the payment",
    countries: ['cl'],
    hardening: false,
  },
  {
    id: 'browser-events-cl',
    title: "The page follows the widget's events in Chile: success, exit, rejection",
    countries: ['cl'],
    hardening: false,
  },
  {
    id: 'browser-events-mx',
    title: "The page follows the widget's events in Mexico: success, exit, rejection",
    countries: ['mx'],
    hardening: false,
  },
  {
    id: 'webhook-duplicate',
    title: 'The same webhook delivered twice is answered 2xx both times and applied once',
    countries: BOTH,
    hardening: true,
  },
  {
    id: 'webhook-out-of-order',
    title: 'Webhooks arriving out of order (succeeded before pending) leave the payment paid',
    countries: BOTH,
    hardening: true,
  },
  {
    id: 'webhook-forged-signature',
    title: 'A webhook with a forged signature is refused (4xx) and changes nothing',
    countries: BOTH,
    hardening: true,
  },
  {
    id: 'webhook-stale-signature',
    title: 'A correctly signed but hour-old webhook is refused (4xx) and changes nothing',
    countries: BOTH,
    hardening: true,
  },
  {
    id: 'webhook-retry',
    title: "When Fintoc's first delivery attempt fails, its retry is taken and applied",
    countries: BOTH,
    hardening: true,
  },
  {
    id: 'webhook-lost',
    title: 'A payment whose webhooks never arrive is still learned by the shop (it asks Fintoc)',
    countries: BOTH,
    hardening: true,
  },
  {
    id: 'paid-after-cancel',
    title: 'A payment that succeeds after the shop canceled it ends paid (money moved is truth)',
    countries: BOTH,
    hardening: true,
  },
];

export function scenarioInfo(id: ScenarioId): ScenarioInfo {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) throw new Error(`unknown scenario ${id}`);
  return found;
}

/** The approved copy of Fintoc's button per country (Fintoc's UX guidelines). */
export const APPROVED_COPY: Record<Country, readonly string[]> = {
  cl: ['Paga con tu banco'],
  mx: ['Paga con transferencia', 'Paga con SPEI', 'Paga con transferencia SPEI'],
};

export const CURRENCY_OF: Record<Country, 'CLP' | 'MXN'> = { cl: 'CLP', mx: 'MXN' };
