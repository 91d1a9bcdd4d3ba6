/**
 * Sample `data` for synthetic events (`POST /v1/events/trigger`, endpoint tests): realistic objects
 * of the event's resource, with the nulls a real one has.
 */
import { isoSeconds, type BankAccount, type Mode } from './records.js';

/** The test account Fintoc documents for each country (its test-mode guides). */
export const SENDER: Record<'cl' | 'mx', BankAccount> = {
  cl: {
    holder_id: '416148503',
    institution_id: 'cl_banco_estado',
    number: '422159212',
    type: 'checking_account',
  },
  mx: {
    holder_id: 'mfiu593501oe4',
    institution_id: 'mx_stp',
    number: '501514890244223279',
    type: 'checking_account',
  },
};
/** Where Fintoc Collects receives the money when the intent names no recipient account. */
export const COLLECT: Record<'cl' | 'mx', BankAccount> = {
  cl: {
    holder_id: '771433855',
    institution_id: 'cl_banco_de_chile',
    number: '123456789',
    type: 'checking_account',
  },
  mx: {
    holder_id: 'fsm211008hz9',
    institution_id: 'mx_stp',
    number: '646180357600000000',
    type: 'checking_account',
  },
};

export function sampleData(type: string, mode: Mode, now: number, id: (prefix: string) => string): unknown {
  const [resource, action = 'created'] = type.split('.');
  const created_at = isoSeconds(now);
  switch (resource) {
    case 'payment_intent': {
      const status = ['succeeded', 'rejected', 'failed', 'expired', 'pending'].includes(action)
        ? action
        : 'succeeded';
      const settled = status === 'succeeded' || status === 'rejected' || status === 'failed';
      return {
        id: id('pi'),
        object: 'payment_intent',
        amount: 5000,
        currency: 'CLP',
        status,
        created_at,
        customer_email: null,
        error_reason:
          status === 'failed'
            ? 'insufficient_funds'
            : status === 'rejected'
              ? 'mfa_invalid_authorization'
              : status === 'expired'
                ? 'manually_expired'
                : null,
        metadata: {},
        mode,
        // Copies: overrides write into this object (`-o recipient_account.number=…`).
        recipient_account: { ...COLLECT.cl },
        sender_account: settled ? { ...SENDER.cl } : null,
        reference_id: null,
        transaction_date: null,
        widget_token: null,
        business_profile: null,
        expires_at: null,
        payment_type: 'bank_transfer',
        payment_type_options: {},
      };
    }
    case 'checkout_session': {
      // As a real one: `finished` carries its final payment intent, `expired` none.
      const finished = action !== 'expired';
      return {
        id: id('cs'),
        object: 'checkout_session',
        amount: 5000,
        currency: 'CLP',
        status: finished ? 'finished' : 'expired',
        success_url: 'https://shop.example/success',
        cancel_url: 'https://shop.example/cancel',
        redirect_url: null,
        session_token: null,
        ui_mode: 'hosted',
        created_at,
        expires_at: isoSeconds(now + 86_400_000),
        customer: null,
        customer_email: null,
        metadata: {},
        mode,
        flow: 'payment',
        business_profile: null,
        line_items: null,
        payment_method: null,
        payment_method_options: {},
        payment_method_types: ['bank_transfer'],
        payment_resource: {
          payment_intent: finished ? sampleData('payment_intent.succeeded', mode, now, id) : null,
        },
      };
    }
    case 'refund':
      return {
        id: id('re'),
        object: 'refund',
        amount: 5000,
        currency: 'CLP',
        status: action,
        resource_type: 'payment_intent',
        resource_id: id('pi'),
        metadata: {},
        mode,
        created_at,
        updated_at: created_at,
        failure_code: action === 'failed' ? 'insufficient_funds' : null,
      };
    default:
      return { id: id('evt').replace(/^evt_/, `${resource}_`), object: resource, mode, created_at };
  }
}
