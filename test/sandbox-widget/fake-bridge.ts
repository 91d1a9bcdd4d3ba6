/**
 * An in-memory stand-in for the sandbox's side of the widget bridge: a few payment intents with a
 * scenario each, the sessions the widget opened and the actions it sent. It validates options the
 * way the contract says, so the browser tests exercise the widget alone.
 */
import type {
  WidgetActionResult,
  WidgetBridge,
  WidgetSessionResult,
} from '../../src/sandbox/widget/index.js';

export type FakeScenario = 'succeed' | 'reject' | 'fail' | 'pending';

export interface FakeIntent {
  id: string;
  amount: number;
  currency: 'CLP' | 'MXN';
  status: string;
  errorReason: string | null;
  mode: 'test' | 'live';
  organization: string;
  widgetToken: string;
  scenario: FakeScenario;
}

const FINAL = new Set(['succeeded', 'rejected', 'failed', 'expired']);

export class FakeBridge implements WidgetBridge {
  readonly intents: FakeIntent[] = [];
  readonly sessions = new Map<string, { intent: FakeIntent; options: Record<string, unknown> }>();
  readonly actions: Array<[sessionId: string, action: string]> = [];

  /** A new intent and what a page needs to open the widget for it. */
  createIntent(
    input: Partial<Pick<FakeIntent, 'amount' | 'currency' | 'mode' | 'organization' | 'scenario'>> = {},
  ): { intent: FakeIntent; publicKey: string; widgetToken: string } {
    const id = `pi_fake${this.intents.length + 1}`;
    const intent: FakeIntent = {
      id,
      amount: input.amount ?? 15000,
      currency: input.currency ?? 'CLP',
      status: 'created',
      errorReason: null,
      mode: input.mode ?? 'test',
      organization: input.organization ?? 'shop1',
      widgetToken: `${id}_sec_${Math.random().toString(36).slice(2, 12)}`,
      scenario: input.scenario ?? 'succeed',
    };
    this.intents.push(intent);
    return { intent, publicKey: `pk_${intent.mode}_${intent.organization}`, widgetToken: intent.widgetToken };
  }

  openSession(options: Record<string, unknown>): WidgetSessionResult {
    if (options.product !== 'payments')
      return { ok: false, code: 'invalid_product', message: 'product must be "payments".' };
    const key =
      typeof options.publicKey === 'string' ? /^pk_(test|live)_(\w+)$/.exec(options.publicKey) : null;
    if (!key)
      return { ok: false, code: 'invalid_public_key', message: 'publicKey must be pk_test_… or pk_live_….' };
    if (options.holderType !== undefined && options.holderType !== 'individual') {
      return { ok: false, code: 'invalid_holder_type', message: 'holderType must be "individual".' };
    }
    const intent = this.intents.find((candidate) => candidate.widgetToken === options.widgetToken);
    if (!intent) return { ok: false, code: 'invalid_widget_token', message: 'No such widget token.' };
    if (key[1] !== intent.mode)
      return { ok: false, code: 'mode_mismatch', message: 'Key and intent modes differ.' };
    if (key[2] !== intent.organization) {
      return { ok: false, code: 'invalid_public_key', message: 'publicKey belongs to another organization.' };
    }
    if (FINAL.has(intent.status))
      return { ok: false, code: 'widget_token_spent', message: 'The intent is final.' };
    const sessionId = `ws_fake${this.sessions.size + 1}`;
    this.sessions.set(sessionId, { intent, options });
    const { id, amount, currency, status, mode } = intent;
    return {
      ok: true,
      sessionId,
      intent: { id, amount, currency, status, mode },
      country:
        options.country === 'mx' || (options.country === undefined && currency === 'MXN') ? 'mx' : 'cl',
      scenario: intent.scenario,
    };
  }

  customerAction(
    sessionId: string,
    action: 'start' | 'authorize' | 'reject' | 'leave' | 'authorize_and_close',
  ): WidgetActionResult {
    this.actions.push([sessionId, action]);
    const session = this.sessions.get(sessionId);
    if (!session) return { ok: false, code: 'session_not_found', message: `No widget session ${sessionId}.` };
    const intent = session.intent;
    if (FINAL.has(intent.status)) {
      return { ok: false, code: 'invalid_transition', message: `The intent is already ${intent.status}.` };
    }
    switch (action) {
      case 'start':
        intent.status = 'in_progress';
        break;
      case 'authorize':
      case 'authorize_and_close':
        this.settle(intent);
        break;
      case 'reject':
        intent.status = 'rejected';
        intent.errorReason = null;
        break;
      case 'leave':
        break;
    }
    return { ok: true, status: intent.status, errorReason: intent.errorReason };
  }

  private settle(intent: FakeIntent): void {
    switch (intent.scenario) {
      case 'succeed':
        intent.status = 'succeeded';
        return;
      case 'reject':
        intent.status = 'rejected';
        return;
      case 'fail':
        intent.status = 'failed';
        intent.errorReason = 'insufficient_funds';
        return;
      case 'pending':
        intent.status = 'pending';
        return;
    }
  }
}
