/**
 * The control API, `/_sandbox/…`: the test clock, scenarios, driving an intent without a browser,
 * delivery faults, and listings for inspection. Authenticated with the organisation's secret key
 * like the API, so organisations stay apart (the clock is shared by all). See docs/sandbox.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SIMULATE_ACTIONS, type SimulateAction } from '../core.js';
import { Deliverer } from '../delivery.js';
import { parseDuration } from '../duration.js';
import { invalid, missing, notFound } from '../errors.js';
import { SCENARIOS, scenario, type Scenario, type ScenarioName } from '../machine.js';
import { isoSeconds, type Fault, type FaultKind, type IntentRecord } from '../records.js';
import { bodyOf, type RouteContext } from './api.js';

const FAULT_KINDS: readonly FaultKind[] = [
  'drop',
  'lose_response',
  'delay',
  'duplicate',
  'reorder',
  'stop',
  'slow_api',
];

export function parseScenario(body: Record<string, unknown>): Scenario {
  const name = body.scenario ?? body.name;
  if (name === undefined || name === null) throw missing('scenario');
  if (typeof name !== 'string' || !(SCENARIOS as readonly string[]).includes(name)) {
    throw invalid(
      'invalid_params',
      `scenario must be one of ${SCENARIOS.join(', ')}; got ${JSON.stringify(name)}.`,
      'scenario',
    );
  }
  const reason = body.error_reason;
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason === '')) {
    throw invalid(
      'invalid_params',
      'error_reason must be a non-empty string such as "insufficient_funds".',
      'error_reason',
    );
  }
  let pendingFor: number | undefined;
  if (body.pending_for !== undefined) {
    const ms = parseDuration(body.pending_for);
    if (ms === null)
      throw invalid(
        'invalid_params',
        'pending_for must be a duration such as "30s", "10m" or a number of seconds.',
        'pending_for',
      );
    pendingFor = ms;
  }
  return scenario(name as ScenarioName, (reason as string | undefined) ?? null, pendingFor);
}

function intentView(r: IntentRecord): Record<string, unknown> {
  return { ...r.object, widget_token: r.widgetToken, sandbox: { scenario: r.scenario, history: r.history } };
}

export function controlRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { core } = ctx;
  const clock = core.o.clock;
  type Params = { id: string };

  const clockView = () => ({
    now: new Date(clock.now()).toISOString(),
    now_ms: clock.now(),
    offset_ms: clock.offsetMs,
    scheduled: clock
      .pending()
      .slice(0, 100)
      .map((t) => ({ at: new Date(t.at).toISOString(), label: t.label })),
  });

  // Clock
  app.get('/_sandbox/clock', async (request) => {
    ctx.spaceOf(request);
    return clockView();
  });
  app.post('/_sandbox/clock/advance', async (request) => {
    ctx.spaceOf(request);
    const body = bodyOf(request);
    if (body.by === undefined) throw missing('by');
    const ms = parseDuration(body.by);
    if (ms === null) {
      throw invalid(
        'invalid_params',
        'by must be a duration such as "10m", "3s", "1h30m" or a number of seconds.',
        'by',
      );
    }
    const r = await clock.advance(ms);
    return { ...clockView(), advanced_ms: r.to - r.from, tasks_run: r.tasksRun };
  });

  // Settings (sandbox-wide, like the clock)
  const settingsView = () => ({
    sign_with: core.o.signWith,
    intent_timeout_ms: core.o.intentTimeoutMs,
  });
  app.get('/_sandbox/settings', async (request) => {
    ctx.spaceOf(request);
    return settingsView();
  });
  app.patch('/_sandbox/settings', async (request) => {
    ctx.spaceOf(request);
    const body = bodyOf(request);
    let signWith = core.o.signWith;
    let timeout = core.o.intentTimeoutMs;
    if (body.sign_with !== undefined) {
      if (body.sign_with !== 'clock' && body.sign_with !== 'wall') {
        throw invalid(
          'invalid_params',
          'sign_with must be "clock" (sandbox time) or "wall" (real time).',
          'sign_with',
        );
      }
      signWith = body.sign_with;
    }
    if (body.intent_timeout !== undefined) {
      const ms =
        body.intent_timeout === null || body.intent_timeout === 'never'
          ? null
          : parseDuration(body.intent_timeout);
      if (ms === null && body.intent_timeout !== null && body.intent_timeout !== 'never') {
        throw invalid(
          'invalid_params',
          'intent_timeout must be a duration such as "10m", or "never".',
          'intent_timeout',
        );
      }
      timeout = ms;
    }
    core.o.signWith = signWith;
    core.o.intentTimeoutMs = timeout;
    return settingsView();
  });

  // Scenarios
  app.get('/_sandbox/scenario', async (request) => ctx.spaceOf(request).defaultScenario);
  const setDefault = async (request: FastifyRequest) => {
    const space = ctx.spaceOf(request);
    space.defaultScenario = parseScenario(bodyOf(request));
    return space.defaultScenario;
  };
  app.put('/_sandbox/scenario', setDefault);
  app.post('/_sandbox/scenario', setDefault);
  const setIntentScenario = async (request: FastifyRequest<{ Params: Params }>) => {
    const space = ctx.spaceOf(request);
    const record = core.intent(space, request.params.id);
    record.scenario = parseScenario(bodyOf(request));
    return intentView(record);
  };
  app.put<{ Params: Params }>('/_sandbox/payment_intents/:id/scenario', setIntentScenario);
  app.post<{ Params: Params }>('/_sandbox/payment_intents/:id/scenario', setIntentScenario);

  // Intents
  app.get('/_sandbox/payment_intents', async (request) => ({
    data: [...ctx.spaceOf(request).intentList].reverse().map(intentView),
  }));
  app.get<{ Params: Params }>('/_sandbox/payment_intents/:id', async (request) =>
    intentView(core.intent(ctx.spaceOf(request), request.params.id)),
  );
  app.post<{ Params: Params }>('/_sandbox/payment_intents/:id/simulate', async (request) => {
    const space = ctx.spaceOf(request);
    const record = core.intent(space, request.params.id);
    const body = bodyOf(request);
    const action = body.action;
    if (action === undefined) throw missing('action');
    if (typeof action !== 'string' || !(SIMULATE_ACTIONS as readonly string[]).includes(action)) {
      throw invalid(
        'invalid_params',
        `action must be one of ${SIMULATE_ACTIONS.join(', ')}; got ${JSON.stringify(action)}.`,
        'action',
      );
    }
    const reason =
      typeof body.error_reason === 'string' && body.error_reason !== '' ? body.error_reason : null;
    core.simulate(space, record, action as SimulateAction, reason, `control: ${action}`);
    return intentView(record);
  });

  // Events, deliveries, widget sessions, requests
  app.get('/_sandbox/events', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const events = [...ctx.spaceOf(request).eventList].reverse();
    return {
      data: events
        .filter((e) => !q.type || e.object.type === q.type)
        .map((e) => ({ ...e.object, sandbox: { source: e.source } })),
    };
  });
  app.get('/_sandbox/deliveries', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const list = [...ctx.spaceOf(request).deliveryList]
      .reverse()
      .filter(
        (d) =>
          (!q.event_id || d.event_id === q.event_id) &&
          (!q.endpoint_id || d.endpoint_id === q.endpoint_id) &&
          (!q.event_type || d.event_type === q.event_type) &&
          (!q.status || d.status === q.status),
      );
    return { data: list.map(Deliverer.view) };
  });
  app.get<{ Params: Params }>('/_sandbox/deliveries/:id', async (request) => {
    const d = ctx.spaceOf(request).deliveries.get(request.params.id);
    if (!d) throw notFound('sandbox_delivery', request.params.id);
    return Deliverer.view(d);
  });
  app.post<{ Params: Params }>('/_sandbox/deliveries/:id/resend', async (request, reply) => {
    const space = ctx.spaceOf(request);
    const d = space.deliveries.get(request.params.id);
    if (!d) throw notFound('sandbox_delivery', request.params.id);
    const again = core.deliverer.resend(space, d);
    if (!again) throw notFound('webhook_endpoint', d.endpoint_id);
    return reply.code(201).send(Deliverer.view(again));
  });
  app.get('/_sandbox/widget_sessions', async (request) => ({
    data: [...ctx.spaceOf(request).widgetSessions].reverse(),
  }));
  app.get('/_sandbox/requests', async (request) => ({
    data: ctx.spaceOf(request).requests.slice(-ctx.requestLogSize).reverse(),
  }));
  app.get<{ Params: Params }>('/_sandbox/webhook_endpoints/:id/secret', async (request) => {
    const e = core.endpoint(ctx.spaceOf(request), request.params.id);
    return { id: e.object.id, secret: e.secret };
  });

  // Faults
  app.get('/_sandbox/faults', async (request) => ({ data: [...ctx.spaceOf(request).faults.values()] }));
  app.post('/_sandbox/faults', async (request, reply) => {
    const space = ctx.spaceOf(request);
    const body = bodyOf(request);
    const kind = body.kind;
    if (kind === undefined) throw missing('kind');
    if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw invalid(
        'invalid_params',
        `kind must be one of ${FAULT_KINDS.join(', ')}; got ${JSON.stringify(kind)}.`,
        'kind',
      );
    }
    const endpointId = body.endpoint_id ?? null;
    if (endpointId !== null) {
      if (typeof endpointId !== 'string')
        throw invalid('invalid_params', 'endpoint_id must be a string.', 'endpoint_id');
      core.endpoint(space, endpointId);
    }
    const eventType = body.event_type ?? null;
    if (eventType !== null && (typeof eventType !== 'string' || eventType === '')) {
      throw invalid(
        'invalid_params',
        'event_type must be an event type such as "payment_intent.succeeded".',
        'event_type',
      );
    }
    const intentId = body.payment_intent_id ?? null;
    if (intentId !== null) {
      if (typeof intentId !== 'string')
        throw invalid('invalid_params', 'payment_intent_id must be a string (pi_…).', 'payment_intent_id');
      core.intent(space, intentId);
    }
    let count: number | null = null;
    if (kind === 'drop' || kind === 'lose_response' || kind === 'duplicate') {
      count = body.count === undefined ? 1 : (body.count as number);
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > 1000) {
        throw invalid('invalid_params', 'count must be an integer from 1 to 1000.', 'count');
      }
    }
    let delay: number | null = null;
    if (kind === 'delay' || kind === 'reorder' || kind === 'slow_api') {
      const given = body.delay ?? body.window;
      if (given === undefined && kind !== 'reorder') throw missing('delay');
      delay = given === undefined ? 5000 : parseDuration(given);
      if (delay === null)
        throw invalid(
          'invalid_params',
          'delay must be a duration such as "30s" or a number of seconds.',
          'delay',
        );
    }
    const probability = body.probability ?? 1;
    if (typeof probability !== 'number' || !(probability > 0 && probability <= 1)) {
      throw invalid(
        'invalid_params',
        'probability must be a number above 0 and at most 1 (the chance the fault acts on each delivery or request).',
        'probability',
      );
    }
    const fault: Fault = {
      id: core.id('flt'),
      object: 'sandbox_fault',
      kind: kind as FaultKind,
      endpoint_id: endpointId,
      event_type: eventType as string | null,
      payment_intent_id: intentId,
      count,
      delay_ms: delay,
      probability,
      created_at: isoSeconds(core.now()),
    };
    space.faults.set(fault.id, fault);
    return reply.code(201).send(fault);
  });
  app.delete<{ Params: Params }>('/_sandbox/faults/:id', async (request) => {
    const space = ctx.spaceOf(request);
    const fault = space.faults.get(request.params.id);
    if (!fault) throw notFound('sandbox_fault', request.params.id);
    space.faults.delete(fault.id);
    core.deliverer.release(space);
    return { id: fault.id, object: 'sandbox_fault', deleted: true };
  });
  app.delete('/_sandbox/faults', async (request) => {
    const space = ctx.spaceOf(request);
    const n = space.faults.size;
    space.faults.clear();
    core.deliverer.release(space);
    return { deleted: n };
  });
}
