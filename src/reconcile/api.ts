/**
 * Reading Fintoc's Payouts API for reconciliation: the payouts created since a date and what each
 * settles (`payment_intent`, `refund`, `refund_adjustment`), within Fintoc's 100 requests a second.
 * Used by the service's daily job and by `pasarela reconcile --from-api`.
 */
import type { PaymentIntent, Payout, PayoutListParams, Refund } from '../fintoc/index.js';

/** The part of the Fintoc client read here (`createFintocClient(...).payouts` is one). */
export interface PayoutsApi {
  list(params?: PayoutListParams): AsyncIterable<Payout>;
  resources(id: string, type: 'payment_intent', params?: { per_page?: number }): AsyncIterable<PaymentIntent>;
  resources(
    id: string,
    type: 'refund' | 'refund_adjustment',
    params?: { per_page?: number },
  ): AsyncIterable<Refund>;
}

/** What one payout settles, as the Payouts API lists it. */
export interface PayoutResources {
  payment_intent: PaymentIntent[];
  refund: Refund[];
  refund_adjustment: Refund[];
}

/** Requests per second the read allows itself (Fintoc's limit is 100). */
export const PAYOUTS_API_REQUESTS_PER_SECOND = 50;

/** Items per page asked for (Fintoc's most). */
const PER_PAGE = 300;

/**
 * Waits so that no more than `perSecond` requests start in any one second (real time).
 *
 * @example
 * const pace = pacer(50); for (const id of ids) { await pace(); await get(id); }
 */
export function pacer(perSecond: number): () => Promise<void> {
  const starts: number[] = [];
  return async () => {
    for (;;) {
      const now = Date.now();
      while (starts.length > 0 && now - starts[0]! >= 1_000) starts.shift();
      if (starts.length < perSecond) {
        starts.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, 1_000 - (now - starts[0]!)));
    }
  };
}

/**
 * Reads the payouts created on or after `since` (a date or ISO time) and, for those `want` keeps
 * (all by default), what each settles. `onProgress` hears each payout read.
 *
 * @example
 * for await (const { payout, resources } of readPayouts(client.payouts, { since: '2026-03-01' })) store(payout, resources);
 */
export async function* readPayouts(
  api: PayoutsApi,
  opts: {
    since: string;
    want?: (payout: Payout) => boolean | Promise<boolean>;
    onProgress?: (p: { payouts: number; requests: number; payout: Payout }) => void;
    requestsPerSecond?: number;
  },
): AsyncGenerator<{ payout: Payout; resources: PayoutResources | null }> {
  const pace = pacer(opts.requestsPerSecond ?? PAYOUTS_API_REQUESTS_PER_SECOND);
  let requests = 0;
  const all = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    await pace();
    requests++;
    for await (const item of iterable) {
      out.push(item);
      // The next page is another request.
      if (out.length % PER_PAGE === 0) {
        await pace();
        requests++;
      }
    }
    return out;
  };
  const payouts = await all(api.list({ since: opts.since, per_page: PER_PAGE }));
  let n = 0;
  for (const payout of payouts) {
    n++;
    let resources: PayoutResources | null = null;
    if (!opts.want || (await opts.want(payout))) {
      resources = {
        payment_intent: await all(api.resources(payout.id, 'payment_intent', { per_page: PER_PAGE })),
        refund: await all(api.resources(payout.id, 'refund', { per_page: PER_PAGE })),
        refund_adjustment: await all(api.resources(payout.id, 'refund_adjustment', { per_page: PER_PAGE })),
      };
    }
    opts.onProgress?.({ payouts: n, requests, payout });
    yield { payout, resources };
  }
}
