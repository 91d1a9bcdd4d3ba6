/**
 * Payouts and report files over HTTP: Fintoc's `GET /v1/payouts…` and the control API's
 * `/_sandbox/payout_settings`, `/_sandbox/payouts/:id/simulate`, `/_sandbox/refunds/:id/simulate`,
 * `/_sandbox/ledger`, `/_sandbox/report_channels` and `/_sandbox/reports`. See docs/sandbox.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  DAILY_REPORT_SCHEDULES,
  isDate,
  PAYOUT_RESOURCE_TYPES,
  PAYOUT_SCHEDULES,
  type DailyReportSchedule,
  type FeeRate,
  type PayoutSchedule,
} from '../../fintoc/index.js';
import { formatDuration, parseDuration } from '../duration.js';
import { invalid, missing } from '../errors.js';
import { paginate } from '../http.js';
import {
  PAYMENT_SCENARIOS,
  PAYOUT_STATUSES,
  type LedgerEntry,
  type MoneySettings,
  type PaymentScenario,
} from '../payouts.js';
import { channelView, reportView } from '../reports.js';
import type { BankAccount, Space } from '../records.js';
import { bodyOf, type RouteContext } from './api.js';

type Params = { id: string };
const COUNTRIES = ['cl', 'mx'] as const;
const MAX_MINOR = 1_000_000_000_000;

function object(value: unknown, param: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('invalid_params', `${param} must be a JSON object.`, param);
  }
  return value as Record<string, unknown>;
}

function whole(value: unknown, param: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw invalid('invalid_params', `${param} must be a whole number from 0 to ${max}.`, param);
  }
  return value;
}

function text(value: unknown, param: string, max = 200): string {
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > max ||
    [...value].some((c) => c.charCodeAt(0) < 32)
  ) {
    throw invalid(
      'invalid_params',
      `${param} must be a non-empty line of text (at most ${max} characters).`,
      param,
    );
  }
  return value;
}

/**
 * The settings as `GET` and `PATCH /_sandbox/payout_settings` answer them: the same names `PATCH`
 * takes (`transfer_time` as a duration), so what was read can be sent back to restore it.
 */
function settingsView(settings: MoneySettings): Record<string, unknown> {
  const { transfer_ms, ...rest } = settings;
  return { ...rest, transfer_time: formatDuration(transfer_ms) };
}

/** Applies a PATCH body to a copy of the settings; nothing changes unless all of it is valid. */
function patchSettings(current: MoneySettings, body: Record<string, unknown>): MoneySettings {
  const next: MoneySettings = structuredClone(current);
  const known = new Set([
    'payment_scenario',
    'payout_schedule',
    'transfer_time',
    'fees',
    'daily_report',
    'extra_holidays',
    'recipient_account',
    'organization_name',
  ]);
  for (const key of Object.keys(body)) {
    if (!known.has(key))
      throw invalid('invalid_params', `Unknown setting ${JSON.stringify(key.slice(0, 50))}.`, key);
  }
  if (body.payment_scenario !== undefined) {
    if (!(PAYMENT_SCENARIOS as readonly unknown[]).includes(body.payment_scenario)) {
      throw invalid(
        'invalid_params',
        `payment_scenario must be one of ${PAYMENT_SCENARIOS.join(', ')}.`,
        'payment_scenario',
      );
    }
    next.payment_scenario = body.payment_scenario as PaymentScenario;
  }
  if (body.payout_schedule !== undefined) {
    if (!(PAYOUT_SCHEDULES as readonly unknown[]).includes(body.payout_schedule)) {
      throw invalid(
        'invalid_params',
        `payout_schedule must be one of ${PAYOUT_SCHEDULES.join(', ')} (Chile; Mexico always pays out by business day).`,
        'payout_schedule',
      );
    }
    next.payout_schedule = body.payout_schedule as PayoutSchedule;
  }
  if (body.transfer_time !== undefined) {
    const ms = parseDuration(body.transfer_time);
    if (ms === null || ms > 7 * 86_400_000) {
      throw invalid(
        'invalid_params',
        'transfer_time must be a duration up to 7d, such as "1h" or "30m".',
        'transfer_time',
      );
    }
    next.transfer_ms = ms;
  }
  if (body.daily_report !== undefined) {
    const options = [...DAILY_REPORT_SCHEDULES, 'off'];
    if (!options.includes(body.daily_report as string)) {
      throw invalid('invalid_params', `daily_report must be one of ${options.join(', ')}.`, 'daily_report');
    }
    next.daily_report = body.daily_report as DailyReportSchedule | 'off';
  }
  if (body.organization_name !== undefined) {
    next.organization_name =
      body.organization_name === null ? null : text(body.organization_name, 'organization_name');
  }
  const perCountry = (
    key: 'fees' | 'extra_holidays' | 'recipient_account',
    apply: (country: 'cl' | 'mx', value: unknown, param: string) => void,
  ) => {
    if (body[key] === undefined) return;
    const given = object(body[key], key);
    for (const k of Object.keys(given)) {
      if (!(COUNTRIES as readonly string[]).includes(k))
        throw invalid(
          'invalid_params',
          `${key} takes "cl" and "mx"; got ${JSON.stringify(k.slice(0, 20))}.`,
          key,
        );
      apply(k as 'cl' | 'mx', given[k], `${key}.${k}`);
    }
  };
  perCountry('fees', (country, value, param) => {
    const rate = object(value, param);
    const fee: FeeRate = { ...next.fees[country] };
    for (const k of Object.keys(rate)) {
      if (k !== 'rate_bps' && k !== 'fixed' && k !== 'vat_bps')
        throw invalid('invalid_params', `${param} takes rate_bps, fixed and vat_bps.`, param);
      fee[k] = whole(rate[k], `${param}.${k}`, k === 'fixed' ? MAX_MINOR : 10_000);
    }
    next.fees[country] = fee;
  });
  perCountry('extra_holidays', (country, value, param) => {
    if (!Array.isArray(value) || value.length > 1000 || !value.every(isDate)) {
      throw invalid('invalid_params', `${param} must be a list of dates, e.g. ["2025-11-16"].`, param);
    }
    next.extra_holidays[country] = [...new Set(value as string[])].sort();
  });
  perCountry('recipient_account', (country, value, param) => {
    const a = object(value, param);
    const account: BankAccount = {
      holder_id: text(a.holder_id, `${param}.holder_id`, 50),
      institution_id: text(a.institution_id, `${param}.institution_id`, 50),
      number: text(a.number, `${param}.number`, 50),
      type: text(a.type ?? 'checking_account', `${param}.type`, 50),
    };
    next.recipient_account[country] = account;
  });
  return next;
}

function entryView(e: LedgerEntry): Record<string, unknown> {
  return { ...e, object: 'ledger_entry', at: new Date(e.at).toISOString() };
}

export function payoutRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { core } = ctx;
  const money = core.money;

  // ---------------------------------------------------------------- Fintoc's API
  app.get('/v1/payouts', async (request, reply) =>
    paginate(request, reply, ctx.spaceOf(request).money.payouts, ctx.originOf(request), {
      statuses: PAYOUT_STATUSES,
      status: (p) => p.object.status,
    }).map((p) => p.object),
  );
  app.get<{ Params: Params }>(
    '/v1/payouts/:id',
    async (request) => money.payout(ctx.spaceOf(request), request.params.id).object,
  );
  app.get<{ Params: Params }>('/v1/payouts/:id/resources', async (request, reply) => {
    const space = ctx.spaceOf(request);
    const payout = money.payout(space, request.params.id);
    const type = (request.query as Record<string, unknown>).resource_type;
    if (type === undefined || type === '') throw missing('resource_type');
    if (typeof type !== 'string' || !(PAYOUT_RESOURCE_TYPES as readonly string[]).includes(type)) {
      throw invalid(
        'invalid_params',
        `resource_type must be one of ${PAYOUT_RESOURCE_TYPES.join(', ')}; got ${JSON.stringify(type)}.`,
        'resource_type',
      );
    }
    // Oldest first in the payout; paginate lists newest first, so it gets them reversed.
    const items = payout.entries
      .map((k) => space.money.entryIndex.get(k))
      .filter((e): e is LedgerEntry => e !== undefined && e.type === type)
      .map((e) => ({ createdMs: e.at, e }))
      .reverse();
    return paginate(request, reply, items, ctx.originOf(request)).map(({ e }) =>
      e.type === 'payment_intent'
        ? space.intents.get(e.object_id)?.object
        : space.refunds.get(e.object_id)?.object,
    );
  });

  // ---------------------------------------------------------------- control API
  app.get('/_sandbox/payout_settings', async (request) => settingsView(ctx.spaceOf(request).money.settings));
  app.patch('/_sandbox/payout_settings', async (request) => {
    const space = ctx.spaceOf(request);
    space.money.settings = patchSettings(space.money.settings, bodyOf(request));
    return settingsView(space.money.settings);
  });

  app.get('/_sandbox/payouts', async (request) => {
    const space = ctx.spaceOf(request);
    return {
      data: [...space.money.payouts].reverse().map((p) => ({
        ...p.object,
        sandbox: { window_date: p.window_date, gross: p.gross, fees: p.fees, entries: p.entries },
      })),
    };
  });
  app.post<{ Params: Params }>('/_sandbox/payouts/:id/simulate', async (request) => {
    const space = ctx.spaceOf(request);
    const action = bodyOf(request).action;
    if (action === undefined) throw missing('action');
    if (action !== 'succeed' && action !== 'cancel' && action !== 'return') {
      throw invalid(
        'invalid_params',
        `action must be one of succeed, cancel, return; got ${JSON.stringify(action)}.`,
        'action',
      );
    }
    return money.simulatePayout(space, request.params.id, action).object;
  });
  app.post<{ Params: Params }>('/_sandbox/refunds/:id/simulate', async (request) => {
    const space = ctx.spaceOf(request);
    const refund = core.refund(space, request.params.id);
    const body = bodyOf(request);
    if (body.action === undefined) throw missing('action');
    if (body.action !== 'fail')
      throw invalid('invalid_params', `action must be "fail"; got ${JSON.stringify(body.action)}.`, 'action');
    const code =
      body.failure_code === undefined ? 'insufficient_funds' : text(body.failure_code, 'failure_code', 100);
    money.failRefund(space, refund, code);
    return refund.object;
  });
  app.get('/_sandbox/ledger', async (request) => ({
    data: [...ctx.spaceOf(request).money.entries].reverse().map(entryView),
  }));

  app.get('/_sandbox/report_channels', async (request) => ({
    data: ctx.spaceOf(request).money.channels.map((c) => channelView(c)),
  }));
  app.post('/_sandbox/report_channels', async (request, reply) => {
    const channel = money.reports.createChannel(ctx.spaceOf(request), bodyOf(request));
    return reply.code(201).send(channelView(channel, true));
  });
  app.delete<{ Params: Params }>('/_sandbox/report_channels/:id', async (request) => {
    const channel = money.reports.deleteChannel(ctx.spaceOf(request), request.params.id);
    return { id: channel.id, object: 'report_channel', deleted: true };
  });

  const reports = (space: Space, q: Record<string, unknown>) =>
    [...space.money.reports]
      .reverse()
      .filter((r) => (!q.kind || r.kind === q.kind) && (!q.payout_id || r.payout_id === q.payout_id));
  app.get('/_sandbox/reports', async (request) => ({
    data: reports(ctx.spaceOf(request), request.query as Record<string, unknown>).map(reportView),
  }));
  app.get<{ Params: Params }>('/_sandbox/reports/:id', async (request) =>
    reportView(money.reports.report(ctx.spaceOf(request), request.params.id)),
  );
  app.get<{ Params: Params }>(
    '/_sandbox/reports/:id/download',
    async (request: FastifyRequest<{ Params: Params }>, reply) => {
      const report = money.reports.report(ctx.spaceOf(request), request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${report.filename}"`)
        .send(report.content);
    },
  );
}
