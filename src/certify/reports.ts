/**
 * `custom-reports`: the report files Fintoc sends a shop (the payout reconciliation report and the
 * daily transaction report) for this run's payments. Against the sandbox, certify moves the sandbox's
 * clock on to the payout and the end of the day, then checks that each file that lists a payment of
 * the run is in Fintoc's format (read by `pasarela/reconcile`, the reader the service uses), holds
 * those payments, and was delivered through every channel the organisation configured (the file in
 * the folder, the e-mail in the maildir, the HTTPS POST answered 2xx); and, where the shop lists the
 * files it took in (`reports.received`), that it took each one in. Fintoc's API does not hand out
 * its report files, so against Fintoc's test mode the scenario is `not_available`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseReportSync, ReportParseError, type ParsedReport } from '../reconcile/index.js';
import type { RunContext } from './context.js';
import type { ReportChannelView, ReportFileView } from './fintoc-side.js';
import { http, pollUntil, readPath } from './http.js';

const S = 'custom-reports' as const;
/** How far the sandbox's clock may go to reach a payout and a daily report (weekends, holidays). */
const MAX_DAYS = 14;
const STEP_MS = 6 * 3_600_000;
/** Real time a channel (an HTTPS POST) or the shop's intake gets to finish. */
const SETTLE_MS = 30_000;

export type ReportsContext = Pick<
  RunContext,
  'side' | 'findings' | 'journeys' | 'target' | 'progress' | 'offsetMs'
> & { customReports: boolean };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function channelText(c: ReportChannelView): string {
  const what = c.reports.join(' and ');
  if (c.type === 'folder') return `${c.id}: folder ${c.path} (${what} reports)`;
  if (c.type === 'email')
    return `${c.id}: e-mail to ${c.to}, delivered into the maildir ${c.path} (${what} reports)`;
  return `${c.id}: HTTPS POST to ${c.url} (${what} reports)`;
}

/** The CSV attached to an e-mail the sandbox wrote (base64), or null when it has none. */
function attachmentOf(eml: string, filename: string): Buffer | null {
  const at = eml.indexOf(`filename="${filename}"`);
  if (at < 0) return null;
  const body = eml.slice(at).split(/\r?\n\r?\n/)[1] ?? '';
  const b64 = body.split(/\r?\n--/)[0] ?? '';
  return Buffer.from(b64.replace(/\s+/g, ''), 'base64');
}

/**
 * The file a folder or maildir delivery left on this machine, when certify can see it: the bytes
 * (a maildir's mail may have been read and moved to `cur/` by the shop), and where it was found.
 */
function deliveredBytes(
  type: ReportChannelView['type'],
  location: string,
  filename: string,
): { bytes: Buffer; where: string } | 'absent' | null {
  try {
    if (type === 'folder') {
      return existsSync(location) ? { bytes: readFileSync(location), where: location } : 'absent';
    }
    let where = location;
    if (!existsSync(where)) {
      // A mail reader moves a read mail to cur/ and adds its flags (`:2,S`).
      const cur = join(dirname(dirname(location)), 'cur');
      const name = basename(location);
      const moved = existsSync(cur) ? readdirSync(cur).find((n) => n.startsWith(`${name}:`)) : undefined;
      if (!moved) return 'absent';
      where = join(cur, moved);
    }
    const bytes = attachmentOf(readFileSync(where, 'utf8'), filename);
    return bytes ? { bytes, where } : 'absent';
  } catch {
    return null;
  }
}

/** The run's payments that succeeded at Fintoc: the ones a report must list. */
async function paidIntents(ctx: ReportsContext): Promise<Map<string, { amount: number; currency: string }>> {
  const paid = new Map<string, { amount: number; currency: string }>();
  for (const id of new Set(ctx.journeys.map((j) => j.intentId))) {
    if (!id) continue;
    const intent = await ctx.side.intent(id);
    if (intent?.status === 'succeeded') paid.set(id, { amount: intent.amount, currency: intent.currency });
  }
  return paid;
}

interface ReadFile {
  view: ReportFileView;
  parsed: ParsedReport | null;
  content: string;
  error: string | null;
}

/**
 * Runs `custom-reports`: call it last, since it moves the sandbox's clock by days (only the
 * sandbox's: nothing of the run is left to deliver to the shop by then).
 *
 * @example
 * await customReports({ ...ctx, customReports: true });
 */
export async function customReports(ctx: ReportsContext): Promise<void> {
  const f = ctx.findings;
  if (!ctx.side.control) {
    f.notAvailable(
      S,
      "Fintoc's API does not hand out its report files or say where it sent them, so their format and channel cannot be checked from here; show your Account Executive the reports you received.",
    );
    return;
  }
  const channels = await ctx.side.reportChannels();
  if (channels.length === 0) {
    if (ctx.customReports) {
      f.add(
        S,
        'fintoc',
        "The organisation has no report channel, so Fintoc's report files go nowhere: configure where they are delivered (reports.channel in certify.json).",
        false,
      );
    } else {
      f.blocked(
        S,
        null,
        "the shop does not take Fintoc's report files (custom_reports) and has no report channel.",
      );
    }
    return;
  }
  for (const c of channels) f.add(S, 'fintoc', `Report channel ${channelText(c)}.`);
  const paid = await paidIntents(ctx);
  if (paid.size === 0) {
    f.blocked(S, null, 'no payment of this run succeeded, so no report file could list one.');
    return;
  }
  const settings = await ctx.side.payoutSettings();
  const kinds: Array<'payout' | 'daily'> = [
    ...(settings.payment_scenario === 'direct_payments' ? [] : (['payout'] as const)),
    ...(settings.daily_report === 'off' ? [] : (['daily'] as const)),
  ];
  f.add(
    S,
    'fintoc',
    `${paid.size} payments of this run succeeded; the organisation (${settings.payment_scenario}, daily report ${settings.daily_report}) gets ${kinds.map((k) => `the ${k} report`).join(' and ')} for them.`,
  );

  // Move the sandbox's clock on until every paid intent is in a file of each kind.
  const files = new Map<string, ReadFile>();
  const read = async (view: ReportFileView): Promise<ReadFile> => {
    const known = files.get(view.id);
    if (known) return known;
    const content = await ctx.side.reportContent(view.id);
    let parsed: ParsedReport | null = null;
    let error: string | null = null;
    try {
      parsed = parseReportSync(content, { filename: view.filename });
    } catch (err) {
      if (!(err instanceof ReportParseError)) throw err;
      error = err.message;
    }
    const file = { view, parsed, content, error };
    files.set(view.id, file);
    return file;
  };
  const missing = async (): Promise<Array<{ kind: string; intent: string }>> => {
    const holds = new Map<string, Set<string>>(kinds.map((k) => [k, new Set<string>()]));
    for (const view of await ctx.side.reports()) {
      const file = await read(view);
      for (const id of paid.keys()) if (content(file, id)) holds.get(view.kind)?.add(id);
    }
    return kinds.flatMap((kind) =>
      [...paid.keys()].filter((id) => !holds.get(kind)!.has(id)).map((intent) => ({ kind, intent })),
    );
  };
  let left = await missing();
  let movedMs = 0;
  if (left.length > 0)
    ctx.progress(`custom-reports: moving the sandbox's clock on to the payout and the daily report`);
  while (left.length > 0 && movedMs < MAX_DAYS * 86_400_000) {
    await ctx.side.advanceClock(STEP_MS);
    movedMs += STEP_MS;
    ctx.offsetMs += STEP_MS;
    left = await missing();
  }
  if (movedMs > 0) {
    f.add(
      S,
      'clock',
      `The sandbox's clock was moved on ${Math.round(movedMs / 3_600_000)} h, to when Fintoc makes the payout and closes the day.`,
    );
  }
  for (const m of left) {
    f.add(S, 'fintoc', `No ${m.kind} report listed ${m.intent} ${MAX_DAYS} days after it was paid.`, false);
  }

  // The files that list the run's payments: format, content, delivery.
  const ours = [...files.values()].filter((file) => [...paid.keys()].some((id) => content(file, id)));
  let views = new Map<string, ReportFileView>();
  const deliveriesSettled = async () => {
    views = new Map((await ctx.side.reports()).map((v) => [v.id, v]));
    const pending = ours.some((file) =>
      (views.get(file.view.id)?.deliveries ?? []).some(
        (d) => d.status === 'scheduled' && d.attempts.length === 0,
      ),
    );
    return pending ? undefined : true;
  };
  await pollUntil(deliveriesSettled, { timeoutMs: SETTLE_MS, intervalMs: 250 });
  for (const file of ours) {
    const v = views.get(file.view.id) ?? file.view;
    const name = v.filename;
    if (!file.parsed) {
      f.add(S, 'fintoc', `${name} is not in Fintoc's format: ${file.error}`, false);
      continue;
    }
    const p = file.parsed;
    f.check(
      S,
      'fintoc',
      p.kind === v.kind && p.date === v.date && sha256(file.content) === v.sha256,
      `${name}: Fintoc's ${v.kind === 'payout' ? `payout reconciliation report of ${v.payout_id}` : `daily transaction report of ${v.date}`}, ${p.lines.length} lines, columns ${p.columns.join(';')}.`,
      `${name} does not say what it is: its name reads as a ${p.kind ?? 'unknown'} report of ${p.date ?? 'no date'}, or its bytes changed (SHA-256).`,
    );
    for (const id of paid.keys()) {
      const line = p.lines.find((l) => l.id === id);
      if (!line) continue;
      const want = paid.get(id)!;
      f.check(
        S,
        'fintoc',
        line.amount === want.amount &&
          (line.currency ?? want.currency).toUpperCase() === want.currency.toUpperCase() &&
          (v.kind !== 'payout' || line.payout_id === v.payout_id),
        `${name} line ${line.line}: ${id}, ${line.amount} ${line.currency ?? ''} gross, fee ${line.fee}, net ${line.net}.`,
        `${name} line ${line.line} gives ${id} as ${line.amount} ${line.currency ?? ''}, but the payment was ${want.amount} ${want.currency}.`,
      );
    }
    const takers = channels.filter((c) => c.reports.includes(v.kind));
    for (const c of takers) {
      const d = v.deliveries.find((x) => x.channel_id === c.id);
      const last = d?.attempts.at(-1);
      if (!d || d.status !== 'delivered') {
        f.add(
          S,
          'fintoc',
          `${name} could not be delivered through channel ${channelText(c)}: ${last ? (last.status_code ? `it answered ${last.status_code}` : last.error) : 'it was never attempted'}.`,
          false,
        );
        continue;
      }
      f.add(
        S,
        'fintoc',
        `${name} delivered through ${c.type === 'https' ? `HTTPS POST to ${c.url}, answered ${last?.status_code}` : `${c.type} to ${d.location}`}.`,
        true,
        last?.at ?? null,
      );
      if (c.type === 'https' || !d.location) continue;
      const local = deliveredBytes(c.type, d.location, name);
      if (local === null) {
        f.add(
          S,
          'certify',
          `${d.location} cannot be read from this machine, so its bytes were not compared.`,
        );
      } else if (local === 'absent') {
        f.add(S, 'certify', `${name} is not at ${d.location} any more.`, false);
      } else {
        f.check(
          S,
          'certify',
          sha256(local.bytes) === v.sha256,
          `${local.where} holds ${name} byte for byte (SHA-256 ${v.sha256.slice(0, 12)}…).`,
          `${local.where} does not hold the same bytes as ${name}.`,
        );
      }
    }
  }
  await intake(
    ctx,
    ours.map((file) => views.get(file.view.id) ?? file.view),
  );
}

/** Whether the file's text names the intent (for a file the reader refused). */
function content(file: ReadFile, id: string): boolean {
  return file.parsed ? file.parsed.lines.some((l) => l.id === id) : file.content.includes(id);
}

/** The shop's intake: every file listed by the shop as taken in, when it can say so. */
async function intake(ctx: ReportsContext, ours: ReportFileView[]): Promise<void> {
  const f = ctx.findings;
  const received = ctx.target.reports?.received ?? null;
  if (!received) {
    f.add(
      S,
      'certify',
      'Whether the shop took the files in is not verifiable: certify.json names no reports.received (a JSON list of the files it took in).',
    );
    return;
  }
  if (ours.length === 0) return;
  const url = new URL(received.path, `${ctx.target.url}/`).toString();
  let items: unknown[] = [];
  let status = 0;
  const itemOf = (v: ReportFileView) =>
    items.find((x) => {
      const key = readPath(x, received.field);
      return key === v.sha256 || key === v.filename;
    });
  await pollUntil(
    async () => {
      const res = await http(url, { headers: received.headers }).catch(() => null);
      status = res?.status ?? 0;
      const list = res ? readPath(res.json, received.list) : undefined;
      items = Array.isArray(list) ? list : [];
      return ours.every((v) => itemOf(v) !== undefined) ? true : undefined;
    },
    { timeoutMs: SETTLE_MS, intervalMs: 500 },
  );
  for (const v of ours) {
    const item = itemOf(v);
    // What the shop says of it, when it says (an id, the channel it came by).
    const said = ['id', 'source']
      .map((k) => readPath(item, k))
      .filter((x): x is string => typeof x === 'string');
    f.check(
      S,
      'shop',
      item !== undefined,
      `The shop lists ${v.filename} among the files it took in (GET ${received.path}${said.length ? `: ${said.join(', ')}` : ''}).`,
      `The shop did not list ${v.filename} among the files it took in within ${SETTLE_MS / 1000} s (GET ${received.path} answered ${status}, ${items.length} files): check that it reads the channel the reports are sent to.`,
    );
  }
}
