/**
 * The sandbox side of the widget bridge: what the simulated widget (`./widget`) calls when
 * `Fintoc.create(options)` runs and when the customer acts in the simulated bank flow. It validates
 * the options as Fintoc would, records every session for `GET /_sandbox/widget_sessions`, and moves
 * the intent through the same state machine as the API, so events and webhooks follow.
 */
import { keyKind, keyMode } from '../fintoc/index.js';
import type { SandboxCore } from './core.js';
import { ApiError } from './errors.js';
import { isFinal } from './machine.js';
import type { CheckoutRecord, IntentRecord, Space, WidgetSessionRecord } from './records.js';
import { isoSeconds } from './records.js';
import type { WidgetActionResult, WidgetBridge, WidgetSessionResult } from './widget/index.js';

type Failure = Extract<WidgetSessionResult, { ok: false }>;

function fail(code: Failure['code'], message: string): Failure {
  return { ok: false, code, message };
}

export function createBridge(core: SandboxCore): WidgetBridge {
  const sessions = new Map<string, { space: Space; intent: IntentRecord; record: WidgetSessionRecord }>();
  // A restarted sandbox (state file) knows its sessions: a widget left open keeps working.
  for (const space of core.spaces.values()) {
    for (const record of space.widgetSessions) {
      const intent =
        record.ok && record.payment_intent_id ? space.intents.get(record.payment_intent_id) : null;
      if (intent) sessions.set(record.id, { space, intent, record });
    }
  }

  /**
   * The organisation a widget's `publicKey` names, so that even a refused session is listed to it.
   * A secret key names one too: its owner should see that it reached a browser.
   */
  function spaceOfKey(key: string): Space | null {
    const mode = keyMode(key);
    const kind = keyKind(key);
    const suffix = key.slice('pk_test_'.length);
    if (mode === null || kind === null || key.startsWith('Bearer ') || suffix.length < 4) return null;
    return core.space(mode, suffix);
  }

  function validate(options: Record<string, unknown>): {
    result: WidgetSessionResult;
    space: Space | null;
    intent: IntentRecord | null;
    checkout?: CheckoutRecord | null;
  } {
    const publicKey = typeof options.publicKey === 'string' ? options.publicKey : '';
    const keySpace = spaceOfKey(publicKey);
    const refuse = (code: Failure['code'], message: string) => ({
      result: fail(code, message),
      space: keySpace,
      intent: null,
    });
    const product = options.product;
    if (product !== 'payments') {
      return refuse(
        'invalid_product',
        `product must be "payments" for payment initiation; got ${JSON.stringify(product ?? null)}.`,
      );
    }
    if (keyKind(publicKey) !== 'public' || keySpace === null) {
      return refuse(
        'invalid_public_key',
        publicKey.startsWith('sk_')
          ? 'publicKey is a secret key (sk_…): never send it to a browser. Use the public key pk_test_…/pk_live_….'
          : 'publicKey must be your public key, pk_test_… or pk_live_….',
      );
    }
    const mode = keySpace.mode;
    const holderType = options.holderType;
    if (holderType !== undefined && holderType !== null && holderType !== 'individual') {
      return refuse(
        'invalid_holder_type',
        `holderType must be "individual" for payments; got ${JSON.stringify(holderType)}.`,
      );
    }
    const token = options.widgetToken;
    const sessionToken = options.sessionToken;
    let found: { space: Space; intentId: string } | undefined;
    let checkout: CheckoutRecord | null = null;
    if (sessionToken !== undefined && sessionToken !== null) {
      // The embedded checkout: the session's token; its intent is made when the widget first opens.
      if (token !== undefined && token !== null) {
        return refuse(
          'invalid_session_token',
          'Pass widgetToken (a payment intent) or sessionToken (a checkout session), not both.',
        );
      }
      const session = typeof sessionToken === 'string' ? core.sessions.byToken(sessionToken) : null;
      if (!session) {
        return refuse(
          'invalid_session_token',
          'sessionToken is not the session_token of any checkout session. Pass the session_token of a checkout session created with ui_mode "embedded".',
        );
      }
      if (session.space.suffix !== keySpace.suffix || session.space.mode !== mode) {
        return refuse(
          session.space.suffix !== keySpace.suffix ? 'invalid_public_key' : 'mode_mismatch',
          `publicKey is not the ${session.space.mode} public key of the organisation that created the checkout session.`,
        );
      }
      checkout = session.record;
      const status = checkout.object.status;
      if (status === 'finished' || status === 'expired') {
        const intentId = checkout.intentId;
        return {
          result: fail(
            'session_token_spent',
            `This checkout session is already ${status}; create a new checkout session for a new payment.`,
          ),
          space: session.space,
          intent: intentId ? (session.space.intents.get(intentId) ?? null) : null,
          checkout,
        };
      }
      found = { space: session.space, intentId: core.sessions.openIntent(session.space, checkout).object.id };
    } else {
      found = typeof token === 'string' ? core.widgetTokens.get(token) : undefined;
    }
    if (!found) {
      return refuse(
        'invalid_widget_token',
        typeof token === 'string' && token !== ''
          ? 'widgetToken is not the widget_token of any payment intent. Pass the widget_token returned when the payment intent was created.'
          : 'widgetToken is missing: pass the widget_token returned when the payment intent was created.',
      );
    }
    const intent = found.space.intents.get(found.intentId) as IntentRecord;
    if (found.space.suffix !== keySpace.suffix) {
      return refuse(
        'invalid_public_key',
        'publicKey belongs to another organisation than the payment intent of widgetToken.',
      );
    }
    if (found.space.mode !== mode) {
      return refuse(
        'mode_mismatch',
        `publicKey is a ${mode} key but the payment intent is in ${found.space.mode} mode. Use the public key of the same mode as the secret key that created the intent.`,
      );
    }
    if (isFinal(intent.object.status)) {
      return {
        result: checkout
          ? fail(
              'session_token_spent',
              `This checkout session's payment is already ${intent.object.status}; create a new checkout session for a new payment.`,
            )
          : fail(
              'widget_token_spent',
              `This payment intent is already ${intent.object.status}; create a new payment intent for a new payment.`,
            ),
        space: found.space,
        intent,
        checkout,
      };
    }
    const country = options.country === 'mx' ? 'mx' : options.country === 'cl' ? 'cl' : intent.country;
    return {
      result: {
        ok: true,
        sessionId: core.id('ws'),
        intent: {
          id: intent.object.id,
          amount: intent.object.amount,
          currency: intent.object.currency,
          status: intent.object.status,
          mode: found.space.mode,
        },
        country,
        scenario: intent.scenario.name,
      },
      space: found.space,
      intent,
      checkout,
    };
  }

  return {
    openSession(options) {
      const { result, space, intent, checkout } = validate(options);
      const record: WidgetSessionRecord = {
        id: result.ok ? result.sessionId : core.id('ws'),
        object: 'widget_session',
        created_at: isoSeconds(core.now()),
        // Only plain data: callbacks (onSuccess …) are the browser's business.
        options: JSON.parse(JSON.stringify(options ?? {})) as Record<string, unknown>,
        ok: result.ok,
        error: result.ok ? null : { code: result.code, message: result.message },
        payment_intent_id: intent?.object.id ?? null,
        checkout_session_id: checkout?.object.id ?? null,
        country: result.ok ? result.country : null,
        scenario: result.ok ? result.scenario : null,
        actions: [],
      };
      space?.widgetSessions.push(record);
      if (result.ok && space && intent) sessions.set(result.sessionId, { space, intent, record });
      return result;
    },

    customerAction(sessionId, action): WidgetActionResult {
      const session = sessions.get(sessionId);
      if (!session) return { ok: false, code: 'unknown_session', message: `No widget session ${sessionId}.` };
      const { space, intent, record } = session;
      const note = (r: WidgetActionResult): WidgetActionResult => {
        record.actions.push({
          at: isoSeconds(core.now()),
          action,
          ok: r.ok,
          status: r.ok ? r.status : null,
          error: r.ok ? null : r.message,
        });
        return r;
      };
      if (isFinal(intent.object.status)) {
        return note({
          ok: false,
          code: 'widget_token_spent',
          message: `This payment intent is already ${intent.object.status}.`,
        });
      }
      try {
        core.simulate(space, intent, action, null, `widget: ${action}`);
      } catch (err) {
        if (err instanceof ApiError) return note({ ok: false, code: err.code, message: err.message });
        throw err;
      }
      return note({ ok: true, status: intent.object.status, errorReason: intent.object.error_reason });
    },
  };
}
