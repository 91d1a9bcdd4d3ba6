/**
 * The widget frame: the simulated Fintoc bank flow, in Spanish, served from the sandbox's origin.
 * It talks to the merchant's page only through `postMessage` (checked against the parent window and
 * the origin the loader announced) and to the sandbox only through `/widget/sessions`, so what the
 * customer does moves the payment intent through the sandbox's API state machine.
 *
 * Every screen is plain buttons and forms (keyboard usable) with stable `data-testid`s that tests
 * and the certification runner drive; `document.body.dataset.screen` names the screen shown.
 */
import {
  ACCOUNTS,
  INSTITUTIONS,
  TEST_CREDENTIALS,
  checkLogin,
  checkSecondFactor,
  findInstitution,
  type Institution,
  type TestAccount,
} from './bank.js';
import { ERROR_TEXT, REASON_TEXT, SCENARIO_TEXT, STATUS_TEXT } from './copy.js';
import { CHANNEL, isToFrame, type Payload, type ToParent } from './protocol.js';
import type { CustomerAction, WidgetActionResult, WidgetSessionResult } from '../bridge.js';

/** What `POST /widget/sessions` answers: the bridge's result without `ok`. */
type Session = Omit<Extract<WidgetSessionResult, { ok: true }>, 'ok'>;
/** What `POST /widget/sessions/:id/actions` answers. */
type ActionOutcome = Omit<Extract<WidgetActionResult, { ok: true }>, 'ok'>;

type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/**
 * new: configured, never opened · flow: the customer is in the bank flow · success: payment created ·
 * ended: an error, a failed payment or an undecided one is shown · tab_closed: the simulated customer
 * closed the tab, nothing more happens · closed: the customer closed the widget; opening starts over.
 */
type Phase = 'new' | 'flow' | 'success' | 'ended' | 'tab_closed' | 'closed';

const params = new URLSearchParams(location.search);
const widgetId = params.get('widget') ?? '';
const parentOrigin = params.get('origin') ?? '';
// A page on an opaque origin (a file:// page) can only be reached with '*'; it receives nothing secret.
const targetOrigin = parentOrigin === 'null' ? '*' : parentOrigin;

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`widget frame: #${id} is missing from the page`);
  return found;
}

const screenEl = element('screen');
const bannerEl = element('banner');
const closeButton = element('close') as HTMLButtonElement;

let options: Record<string, unknown> = {};
let sessionRequest: Promise<Result<Session>> | null = null;
let session: Session | null = null;
let phase: Phase = 'new';
let busy = false;
/** Bumped each time the flow starts over, so a late answer from an earlier visit is ignored. */
let visit = 0;

// ---- messages to the page ----

function post(message: Payload<ToParent>): void {
  if (window.parent === window || !parentOrigin) return;
  window.parent.postMessage({ channel: CHANNEL, widgetId, ...message }, targetOrigin);
}

function emit(name: string, extra: Record<string, unknown> = {}): void {
  post({ type: 'event', name, metadata: { timestamp: Date.now(), ...extra } });
}

// ---- the sandbox ----

async function request<T>(path: string, body: unknown): Promise<Result<T>> {
  try {
    const response = await fetch(new URL(path, location.href), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json().catch(() => null)) as {
      error?: { code?: unknown; message?: unknown };
    } | null;
    if (response.ok) return { ok: true, value: json as T };
    const code = typeof json?.error?.code === 'string' ? json.error.code : `http_${response.status}`;
    const message = typeof json?.error?.message === 'string' ? json.error.message : response.statusText;
    return { ok: false, code, message };
  } catch {
    return { ok: false, code: 'network_error', message: 'The sandbox could not be reached.' };
  }
}

function openSession(): Promise<Result<Session>> {
  return request<Session>('./sessions', { options });
}

async function act(action: CustomerAction): Promise<Result<ActionOutcome>> {
  if (!session) return { ok: false, code: 'no_session', message: 'No widget session is open.' };
  busy = true;
  setBusy(true);
  try {
    return await request<ActionOutcome>(`./sessions/${encodeURIComponent(session.sessionId)}/actions`, {
      action,
    });
  } finally {
    busy = false;
    setBusy(false);
  }
}

// ---- rendering ----

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function button(testId: string, label: string, onClick: () => void, variant = 'primary'): HTMLButtonElement {
  const node = h('button', { type: 'button', class: variant, 'data-testid': testId }, label);
  node.addEventListener('click', () => {
    if (!busy) onClick();
  });
  return node;
}

function setBusy(on: boolean): void {
  document.body.toggleAttribute('aria-busy', on);
  for (const control of screenEl.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input')) {
    if (control instanceof HTMLInputElement && control.readOnly) continue;
    control.disabled = on;
  }
  closeButton.disabled = on;
}

function show(name: string, title: string, ...content: Child[]): void {
  document.body.dataset.screen = name;
  screenEl.replaceChildren(
    h(
      'section',
      { 'data-testid': `screen-${name}`, 'aria-labelledby': 'screen-title' },
      h('h1', { id: 'screen-title' }, title),
      ...content,
    ),
  );
  const first = screenEl.querySelector<HTMLElement>('[autofocus], input:not([readonly]), button');
  first?.focus();
}

function formatAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits = code === 'CLP' ? 0 : 2;
  try {
    return new Intl.NumberFormat(code === 'MXN' ? 'es-MX' : 'es-CL', {
      style: 'currency',
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount / 10 ** digits);
  } catch {
    return `${amount} ${code}`;
  }
}

function summary(rows: Array<[string, string, string]>): HTMLElement {
  return h(
    'dl',
    { class: 'summary' },
    ...rows.flatMap(([label, value, testId]) => [
      h('dt', {}, label),
      h('dd', { 'data-testid': testId }, value),
    ]),
  );
}

function hint(text: string, testId: string): HTMLElement {
  return h('p', { class: 'hint', 'data-testid': testId }, text);
}

// ---- errors ----

/** A widget or flow error (`on_error`): the customer can only close. */
function fail(code: string, message: string): void {
  phase = 'ended';
  emit('on_error', { code, message });
  show(
    'error',
    'No pudimos iniciar el pago',
    h('p', { 'data-testid': 'error-message' }, ERROR_TEXT[code] ?? 'Ocurrió un error inesperado.'),
    h(
      'p',
      { class: 'detail' },
      'Código: ',
      h('code', { 'data-testid': 'error-code' }, code),
      message ? ` · ${message}` : '',
    ),
    button('error-close', 'Volver al comercio', () => void userClose()),
  );
}

/** A payment status in Spanish; the code itself in `data-status`, for tests and tools. */
function statusText(status: string): HTMLElement {
  return h('span', { 'data-testid': 'payment-status', 'data-status': status }, STATUS_TEXT[status] ?? status);
}

/** A payment the bank rejected or that failed (`payment_error`). */
function paymentError(status: string, errorReason: string | null): void {
  phase = 'ended';
  emit('payment_error', { status, error_reason: errorReason });
  show(
    'payment-error',
    status === 'rejected' ? 'Pago rechazado' : 'No pudimos completar el pago',
    h(
      'p',
      {},
      status === 'rejected'
        ? 'El pago fue rechazado y no se movió dinero.'
        : ((errorReason && REASON_TEXT[errorReason]) ?? 'El banco no completó la transferencia.'),
    ),
    h(
      'p',
      { class: 'detail' },
      'Estado: ',
      statusText(status),
      errorReason ? ' · motivo: ' : '',
      errorReason
        ? h(
            'span',
            { 'data-testid': 'payment-error-reason', 'data-reason': errorReason },
            REASON_TEXT[errorReason] ?? 'otro',
          )
        : null,
    ),
    button('payment-error-close', 'Volver al comercio', () => void userClose()),
  );
}

// ---- the bank flow ----

function amountText(): string {
  return session ? formatAmount(session.intent.amount, session.intent.currency) : '';
}

function showInstitutions(current: Session): void {
  emit('on_available_institutions');
  show(
    'institutions',
    'Elige tu banco',
    h('p', {}, `Vas a pagar ${amountText()}.`),
    h(
      'div',
      { class: 'list' },
      ...INSTITUTIONS[current.country].map((institution) =>
        button(
          `institution-${institution.id}`,
          institution.name,
          () => chooseInstitution(current, institution),
          'option',
        ),
      ),
    ),
  );
}

function chooseInstitution(current: Session, institution: Institution): void {
  // Mexico: choosing the bank picks the payment provider (SPEI), which Fintoc reports as this event.
  if (current.country === 'mx') emit('payment_in_progress');
  showLogin(current, institution);
}

function showLogin(current: Session, institution: Institution): void {
  emit('on_authentication_form');
  const country = current.country;
  const preset = typeof options.username === 'string' ? options.username : undefined;
  const username = h('input', {
    id: 'username',
    name: 'username',
    'data-testid': 'login-username',
    autocomplete: 'off',
    inputmode: country === 'mx' ? 'tel' : 'text',
    placeholder: country === 'mx' ? '55 5555 5555' : '12.345.678-9',
    value: preset,
    readonly: preset !== undefined,
    required: true,
  });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    'data-testid': 'login-password',
    autocomplete: 'off',
    required: true,
  });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error', hidden: true });
  const form = h(
    'form',
    { novalidate: true },
    h('label', { for: 'username' }, country === 'mx' ? 'Número de celular' : 'RUT'),
    username,
    country === 'cl' ? h('label', { for: 'password' }, 'Clave de internet') : null,
    country === 'cl' ? password : null,
    error,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Ingresar'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (!checkLogin(country, username.value, password.value)) {
      error.textContent = country === 'mx' ? 'Número de celular incorrecto.' : 'RUT o clave incorrectos.';
      error.hidden = false;
      username.focus();
      return;
    }
    void submitLogin(current, institution);
  });
  show(
    'login',
    `Ingresa a ${institution.name}`,
    form,
    hint(
      country === 'mx'
        ? `Modo de prueba: celular ${TEST_CREDENTIALS.mx.phone}.`
        : `Modo de prueba: RUT ${TEST_CREDENTIALS.cl.ruts[0]}, clave ${TEST_CREDENTIALS.cl.password}.`,
      'login-hint',
    ),
  );
}

async function submitLogin(current: Session, institution: Institution): Promise<void> {
  const mine = visit;
  emit('creating_link');
  const started = await act('start');
  if (mine !== visit || phase !== 'flow') return;
  if (!started.ok) return fail(started.code, started.message);
  emit('link_created');
  showAccounts(current, institution);
}

function showAccounts(current: Session, institution: Institution): void {
  emit('selecting_account');
  show(
    'accounts',
    '¿Desde qué cuenta pagas?',
    h(
      'div',
      { class: 'list' },
      ...ACCOUNTS[current.country].map((account) =>
        button(
          `account-${account.number}`,
          `${account.kind} · ${account.number}`,
          () => showConfirm(institution, account),
          'option',
        ),
      ),
    ),
  );
}

function showConfirm(institution: Institution, account: TestAccount): void {
  emit('payment_intent_confirmation_required');
  show(
    'confirm',
    'Confirma el pago',
    summary([
      ['Monto', amountText(), 'confirm-amount'],
      ['Banco', institution.name, 'confirm-institution'],
      ['Cuenta', `${account.kind} · ${account.number}`, 'confirm-account'],
    ]),
    button('confirm-continue', 'Confirmar pago', () => showSecondFactor(institution, account)),
  );
}

const FACTOR_TEXT: Record<TestAccount['secondFactor'], { title: string; label: string }> = {
  device: { title: 'Clave de tu dispositivo de seguridad', label: 'Clave dinámica' },
  app: { title: 'Aprueba en la app de tu banco', label: '' },
  sms: { title: 'Código enviado por SMS', label: 'Código SMS' },
  card: { title: 'Tarjeta de coordenadas', label: 'Coordenada' },
};

const COORDINATES = ['A1', 'C4', 'F2'];

function showSecondFactor(institution: Institution, account: TestAccount): void {
  emit(`${account.secondFactor}_authentication_required`);
  if (account.secondFactor === 'app') {
    // The test account's mobile app approves by itself.
    emit('validating_second_factor');
    showAuthorize(institution, account);
    return;
  }
  const text = FACTOR_TEXT[account.secondFactor];
  const inputs = account.code.map((_, index) =>
    h('input', {
      id: `mfa-${index + 1}`,
      'data-testid': `mfa-code-${index + 1}`,
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      required: true,
    }),
  );
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'mfa-error', hidden: true });
  const form = h(
    'form',
    { novalidate: true },
    ...inputs.flatMap((input, index) => [
      h(
        'label',
        { for: input.id },
        account.secondFactor === 'card' ? `${text.label} ${COORDINATES[index] ?? index + 1}` : text.label,
      ),
      input,
    ]),
    error,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'mfa-submit' }, 'Validar'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (
      !checkSecondFactor(
        account,
        inputs.map((input) => input.value),
      )
    ) {
      error.textContent = 'Código incorrecto. Inténtalo de nuevo.';
      error.hidden = false;
      inputs[0]?.focus();
      return;
    }
    emit('validating_second_factor');
    showAuthorize(institution, account);
  });
  show('mfa', text.title, form, hint(`Modo de prueba: ${account.code.join(' ')}.`, 'mfa-hint'));
}

function showAuthorize(institution: Institution, account: TestAccount): void {
  show(
    'authorize',
    'Autoriza el pago',
    summary([
      ['Monto', amountText(), 'authorize-amount'],
      ['Desde', `${institution.name} · ${account.number}`, 'authorize-account'],
    ]),
    h('p', { class: 'hint' }, 'Simulación: elige qué hace el cliente en su banco.'),
    h(
      'div',
      { class: 'list' },
      button('authorize-approve', 'Autorizar', () => void authorize()),
      button('authorize-reject', 'Rechazar', () => void reject(), 'secondary'),
      button('authorize-leave', 'Salir', () => void userClose(), 'secondary'),
      button(
        'authorize-approve-and-close',
        'Autorizar en la app del banco y cerrar la pestaña',
        () => void authorizeAndClose(),
        'secondary',
      ),
    ),
  );
}

async function authorize(): Promise<void> {
  const mine = visit;
  emit('validating_payment');
  const outcome = await act('authorize');
  if (mine !== visit || phase !== 'flow') return;
  if (!outcome.ok) return fail(outcome.code, outcome.message);
  const { status, errorReason } = outcome.value;
  switch (status) {
    case 'succeeded':
    case 'pending':
      return succeed(status);
    case 'rejected':
    case 'failed':
    case 'expired':
      return paymentError(status, errorReason);
    default:
      return undecided(status);
  }
}

/** The transfer was submitted: Fintoc's `payment_created`, then `onSuccess()` (no argument). */
function succeed(status: 'succeeded' | 'pending'): void {
  phase = 'success';
  emit('payment_created');
  post({ type: 'success' });
  show(
    'success',
    status === 'succeeded' ? '¡Pago exitoso!' : 'Pago en proceso',
    h(
      'p',
      {},
      status === 'succeeded'
        ? `Pagaste ${amountText()}.`
        : `Tu banco está procesando el pago de ${amountText()}. El comercio te confirmará el resultado.`,
    ),
    h('p', { class: 'detail' }, 'Estado: ', statusText(status)),
    button('success-close', 'Volver al comercio', () => void userClose()),
  );
}

/** The bank has not decided and the scenario says nothing more: no callback until the customer closes. */
function undecided(status: string): void {
  phase = 'ended';
  show(
    'processing',
    'El banco aún no confirma el pago',
    h('p', {}, 'El comercio te avisará cuando el banco responda.'),
    h('p', { class: 'detail' }, 'Estado: ', statusText(status)),
    button('processing-close', 'Volver al comercio', () => void userClose()),
  );
}

async function reject(): Promise<void> {
  const mine = visit;
  const outcome = await act('reject');
  if (mine !== visit || phase !== 'flow') return;
  if (!outcome.ok) return fail(outcome.code, outcome.message);
  paymentError(outcome.value.status, outcome.value.errorReason);
}

async function authorizeAndClose(): Promise<void> {
  const mine = visit;
  const outcome = await act('authorize_and_close');
  if (mine !== visit || phase !== 'flow') return;
  if (!outcome.ok) return fail(outcome.code, outcome.message);
  // The customer's tab is gone: no callback can reach the page any more, only webhooks the backend.
  phase = 'tab_closed';
  closeButton.hidden = true;
  show(
    'tab-closed',
    'Pestaña cerrada (simulación)',
    h(
      'p',
      {},
      'El cliente autorizó el pago en la app de su banco y cerró la pestaña. ' +
        'Esta página no recibirá onSuccess ni onExit: el resultado llega a tu backend por webhook.',
    ),
    h('p', { class: 'detail' }, 'Estado: ', statusText(outcome.value.status)),
  );
}

/** The customer closes the widget (the close button, Escape, or "Salir"). */
async function userClose(): Promise<void> {
  if (busy) return;
  switch (phase) {
    case 'new':
    case 'closed':
    case 'tab_closed':
      return;
    case 'flow':
      if (session) await act('leave');
      return finish(true);
    case 'success':
      return finish(false);
    case 'ended':
      return finish(true);
  }
}

function finish(exit: boolean): void {
  phase = 'closed';
  visit += 1;
  // Hidden before the page hears `closed`: messages arrive in order, so a page that calls `open()`
  // from `onEvent('closed')` (or anything after it) finds the widget closed and reopens it, instead
  // of a no-op on a still-visible widget that the late `hide` then hides.
  post({ type: 'hide' });
  emit('closed');
  if (exit) post({ type: 'exit' });
}

async function onOpen(): Promise<void> {
  if (phase === 'tab_closed') return;
  if (phase === 'closed') {
    // Opening again after the customer closed starts a new visit, as a fresh widget would.
    phase = 'new';
    session = null;
    sessionRequest = openSession();
  }
  emit('opened');
  if (phase !== 'new') return; // hidden by the page mid-flow and opened again: carry on where it was
  phase = 'flow';
  const mine = visit;
  show('loading', 'Conectando…', h('p', {}, 'Preparando tu pago.'));
  const result = await (sessionRequest ?? openSession());
  if (mine !== visit || phase !== 'flow') return;
  if (!result.ok) return fail(result.code, result.message);
  session = result.value;
  bannerEl.textContent = `Modo ${session.intent.mode === 'live' ? 'producción' : 'de prueba'} · simulación: ${SCENARIO_TEXT[session.scenario] ?? session.scenario}`;
  const preselected = findInstitution(session.country, options.institutionId);
  if (preselected) chooseInstitution(session, preselected);
  else showInstitutions(session);
}

// ---- wiring ----

closeButton.addEventListener('click', () => void userClose());
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') void userClose();
});

window.addEventListener('message', (event) => {
  if (event.source !== window.parent || event.origin !== parentOrigin) return;
  const message: unknown = event.data;
  if (!isToFrame(message, widgetId)) return;
  if (message.type === 'configure') {
    options = message.options;
    session = null;
    // Opened at create time, as the real widget loads with its token: the sandbox records the options.
    sessionRequest = openSession();
  } else {
    void onOpen();
  }
});

show('loading', 'Conectando…');
post({ type: 'listening' });
