/**
 * Fintoc's report files, written by the sandbox: the payout reconciliation report (one per payout,
 * when it succeeds) and the daily transaction report (one per day with movements), as semicolon CSV
 * with the columns of src/fintoc's `REPORT_COLUMNS`, delivered to the channels an organisation
 * configures through the control API: a folder, an e-mail drop (an `.eml` in a maildir) and an HTTPS
 * POST (signed like webhooks, retried on the webhook schedule). Every file is also kept for download.
 *
 * Folders and maildirs live under the sandbox's `reportsDir`: a channel cannot make the sandbox write
 * anywhere else on the machine.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  dailyReportFilename,
  payoutReportFilename,
  REPORT_COLUMNS,
  REPORT_SEPARATOR,
  sign,
  type ReportKind,
} from '../fintoc/index.js';
import type { SandboxCore } from './core.js';
import { MAX_RETRIES, retryDelayMs } from './delivery.js';
import { invalid, missing, notFound } from './errors.js';
import { checkUrl } from './params.js';
import type { Currency, LedgerEntry, Money, MoneyTask, PayoutRecord } from './payouts.js';
import { isoSeconds } from './iso.js';
import type { Space } from './records.js';

export const CHANNEL_TYPES = ['folder', 'email', 'https'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Where an organisation's reports go. */
export interface ReportChannel {
  id: string;
  object: 'report_channel';
  type: ChannelType;
  /** Which reports it receives. */
  reports: ReportKind[];
  created_at: string;
  /** folder: the folder; email: the maildir (absolute, inside the sandbox's reports folder). */
  path: string | null;
  /** email: the recipient. */
  to: string | null;
  /** https: where the file is POSTed. */
  url: string | null;
  /** https: the `whsec_…` that signs each POST (shown once, when the channel is created). */
  secret: string | null;
}

export interface DeliveryAttempt {
  at: string;
  ok: boolean;
  status_code: number | null;
  error: string | null;
}

export interface ReportDelivery {
  channel_id: string;
  type: ChannelType;
  status: 'scheduled' | 'delivered' | 'failed';
  /** The file written (folder, email) or the URL (https). */
  location: string | null;
  attempts: DeliveryAttempt[];
}

export interface ReportRecord {
  id: string;
  object: 'report';
  kind: ReportKind;
  filename: string;
  date: string;
  currency: Currency;
  payout_id: string | null;
  created_at: string;
  /** Lines after the header. */
  lines: number;
  sha256: string;
  content: string;
  deliveries: ReportDelivery[];
}

const CRLF = '\r\n';
const EMAIL_FROM = 'Fintoc (sandbox) <reportes@sandbox.pasarela.invalid>';
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** A field as CSV writes it: quoted when it holds the separator, a quote or a line break. */
function field(value: string | number): string {
  const s = String(value);
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The view of a channel the control API shows (the secret only when it is created). */
export function channelView(c: ReportChannel, withSecret = false): Record<string, unknown> {
  return { ...c, secret: withSecret ? c.secret : null };
}

/** The view of a report without its content. */
export function reportView(r: ReportRecord): Omit<ReportRecord, 'content'> {
  const { content: _content, ...rest } = r;
  return rest;
}

export class ReportDesk {
  readonly #cancels = new Map<string, () => void>();

  constructor(
    private readonly core: SandboxCore,
    private readonly money: Money,
  ) {}

  // ---------------------------------------------------------------- making files

  #rows(space: Space, entries: LedgerEntry[], payoutId: string | null): string {
    const lines = [REPORT_COLUMNS.join(REPORT_SEPARATOR)];
    for (const e of entries) {
      const intent = space.intents.get(e.payment_intent_id);
      const refund = e.type === 'payment_intent' ? undefined : space.refunds.get(e.object_id);
      const object = refund?.object ?? intent?.object;
      const row: Record<(typeof REPORT_COLUMNS)[number], string | number> = {
        id: e.object_id,
        created_at: object?.created_at ?? '',
        amount: e.amount,
        fee: e.fee,
        net: e.amount - e.fee,
        currency: e.currency,
        type: e.type,
        payment_intent_id: e.payment_intent_id,
        status: object?.status ?? '',
        transaction_at: isoSeconds(e.at),
        payout_id: payoutId ?? e.payout_id ?? '',
      };
      lines.push(REPORT_COLUMNS.map((c) => field(row[c])).join(REPORT_SEPARATOR));
    }
    return lines.join(CRLF) + CRLF;
  }

  #store(
    space: Space,
    kind: ReportKind,
    date: string,
    currency: Currency,
    payoutId: string | null,
    content: string,
    lines: number,
  ): ReportRecord {
    const m = space.money;
    const make = kind === 'payout' ? payoutReportFilename : dailyReportFilename;
    const base = make(date, space.organizationName);
    // Two files of one name (two currencies, or a second payout on a day): -2, -3 … as a mailbox would.
    let filename = base;
    for (let n = 2; m.reports.some((r) => r.filename === filename); n++)
      filename = base.replace(/\.csv$/, `-${n}.csv`);
    const record: ReportRecord = {
      id: this.core.id('rpt'),
      object: 'report',
      kind,
      filename,
      date,
      currency,
      payout_id: payoutId,
      created_at: isoSeconds(this.core.now()),
      lines,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
      deliveries: [],
    };
    m.reports.push(record);
    m.reportIndex.set(record.id, record);
    this.#deliver(space, record);
    this.core.changed();
    return record;
  }

  /** The payout reconciliation report of a payout that succeeded. */
  payoutReport(space: Space, payout: PayoutRecord): ReportRecord {
    const entries = payout.entries
      .map((k) => space.money.entryIndex.get(k))
      .filter((e): e is LedgerEntry => e !== undefined)
      .sort((a, b) => a.at - b.at);
    const date = this.money.dateOf(payout.object.currency, payout.createdMs);
    return this.#store(
      space,
      'payout',
      date,
      payout.object.currency,
      payout.object.id,
      this.#rows(space, entries, payout.object.id),
      entries.length,
    );
  }

  /** The daily transaction report of one window (a day, or Chile's banking day). */
  dailyReport(space: Space, currency: Currency, start: number, end: number, date: string): ReportRecord {
    const entries = space.money.entries
      .filter((e) => e.currency === currency && e.at >= start && e.at < end)
      .sort((a, b) => a.at - b.at);
    return this.#store(
      space,
      'daily',
      date,
      currency,
      null,
      this.#rows(space, entries, null),
      entries.length,
    );
  }

  // ---------------------------------------------------------------- channels

  /** A path for a folder or maildir: relative to the reports folder, and never outside it. */
  #confine(value: unknown, param: string): string {
    if (value === undefined || value === null || value === '') throw missing(param);
    if (typeof value !== 'string' || value.includes('\0') || value.length > 1000) {
      throw invalid('invalid_params', `${param} must be a folder path.`, param);
    }
    const root = resolve(this.core.o.reportsDir);
    const path = resolve(root, value);
    const rel = relative(root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw invalid(
        'invalid_report_path',
        `${param} must be inside the sandbox's reports folder ${root} (a relative path is taken from there); got ${JSON.stringify(value.slice(0, 200))}.`,
        param,
      );
    }
    return path;
  }

  createChannel(space: Space, body: Record<string, unknown>): ReportChannel {
    const type = body.type;
    if (type === undefined || type === null) throw missing('type');
    if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
      throw invalid(
        'invalid_params',
        `type must be one of ${CHANNEL_TYPES.join(', ')}; got ${JSON.stringify(type)}.`,
        'type',
      );
    }
    let reports: ReportKind[] = ['payout', 'daily'];
    if (body.reports !== undefined) {
      const r = body.reports;
      if (!Array.isArray(r) || r.length === 0 || r.some((k) => k !== 'payout' && k !== 'daily')) {
        throw invalid(
          'invalid_params',
          'reports must be a non-empty array of "payout" and "daily".',
          'reports',
        );
      }
      reports = [...new Set(r as ReportKind[])];
    }
    const channel: ReportChannel = {
      id: this.core.id('rch'),
      object: 'report_channel',
      type: type as ChannelType,
      reports,
      created_at: isoSeconds(this.core.now()),
      path: null,
      to: null,
      url: null,
      secret: null,
    };
    if (type === 'folder') channel.path = this.#confine(body.path, 'path');
    if (type === 'email') {
      channel.path = this.#confine(body.maildir, 'maildir');
      if (body.to === undefined || body.to === null || body.to === '') throw missing('to');
      if (typeof body.to !== 'string' || body.to.length > 254 || !EMAIL.test(body.to)) {
        throw invalid(
          'invalid_params',
          `to must be an e-mail address; got ${JSON.stringify(String(body.to).slice(0, 100))}.`,
          'to',
        );
      }
      channel.to = body.to;
    }
    if (type === 'https') {
      channel.url = checkUrl(body.url, 'url');
      channel.secret = this.core.id('whsec');
    }
    space.money.channels.push(channel);
    return channel;
  }

  deleteChannel(space: Space, id: string): ReportChannel {
    const list = space.money.channels;
    const i = list.findIndex((c) => c.id === id);
    if (i < 0) throw notFound('report_channel', id);
    const [channel] = list.splice(i, 1);
    return channel as ReportChannel;
  }

  // ---------------------------------------------------------------- delivery

  #deliver(space: Space, report: ReportRecord): void {
    for (const channel of space.money.channels) {
      if (!channel.reports.includes(report.kind)) continue;
      const delivery: ReportDelivery = {
        channel_id: channel.id,
        type: channel.type,
        status: 'scheduled',
        location: channel.type === 'https' ? channel.url : null,
        attempts: [],
      };
      report.deliveries.push(delivery);
      this.#attemptAt(space, report, delivery, this.core.now());
    }
  }

  #attemptAt(space: Space, report: ReportRecord, delivery: ReportDelivery, at: number): void {
    const key = `${space.key}:${report.id}:${delivery.channel_id}`;
    const task: MoneyTask = {
      task: 'report_delivery',
      channel: delivery.channel_id,
      attempt: delivery.attempts.length,
    };
    const cancel = this.core.timers.add(
      at,
      `report ${report.filename} to ${delivery.channel_id}`,
      { kind: 'money', space: space.key, id: report.id, task },
      () => {
        this.#cancels.delete(key);
        return this.#attempt(space, report, delivery);
      },
    );
    this.#cancels.set(key, cancel);
  }

  async #attempt(space: Space, report: ReportRecord, delivery: ReportDelivery): Promise<void> {
    const channel = space.money.channels.find((c) => c.id === delivery.channel_id);
    const at = isoSeconds(this.core.now());
    if (!channel) {
      delivery.status = 'failed';
      delivery.attempts.push({ at, ok: false, status_code: null, error: 'the channel was deleted' });
      return;
    }
    let outcome: DeliveryAttempt;
    try {
      if (channel.type === 'folder') {
        delivery.location = this.#writeFolder(channel.path as string, report);
        outcome = { at, ok: true, status_code: null, error: null };
      } else if (channel.type === 'email') {
        delivery.location = this.#writeMaildir(channel, report);
        outcome = { at, ok: true, status_code: null, error: null };
      } else {
        outcome = await this.#post(channel, report, at);
      }
    } catch (err) {
      outcome = { at, ok: false, status_code: null, error: (err as Error).message.slice(0, 300) };
    }
    delivery.attempts.push(outcome);
    if (outcome.ok) delivery.status = 'delivered';
    else if (delivery.attempts.length > MAX_RETRIES) delivery.status = 'failed';
    else
      this.#attemptAt(space, report, delivery, this.core.now() + retryDelayMs(delivery.attempts.length - 1));
    this.core.changed();
  }

  /** Writes the file into the folder (through a temporary name, so a watcher never sees half of it). */
  #writeFolder(folder: string, report: ReportRecord): string {
    mkdirSync(folder, { recursive: true });
    let target = join(folder, report.filename);
    // A file of that name from elsewhere (another organisation, another sandbox) is never overwritten.
    for (let n = 2; existsSync(target); n++) {
      if (readFileSync(target, 'utf8') === report.content) return target;
      target = join(folder, report.filename.replace(/\.csv$/, `-${n}.csv`));
    }
    const tmp = join(folder, `.${report.filename}.${report.id}.tmp`);
    try {
      writeFileSync(tmp, report.content, { mode: 0o644 });
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return target;
  }

  /** Drops an e-mail with the file attached into a maildir (tmp/, then new/, as the format wants). */
  #writeMaildir(channel: ReportChannel, report: ReportRecord): string {
    const dir = channel.path as string;
    for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(dir, sub), { recursive: true });
    const name = `${Math.floor(this.core.now() / 1000)}.${report.id}.${channel.id}.pasarela-sandbox`;
    const tmp = join(dir, 'tmp', name);
    const target = join(dir, 'new', name);
    if (existsSync(target)) return target;
    try {
      writeFileSync(tmp, emailOf(report, channel.to as string, this.core.now()), { mode: 0o644 });
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return target;
  }

  async #post(channel: ReportChannel, report: ReportRecord, at: string): Promise<DeliveryAttempt> {
    const timestamp = Math.floor((this.core.o.signWith === 'wall' ? Date.now() : this.core.now()) / 1000);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.core.o.deliveryTimeoutMs);
    try {
      const res = await this.core.o.fetch(channel.url as string, {
        method: 'POST',
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${report.filename}"`,
          'fintoc-signature': sign({ secret: channel.secret as string, body: report.content, timestamp }),
          'user-agent': 'Fintoc-Reports (pasarela sandbox)',
        },
        body: report.content,
        signal: controller.signal,
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      return { at, ok, status_code: res.status, error: ok ? null : `HTTP ${res.status}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Puts a report delivery back on the clock after a restart. */
  resumeDelivery(
    space: Space,
    reportId: string,
    task: Extract<MoneyTask, { task: 'report_delivery' }>,
    at: number,
  ): void {
    const report = space.money.reportIndex.get(reportId);
    if (!report) throw new Error(`a report delivery names an unknown report ${reportId}`);
    const delivery = report.deliveries.find((d) => d.channel_id === task.channel);
    if (!delivery) throw new Error(`report ${reportId} has no delivery to ${task.channel}`);
    // An attempt under way when the state was saved never finished: it is made again.
    delivery.attempts.length = Math.min(delivery.attempts.length, task.attempt);
    this.#attemptAt(space, report, delivery, at);
  }

  report(space: Space, id: string): ReportRecord {
    const r = space.money.reportIndex.get(id);
    if (!r) throw notFound('report', id);
    return r;
  }
}

/** RFC 5322 date of an instant, in UTC. */
function mailDate(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/**
 * An e-mail with the report attached: multipart/mixed, a short Spanish text and the CSV in base64.
 *
 * @example emailOf(report, 'finanzas@mitienda.cl', Date.now()); // 'From: …\r\n…'
 */
export function emailOf(report: ReportRecord, to: string, nowMs: number): string {
  const boundary = `=_pasarela_${report.sha256.slice(0, 24)}`;
  const subject =
    report.kind === 'payout'
      ? `Reporte de payout ${report.date} (${report.payout_id ?? ''})`
      : `Reporte diario de transacciones ${report.date}`;
  const text =
    report.kind === 'payout'
      ? `Adjuntamos el reporte de conciliacion del payout ${report.payout_id ?? ''}.`
      : `Adjuntamos el reporte diario de transacciones del ${report.date}.`;
  const b64 = Buffer.from(report.content, 'utf8')
    .toString('base64')
    .replace(/.{1,76}/g, '$&\r\n');
  return [
    `From: ${EMAIL_FROM}`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${mailDate(nowMs)}`,
    `Message-ID: <${report.id}.${report.sha256.slice(0, 12)}@sandbox.pasarela.invalid>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    text,
    '',
    `--${boundary}`,
    `Content-Type: text/csv; charset=utf-8; name="${report.filename}"`,
    `Content-Disposition: attachment; filename="${report.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    b64.trimEnd(),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}
