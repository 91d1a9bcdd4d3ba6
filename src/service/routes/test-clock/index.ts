/**
 * `GET /api/test-clock` and `POST /api/test-clock/advance`: the service's clock in test mode, moved
 * forward by a certification run or a test (bearer `PASARELA_API_KEY`). With a live Fintoc key both
 * answer `403 test_clock_live_mode`. Moving the clock runs the jobs that fell due (deadlines act at
 * once) before it answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseDuration } from '../../duration.js';
import { ServiceError } from '../../errors.js';
import type { TestClock } from '../../test-clock.js';
import { secretMatches } from '../dashboard/auth.js';

export interface TestClockRoutesOptions {
  apiKey: string;
  clock: TestClock;
}

export default async function testClockRoutes(
  app: FastifyInstance,
  opts: TestClockRoutesOptions,
): Promise<void> {
  const { clock } = opts;
  const guard = async (request: FastifyRequest) => {
    const m = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
    if (!m || !secretMatches([opts.apiKey], m[1]!.trim())) {
      throw new ServiceError(
        'unauthorized',
        'Missing or wrong API key: send Authorization: Bearer <PASARELA_API_KEY>.',
      );
    }
    clock.assertTestMode();
  };
  const view = () => ({
    object: 'test_clock',
    mode: clock.mode,
    now: new Date(clock.now()).toISOString(),
    now_ms: clock.now(),
    offset_ms: clock.offsetMs,
  });

  app.get('/api/test-clock', { onRequest: guard }, async () => view());

  app.post('/api/test-clock/advance', { onRequest: guard }, async (request) => {
    const body = (request.body ?? {}) as { by?: unknown };
    if (body.by === undefined) throw new ServiceError('missing_parameter', 'Send {"by": "10m"}.', 'by');
    const ms =
      typeof body.by === 'number'
        ? body.by * 1000
        : typeof body.by === 'string'
          ? parseDuration(body.by)
          : null;
    if (ms === null || !Number.isFinite(ms) || ms < 0 || ms > 366 * 86_400_000) {
      throw new ServiceError(
        'invalid_parameter',
        'by must be a duration forward such as "10m", "90s" or a number of seconds (at most a year).',
        'by',
      );
    }
    clock.advance(ms);
    // An instance that runs jobs answers once what fell due has run, as the sandbox's clock does, so
    // a caller moving both clocks step by step keeps them in order; one without workers only moved.
    if (app.jobs.running) await app.jobs.runDue();
    return { ...view(), advanced_ms: ms };
  });
}
