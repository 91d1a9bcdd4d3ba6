/**
 * The contract between the simulated widget (this folder) and the sandbox's API state. The widget's
 * routes call it; the sandbox implements it over its intents, events and webhooks. The browser never
 * sees a secret key: it sends only the public key and the widget token it was given.
 */
export interface WidgetBridge {
  /**
   * Validates what Fintoc.create received (a payment intent's `widgetToken`, or a checkout session's
   * `sessionToken`) and records the widget session for /_sandbox listing.
   */
  openSession(options: Record<string, unknown>): WidgetSessionResult;
  /** The customer's actions in the simulated bank flow, moving the intent through the API state machine (events + webhooks follow). */
  customerAction(sessionId: string, action: CustomerAction): WidgetActionResult;
}

export type WidgetSessionResult =
  | {
      ok: true;
      sessionId: string;
      intent: { id: string; amount: number; currency: string; status: string; mode: 'test' | 'live' };
      country: 'cl' | 'mx';
      scenario: string;
    }
  | {
      ok: false;
      code:
        | 'invalid_product'
        | 'invalid_public_key'
        | 'invalid_widget_token'
        | 'widget_token_spent'
        | 'mode_mismatch'
        | 'invalid_holder_type'
        | 'invalid_session_token'
        | 'session_token_spent';
      message: string;
    };

export type WidgetActionResult =
  { ok: true; status: string; errorReason: string | null } | { ok: false; code: string; message: string };

/** The customer actions the bank flow can send, in the order a flow can reach them. */
export const CUSTOMER_ACTIONS = ['start', 'authorize', 'reject', 'leave', 'authorize_and_close'] as const;
export type CustomerAction = (typeof CUSTOMER_ACTIONS)[number];
