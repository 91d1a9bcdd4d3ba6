/**
 * `GET /api/test-clock` and `POST /api/test-clock/advance`: the service's clock in test mode, moved
 * forward by a certification run or a test (bearer `PASARELA_API_KEY`). With a live Fintoc key both
 * answer `403 test_clock_live_mode`. Moving the clock runs the jobs that fell due (deadlines act at
 * once) before it answers. Not in the OpenAPI document: a test-mode tool, not the payments API.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseDuration } from '../../duration.js';
import { ServiceError } from '../../errors.js';
import { errorResponses } from '../api/schemas.js';

const MAX_MS = 366 * 86_400_000;
const BY_MESSAGE =
  'by must be a duration forward such as "10m", "90s" or a number of seconds (at most a year).';

const AdvanceBody = z.object(
  {
    by: z.union([z.number(), z.string()], { error: BY_MESSAGE }).describe('"10m", "90s", or seconds'),
  },
  { error: 'Send {"by": "10m"}.' },
);

const TestClockView = z.object({
  object: z.literal('test_clock'),
  mode: z.enum(['test', 'live']),
  now: z.string(),
  now_ms: z.number(),
  offset_ms: z.number(),
  advanced_ms: z.number().optional(),
});

const testClockRoutes: FastifyPluginAsyncZod = async (app) => {
  const { clock } = app;
  app.addHook('onRequest', app.requireApiKey);
  app.addHook('onRequest', async () => clock.assertTestMode());
  const view = () => ({
    object: 'test_clock' as const,
    mode: clock.mode,
    now: new Date(clock.now()).toISOString(),
    now_ms: clock.now(),
    offset_ms: clock.offsetMs,
  });

  app.get(
    '/api/test-clock',
    { schema: { hide: true, response: { 200: TestClockView, ...errorResponses(401, 403) } } },
    async () => view(),
  );

  app.post(
    '/api/test-clock/advance',
    {
      schema: {
        hide: true,
        body: AdvanceBody,
        response: { 200: TestClockView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { by } = request.body;
      const ms = typeof by === 'number' ? by * 1000 : parseDuration(by);
      if (ms === null || !Number.isFinite(ms) || ms < 0 || ms > MAX_MS) {
        throw new ServiceError('invalid_parameter', BY_MESSAGE, 'by');
      }
      clock.advance(ms);
      // An instance that runs jobs answers once what fell due has run, as the sandbox's clock does, so
      // a caller moving both clocks step by step keeps them in order; one without workers only moved.
      if (app.jobs.running) await app.jobs.runDue();
      return { ...view(), advanced_ms: ms };
    },
  );
};

export default testClockRoutes;
