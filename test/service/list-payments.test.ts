/**
 * `GET /api/payments` as a Stripe user expects it: filters that work, unknown ones refused, pages
 * with `limit`, `starting_after`/`ending_before` and `has_more`; and an order paid once is not
 * charged again unless the shop says so (`409 order_already_paid`).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, harnessBudget, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(
  async () => {
    h = await startHarness();
  },
  harnessBudget({ harnesses: 1, steps: 0 }),
);
afterAll(async () => {
  await h?.close();
});

type ApiPayment = { id: string; status: string; order_id: string; created_at: string };
type ApiList = { object: string; data: ApiPayment[]; has_more: boolean };

let seq = 0;
const order = (tag: string) => `list-${tag}-${++seq}`;

async function create(orderId: string, extra: Record<string, unknown> = {}, headers = {}) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/api/payments',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ amount: 2500, currency: 'CLP', order_id: orderId, ...extra }),
  });
  return { status: res.statusCode, json: res.json() as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function list(query: string) {
  const res = await h.app.inject({
    method: 'GET',
    url: `/api/payments${query ? `?${query}` : ''}`,
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  return { status: res.statusCode, json: res.json() as ApiList & { error?: Record<string, unknown> } };
}

async function pay(intentId: string, action: 'succeed' | 'reject') {
  await h.simulate(intentId, action);
  await h.settle();
}

describe('GET /api/payments filters', () => {
  it(
    'answers only the payments in the status asked for (pending ones are not succeeded ones)',
    async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const paid = await create(order('status'));
      const open = await create(order('status'));
      const rejected = await create(order('status'));
      await pay(paid.json.payment_intent_id, 'succeed');
      await pay(rejected.json.payment_intent_id, 'reject');
      const ids = async (q: string) => {
        const res = await list(`${q}&created_gte=${encodeURIComponent(since)}&limit=500`);
        expect(res.status, q).toBe(200);
        return res.json.data.map((p) => p.id);
      };
      const succeeded = await list('status=succeeded&limit=500');
      expect(succeeded.json.data.every((p) => p.status === 'succeeded')).toBe(true);
      expect(succeeded.json.data.map((p) => p.id)).toContain(paid.json.id);
      expect(await ids('status=succeeded')).toEqual([paid.json.id]);
      expect(await ids('status=pending')).toEqual([open.json.id]);
      expect(await ids('status=failed')).toEqual([rejected.json.id]);
      expect(await ids(`order_id=${paid.json.order_id}`)).toEqual([paid.json.id]);
      expect(await ids('paid_after_cancel=true')).toEqual([]);
      expect(await ids('paid_after_cancel=false')).toEqual([rejected.json.id, open.json.id, paid.json.id]);
      // created_lt before everything of this test: none of them.
      expect(await ids(`created_lt=${encodeURIComponent(since)}`)).toEqual([]);
    },
    harnessBudget({ harnesses: 0, steps: 30 }),
  );

  it(
    'refuses an unknown or malformed filter with 400 invalid_parameter naming it, never listing everything',
    async () => {
      for (const [query, param] of [
        ['statuss=succeeded', 'statuss'],
        ['state=pending', 'state'],
        ['status=paid', 'status'],
        ['status=SUCCEEDED', 'status'],
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=ten', 'limit'],
        ['created_gte=yesterday', 'created_gte'],
        // Year 0 is ISO 8601, but the embedded database refused it as a parameter: a 500, not a 400.
        ['created_gte=0000-01-01T00:00:00Z', 'created_gte'],
        [`created_lt=${encodeURIComponent('0001-01-01T00:30:00+01:00')}`, 'created_lt'],
        ['paid_after_cancel=yes', 'paid_after_cancel'],
        ['starting_after=nope', 'starting_after'],
        [
          'starting_after=pay_AAAAAAAAAAAAAAAAAAAAAA&ending_before=pay_BBBBBBBBBBBBBBBBBBBBBB',
          'ending_before',
        ],
        ['status=pending&status=failed', 'status'],
      ] as const) {
        const res = await list(query);
        expect(res.status, query).toBe(400);
        expect(res.json.error, query).toMatchObject({ code: 'invalid_parameter', param });
      }
      const unknown = await list('colour=red');
      expect(unknown.json.error?.message).toMatch(
        /^Unknown query parameter colour; accepted: status, order_id/,
      );
      const csv = await h.app.inject({
        method: 'GET',
        url: '/api/payments.csv?created_gte=0000-01-01T00:00:00Z',
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect([csv.statusCode, csv.json().error?.param]).toEqual([400, 'created_gte']);
      // A well-formed cursor naming no payment: said so, not an empty page.
      const gone = await list('starting_after=pay_doesnotexist0000000');
      expect(gone.status).toBe(400);
      expect(gone.json.error).toMatchObject({ code: 'invalid_parameter', param: 'starting_after' });
    },
    harnessBudget({ harnesses: 0, steps: 20 }),
  );

  it(
    'gets no 5xx from generated query strings: each answer is a list or a 400 in the envelope',
    async () => {
      // Well-formed date-times of every four-digit year (fc.date leans on its bounds, year 0 among them).
      const isoTime = fc
        .date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
      const names = fc.constantFrom(
        'status',
        'order_id',
        'limit',
        'starting_after',
        'ending_before',
        'created_gte',
        'created_lt',
        'paid_after_cancel',
        'expand',
        'x',
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(names, fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), isoTime)),
            {
              maxLength: 4,
            },
          ),
          async (pairs) => {
            const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
            const res = await list(query);
            expect([200, 400]).toContain(res.status);
            if (res.status === 200) expect(res.json.object).toBe('list');
            else expect(typeof res.json.error?.code).toBe('string');
          },
        ),
        { numRuns: 150 },
      );
    },
    harnessBudget({ harnesses: 0, steps: 160 }),
  );
});

describe('GET /api/payments pages', () => {
  it(
    'walks every payment once with starting_after and back with ending_before, has_more at each end',
    async () => {
      const made: string[] = [];
      let since = '';
      for (let i = 0; i < 7; i++) {
        const created = (await create(order('page'))).json;
        made.push(created.id);
        // From the first of these: payments earlier tests made just before must not join the pages.
        since ||= created.created_at;
      }
      const newestFirst = [...made].reverse();
      const scope = `created_gte=${encodeURIComponent(since)}&status=pending`;
      const pages: ApiList[] = [];
      let cursor: string | null = null;
      do {
        const res = await list(`${scope}&limit=3${cursor ? `&starting_after=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        pages.push(res.json);
        cursor = res.json.has_more ? res.json.data[res.json.data.length - 1]!.id : null;
      } while (cursor);
      expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
      expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
      expect(pages.flatMap((p) => p.data.map((d) => d.id))).toEqual(newestFirst);
      // Back from the last page: the page before it, and has_more says newer ones remain.
      const back = await list(`${scope}&limit=3&ending_before=${pages[2]!.data[0]!.id}`);
      expect(back.json.data.map((d) => d.id)).toEqual(pages[1]!.data.map((d) => d.id));
      expect(back.json.has_more).toBe(true);
      const first = await list(`${scope}&limit=3&ending_before=${pages[1]!.data[0]!.id}`);
      expect(first.json.data.map((d) => d.id)).toEqual(pages[0]!.data.map((d) => d.id));
      expect(first.json.has_more).toBe(false);
    },
    harnessBudget({ harnesses: 0, steps: 20 }),
  );

  it(
    'is published in /openapi.json: the filters, the cursors and has_more',
    async () => {
      const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
        components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
      };
      const params = (doc.paths['/api/payments']!.get!.parameters ?? []).map((p) => `${p.in} ${p.name}`);
      for (const name of [
        'status',
        'order_id',
        'paid_after_cancel',
        'created_gte',
        'created_lt',
        'limit',
        'starting_after',
        'ending_before',
      ]) {
        expect(params).toContain(`query ${name}`);
      }
      expect(Object.keys(doc.components.schemas.PaymentList!.properties ?? {}).sort()).toEqual([
        'data',
        'has_more',
        'object',
      ]);
    },
    harnessBudget({ harnesses: 0, steps: 2 }),
  );
});

describe('an order paid once', () => {
  it(
    'refuses a second payment with 409 order_already_paid naming the paid one, unless the shop allows repeats',
    async () => {
      const id = order('paid');
      const first = await create(id, {}, { 'idempotency-key': `${id}-key` });
      expect(first.status).toBe(201);
      await pay(first.json.payment_intent_id, 'succeed');
      expect((await h.getPayment(first.json.id)).status).toBe('succeeded');

      const again = await create(id);
      expect(again.status).toBe(409);
      expect(again.json.error).toMatchObject({
        code: 'order_already_paid',
        param: 'order_id',
        payment_id: first.json.id,
      });
      // Nothing was stored for the refused request.
      expect((await list(`order_id=${id}`)).json.data.map((p) => p.id)).toEqual([first.json.id]);
      // The same request replayed with its Idempotency-Key still answers the paid payment.
      const replay = await create(id, {}, { 'idempotency-key': `${id}-key` });
      expect(replay.status).toBe(200);
      expect(replay.json.id).toBe(first.json.id);
      // A shop that sells repeatedly under one order id says so.
      const repeat = await create(id, { allow_repeat_payment: true });
      expect(repeat.status).toBe(201);
      expect(repeat.json.status).toBe('pending');
      const bad = await create(id, { allow_repeat_payment: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ code: 'invalid_parameter', param: 'allow_repeat_payment' });
    },
    harnessBudget({ harnesses: 0, steps: 15 }),
  );
});
