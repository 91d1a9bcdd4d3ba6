/**
 * The payments API's published contract: `/openapi.json` is a valid OpenAPI 3.1 document generated
 * from the routes' schemas and covers every `/api` route, its reference page renders, and a bounded
 * fast-check run of requests generated from the same document (valid ones, and ones with one part
 * broken) gets no 5xx and no answer outside the document.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startHarness, type Harness } from './support/harness.js';
import {
  dereference,
  operationsOf,
  requestsFor,
  ResponseChecker,
  type OpenApiDocument,
} from './support/openapi-fuzz.js';

/** Runs per operation: small enough for the whole run to stay within a minute on a busy machine. */
const RUNS_PER_OPERATION = 250;

let h: Harness;
let doc: OpenApiDocument;
beforeAll(async () => {
  h = await startHarness();
  const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json() as OpenApiDocument;
});
afterAll(async () => {
  await h?.close();
});

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('covers every /api route the app serves (the test clock aside), with its responses', () => {
    const served = servedRoutes(h.app.printRoutes({ commonPrefix: false })).filter(
      (route) => route.split(' ')[1]!.startsWith('/api/') && !route.includes('/api/test-clock'),
    );
    // The routes the shop's backend calls today; a new /api route is held to the document below.
    for (const known of [
      'POST /api/payments',
      'GET /api/payments',
      'GET /api/payments/:id',
      'POST /api/payments/:id/attempts',
    ]) {
      expect(served).toContain(known);
    }
    const documented = new Set(
      operationsOf(doc).map(([method, path]) => `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    // A report is uploaded as the file itself.
    const upload = doc.paths['/api/reports']?.post;
    expect(Object.keys(upload?.requestBody?.content ?? {})).toEqual(['text/csv']);
    for (const [, , op] of operationsOf(doc)) {
      expect(Object.keys(op.responses ?? {})).toContain('400');
      expect(Object.keys(op.responses ?? {})).toContain('401');
    }
  });

  it('is rendered for the shop’s developers at /docs/api, from the package’s own assets', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/api' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs)/);
    const json = await h.app.inject({ method: 'GET', url: '/docs/api/json' });
    expect(json.json()).toMatchObject({ openapi: doc.openapi, paths: doc.paths });
  });
});

describe('the API against its own document (fast-check)', () => {
  it('answers every generated request below 500, with a declared status and a body its schema accepts', async () => {
    const checker = new ResponseChecker(doc);
    const plain = dereference(doc);
    // Real payments, so generated ids sometimes name one and the happy paths are reached.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await h.createPayment({ amount: 1000 + i, currency: 'CLP', order_id: `fuzz-${i}` });
      ids.push(String(created.json.id));
    }
    const started = Date.now();
    let requests = 0;
    for (const [method, path, op] of operationsOf(plain)) {
      const arbitrary = requestsFor(method, path, op, {
        headers: { authorization: `Bearer ${API_KEY}` },
        known: { id: ids, order_id: ['fuzz-0', 'fuzz-1'] },
      });
      await fc.assert(
        fc.asyncProperty(arbitrary, async (req) => {
          requests++;
          const res = await h.app.inject({
            method: req.method as 'GET',
            url: req.url,
            headers: req.headers,
            ...(req.payload !== undefined ? { payload: req.payload } : {}),
          });
          const problem = checker.problem(
            method,
            path,
            res.statusCode,
            String(res.headers['content-type'] ?? ''),
            res.body,
          );
          if (problem) throw new Error(`${req.method} ${req.url} (${req.broken}): ${problem}`);
        }),
        { numRuns: RUNS_PER_OPERATION, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
      );
    }
    console.info(
      `openapi fuzz: ${requests} requests over ${operationsOf(plain).length} operations in ${Date.now() - started} ms`,
    );
  }, 180_000);
});

/**
 * `METHOD /full/path` for every route in Fastify's route tree (`printRoutes`), HEAD and OPTIONS
 * aside (Fastify adds them itself). Each level of the tree is four characters deeper and continues
 * its parent's path.
 */
function servedRoutes(tree: string): string[] {
  const parents: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([\s│├└─]*)(\S.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (parents[depth - 1] ?? '') + match[2]!;
    parents[depth] = path;
    parents.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ')) {
      if (method && method !== 'HEAD' && method !== 'OPTIONS') routes.push(`${method} ${path}`);
    }
  }
  return routes;
}
