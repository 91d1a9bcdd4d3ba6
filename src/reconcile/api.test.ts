import { describe, expect, it } from 'vitest';
import { pacer, readPayouts, type PayoutsApi } from './api.js';

describe('pacer', () => {
  it('never lets more than the limit start within any one second', async () => {
    const pace = pacer(20);
    const starts: number[] = [];
    for (let i = 0; i < 45; i++) {
      await pace();
      starts.push(Date.now());
    }
    for (let i = 20; i < starts.length; i++)
      expect(starts[i]! - starts[i - 20]!).toBeGreaterThanOrEqual(1_000);
  }, 30_000);
});

describe('readPayouts', () => {
  it('reads every page of payouts and the resources of those it wants', async () => {
    const calls: string[] = [];
    async function* items<T>(what: string, list: T[]): AsyncGenerator<T> {
      calls.push(what);
      yield* list;
    }
    const payout = (id: string) =>
      ({
        id,
        object: 'payout',
        amount: 100,
        currency: 'CLP',
        created_at: '2026-03-02T18:00:00Z',
        mode: 'test',
        recipient_account: null,
        status: 'succeeded',
      }) as const;
    const api = {
      list: (params: unknown) => items(`list ${JSON.stringify(params)}`, [payout('po_1'), payout('po_2')]),
      resources: (id: string, type: string) =>
        items(`${id} ${type}`, type === 'payment_intent' ? [{ id: `pi_${id}`, amount: 100 }] : []),
    } as unknown as PayoutsApi;
    const got = [];
    for await (const r of readPayouts(api, { since: '2026-03-01', want: (p) => p.id === 'po_2' }))
      got.push(r);
    expect(got.map((g) => [g.payout.id, g.resources?.payment_intent.map((p) => p.id) ?? null])).toEqual([
      ['po_1', null],
      ['po_2', ['pi_po_2']],
    ]);
    expect(calls).toEqual([
      'list {"since":"2026-03-01","per_page":300}',
      'po_2 payment_intent',
      'po_2 refund',
      'po_2 refund_adjustment',
    ]);
  });
});
