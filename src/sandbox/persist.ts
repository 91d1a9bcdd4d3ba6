/**
 * The sandbox's optional state file (`createSandbox({ stateFile })`, `pasarela sandbox
 * --state-file`): everything a restart needs, as one JSON document with a `version`. Loaded once
 * at start (no file: a fresh sandbox; an unreadable, corrupt or unknown-version file: a
 * {@link SandboxStateError}, never a silent reset), written after changes at most every 200 ms and
 * once more on close, atomically (a temporary file, fsync, rename).
 *
 * @example
 * const loaded = loadState('.pasarela/sandbox.json'); // null when the file does not exist
 * if (loaded) restoreState(core, loaded);
 * const store = new StateStore('.pasarela/sandbox.json', () => serializeState(core));
 * core.onChange = () => store.changed();
 * await store.close(); // the final write
 */
import {
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  fsyncSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SandboxCore } from './core.js';
import type { Scenario } from './machine.js';
import {
  Space,
  type CheckoutRecord,
  type Delivery,
  type EndpointRecord,
  type EventRecord,
  type Fault,
  type IdempotencyRecord,
  type IntentRecord,
  type Mode,
  type RefundRecord,
  type RequestLogEntry,
  type WidgetSessionRecord,
} from './records.js';
import type { TimerSpec } from './timers.js';
import { isApiVersion } from './versions.js';

/** The version this code writes and the only one it reads. */
export const STATE_VERSION = 1;

/** How often, at most, the state file is rewritten while things change. */
export const STATE_WRITE_INTERVAL_MS = 200;

/** The request log kept per space (the same bound as in memory). */
const REQUESTS_KEPT = 1000;

export type SandboxStateErrorCode =
  /** The file exists but cannot be read (permissions, a directory …). */
  | 'sandbox_state_unreadable'
  /** The file is not JSON, or not a sandbox state. */
  | 'sandbox_state_corrupt'
  /** The file was written by another version of the sandbox. */
  | 'sandbox_state_version'
  /** The state could not be written. */
  | 'sandbox_state_write_failed';

/** A state file that cannot be used; `code` is stable, `file` is the absolute or given path. */
export class SandboxStateError extends Error {
  override readonly name = 'SandboxStateError';

  constructor(
    readonly code: SandboxStateErrorCode,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

interface SpaceState {
  mode: Mode;
  suffix: string;
  default_scenario: Scenario;
  /** The pinned API version (absent in files written before v2: the default). */
  api_version?: string;
  intents: IntentRecord[];
  checkouts: CheckoutRecord[];
  endpoints: EndpointRecord[];
  /** The event object is the parsed `body` (the exact bytes POSTed), so it is not stored twice. */
  events: Array<{ body: string; created_ms: number; source: EventRecord['source'] }>;
  deliveries: Array<Omit<Delivery, 'cancel'>>;
  /** Deliveries a `reorder` fault holds: endpoint id → delivery ids, in arrival order. */
  held: Array<[string, string[]]>;
  refunds: RefundRecord[];
  idempotency: Array<[string, IdempotencyRecord]>;
  faults: Fault[];
  widget_sessions: WidgetSessionRecord[];
  requests: RequestLogEntry[];
  /** Ledger, payouts, report files and their settings (./payouts.ts); absent in older files. */
  money?: unknown;
}

/** The state file's document. Internal records are stored as the sandbox keeps them. */
export interface StateDocument {
  version: typeof STATE_VERSION;
  /** Real time of the write (for people; not read back). */
  saved_at: string;
  clock: { offset_ms: number };
  /** The key `startSandbox` printed (any key works; this one finds the same organisation again). */
  secret_key?: string | null;
  default_scenario: Scenario;
  spaces: SpaceState[];
  /** Work still due on the test clock, soonest first, at exact sandbox times. */
  timers: Array<{ at: number; spec: TimerSpec }>;
}

/** The whole state as the text of a state file. Synchronous, so it is one consistent snapshot. */
export function serializeState(core: SandboxCore): string {
  const doc: StateDocument = {
    version: STATE_VERSION,
    saved_at: new Date().toISOString(),
    clock: { offset_ms: core.o.clock.offsetMs },
    secret_key: core.secretKey,
    default_scenario: core.defaultScenarioForNewOrgs,
    spaces: [...core.spaces.values()].map((space) => ({
      mode: space.mode,
      suffix: space.suffix,
      default_scenario: space.defaultScenario,
      api_version: space.apiVersion,
      intents: space.intentList,
      checkouts: [...space.checkouts.values()],
      endpoints: space.endpointList,
      events: space.eventList.map((e) => ({ body: e.body, created_ms: e.createdMs, source: e.source })),
      deliveries: space.deliveryList.map(({ cancel: _cancel, ...d }) => d),
      held: [...space.held].map(([endpointId, list]) => [endpointId, list.map((d) => d.id)]),
      refunds: space.refundList,
      idempotency: [...space.idempotency],
      faults: [...space.faults.values()],
      widget_sessions: space.widgetSessions,
      requests: space.requests.slice(-REQUESTS_KEPT),
      money: space.money.toJSON(),
    })),
    timers: core.timers.pending().map(({ at, spec }) => ({ at, spec })),
  };
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------- reading

type Json = Record<string, unknown>;

class Bad extends Error {}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(v: unknown, path: string): Json {
  if (!isObject(v)) throw new Bad(`${path} is not an object`);
  return v;
}

function arrayAt(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Bad(`${path} is not an array`);
  return v;
}

function stringAt(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new Bad(`${path} is not a string`);
  return v;
}

function numberAt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Bad(`${path} is not a number`);
  return v;
}

/** Records that carry their public object: each must be an object with `object.id`. */
function records(v: unknown, path: string): void {
  arrayAt(v, path).forEach((r, i) =>
    stringAt(
      objectAt(objectAt(r, `${path}[${i}]`).object, `${path}[${i}].object`).id,
      `${path}[${i}].object.id`,
    ),
  );
}

function plainList(v: unknown, path: string, idKey: string | null): void {
  arrayAt(v, path).forEach((r, i) => {
    const o = objectAt(r, `${path}[${i}]`);
    if (idKey) stringAt(o[idKey], `${path}[${i}].${idKey}`);
  });
}

function pairs(v: unknown, path: string): void {
  arrayAt(v, path).forEach((p, i) => {
    const pair = arrayAt(p, `${path}[${i}]`);
    if (pair.length !== 2) throw new Bad(`${path}[${i}] is not a [key, value] pair`);
    stringAt(pair[0], `${path}[${i}][0]`);
  });
}

/** Checks the shape of a parsed document (enough to restore it without tripping over a hole). */
function checkDocument(data: unknown): StateDocument {
  const doc = objectAt(data, 'the document');
  numberAt(objectAt(doc.clock, 'clock').offset_ms, 'clock.offset_ms');
  objectAt(doc.default_scenario, 'default_scenario');
  arrayAt(doc.spaces, 'spaces').forEach((s, i) => {
    const at = `spaces[${i}]`;
    const space = objectAt(s, at);
    if (space.mode !== 'test' && space.mode !== 'live') throw new Bad(`${at}.mode is not "test" or "live"`);
    stringAt(space.suffix, `${at}.suffix`);
    objectAt(space.default_scenario, `${at}.default_scenario`);
    records(space.intents, `${at}.intents`);
    arrayAt(space.intents, `${at}.intents`).forEach((r, j) =>
      stringAt((r as Json).widgetToken, `${at}.intents[${j}].widgetToken`),
    );
    records(space.checkouts, `${at}.checkouts`);
    records(space.endpoints, `${at}.endpoints`);
    arrayAt(space.endpoints, `${at}.endpoints`).forEach((r, j) =>
      stringAt((r as Json).secret, `${at}.endpoints[${j}].secret`),
    );
    arrayAt(space.events, `${at}.events`).forEach((e, j) => {
      const body = stringAt(objectAt(e, `${at}.events[${j}]`).body, `${at}.events[${j}].body`);
      JSON.parse(body);
    });
    plainList(space.deliveries, `${at}.deliveries`, 'id');
    arrayAt(space.deliveries, `${at}.deliveries`).forEach((d, j) =>
      arrayAt((d as Json).attempts, `${at}.deliveries[${j}].attempts`),
    );
    pairs(space.held, `${at}.held`);
    records(space.refunds, `${at}.refunds`);
    pairs(space.idempotency, `${at}.idempotency`);
    plainList(space.faults, `${at}.faults`, 'id');
    plainList(space.widget_sessions, `${at}.widget_sessions`, 'id');
    plainList(space.requests, `${at}.requests`, null);
  });
  arrayAt(doc.timers, 'timers').forEach((t, i) => {
    const timer = objectAt(t, `timers[${i}]`);
    numberAt(timer.at, `timers[${i}].at`);
    const spec = objectAt(timer.spec, `timers[${i}].spec`);
    stringAt(spec.kind, `timers[${i}].spec.kind`);
    stringAt(spec.space, `timers[${i}].spec.space`);
    stringAt(spec.id, `timers[${i}].spec.id`);
  });
  return doc as unknown as StateDocument;
}

const FRESH_HINT = 'The file was left as it is: fix it, or move it away to start with an empty sandbox.';

/**
 * Reads a state file. `null` when it does not exist (a fresh sandbox); a {@link SandboxStateError}
 * when it cannot be read, is not a sandbox state, or has another `version`.
 */
export function loadState(file: string): StateDocument | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SandboxStateError(
      'sandbox_state_unreadable',
      file,
      `cannot read the sandbox state file ${file}: ${(err as Error).message}.`,
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SandboxStateError(
      'sandbox_state_corrupt',
      file,
      `the sandbox state file ${file} is not valid JSON (${(err as Error).message}). ${FRESH_HINT}`,
      { cause: err },
    );
  }
  const version = isObject(data) ? data.version : undefined;
  if (version !== STATE_VERSION) {
    if (typeof version !== 'number') {
      throw new SandboxStateError(
        'sandbox_state_corrupt',
        file,
        `${file} is not a sandbox state file (no "version" field). ${FRESH_HINT}`,
      );
    }
    throw new SandboxStateError(
      'sandbox_state_version',
      file,
      `the sandbox state file ${file} has version ${version}; this sandbox reads version ${STATE_VERSION} only. ${FRESH_HINT}`,
    );
  }
  try {
    return checkDocument(data);
  } catch (err) {
    throw new SandboxStateError(
      'sandbox_state_corrupt',
      file,
      `the sandbox state file ${file} is not a valid sandbox state: ${(err as Error).message}. ${FRESH_HINT}`,
      { cause: err },
    );
  }
}

/**
 * Puts a loaded state into a fresh core: spaces and their records, widget tokens, and every task
 * still due, at its original sandbox time. The clock's offset is given to the clock when it is
 * made (`SandboxClock({ offsetMs })`). Throws a plain Error on an inconsistent document.
 */
export function restoreState(core: SandboxCore, doc: StateDocument): void {
  core.defaultScenarioForNewOrgs = doc.default_scenario;
  core.secretKey = typeof doc.secret_key === 'string' ? doc.secret_key : null;
  for (const s of doc.spaces) {
    const space = new Space(s.mode, s.suffix, s.default_scenario);
    if (core.spaces.has(space.key)) throw new Error(`space ${space.key} appears twice`);
    core.spaces.set(space.key, space);
    for (const r of s.intents) {
      space.intents.set(r.object.id, r);
      space.intentList.push(r);
      core.widgetTokens.set(r.widgetToken, { space, intentId: r.object.id });
    }
    if (isApiVersion(s.api_version)) space.apiVersion = s.api_version;
    for (const r of s.checkouts) {
      space.checkouts.set(r.object.id, r);
      core.sessions.adopt(space, r);
    }
    for (const r of s.endpoints) {
      space.endpoints.set(r.object.id, r);
      space.endpointList.push(r);
    }
    for (const e of s.events) {
      const record: EventRecord = {
        object: JSON.parse(e.body) as EventRecord['object'],
        createdMs: e.created_ms,
        body: e.body,
        source: e.source,
      };
      space.events.set(record.object.id, record);
      space.eventList.push(record);
    }
    for (const d of s.deliveries) {
      const delivery: Delivery = { ...d, cancel: null };
      space.deliveries.set(delivery.id, delivery);
      space.deliveryList.push(delivery);
    }
    for (const [endpointId, ids] of s.held) {
      space.held.set(
        endpointId,
        ids.map((id) => {
          const d = space.deliveries.get(id);
          if (!d) throw new Error(`held delivery ${id} does not exist`);
          return d;
        }),
      );
    }
    for (const r of s.refunds) {
      space.refunds.set(r.object.id, r);
      space.refundList.push(r);
    }
    for (const [key, r] of s.idempotency) space.idempotency.set(key, r);
    for (const f of s.faults) space.faults.set(f.id, f);
    space.widgetSessions.push(...s.widget_sessions);
    space.requests.push(...s.requests);
    space.money.restore(s.money);
  }
  doc.timers.forEach((t, i) => core.resume({ seq: i, at: t.at, spec: t.spec }));
  // A delivery whose attempt was under way when the file was written has no task: its attempt
  // never finished (as far as the file knows), so it is dropped and the delivery is tried again now.
  const scheduled = new Set(doc.timers.filter((t) => t.spec.kind === 'deliver').map((t) => t.spec.id));
  for (const space of core.spaces.values()) {
    for (const d of space.deliveryList) {
      if (d.status !== 'scheduled' || scheduled.has(d.id)) continue;
      const last = d.attempts[d.attempts.length - 1];
      if (last && last.response_time_ms === null && last.outcome === 'failed') d.attempts.pop();
      core.deliverer.resume(space, d, core.now());
    }
  }
}

// ---------------------------------------------------------------- writing

function tempOf(file: string): string {
  return `${file}.${process.pid}.tmp`;
}

/** Writes `text` to `file` through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = tempOf(file);
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

/** The same, synchronously (the first write at start, so an unwritable path fails at once). */
export function writeStateSync(file: string, text: string): void {
  const tmp = tempOf(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new SandboxStateError(
      'sandbox_state_write_failed',
      file,
      `cannot write the sandbox state file ${file}: ${(err as Error).message}.`,
      { cause: err },
    );
  }
}

export interface StateStoreOptions {
  /** Most one write per this long while changes keep coming. Default 200 ms. */
  intervalMs?: number;
  /** A background write failed (the next change tries again). Default: a line on stderr. */
  onError?: (err: SandboxStateError) => void;
}

/**
 * Writes the state file after changes: the first change arms a timer, the write happens when it
 * fires (so at most one write per interval), later changes arm it again. Writes never overlap.
 */
export class StateStore {
  readonly #intervalMs: number;
  readonly #onError: (err: SandboxStateError) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dirty = false;
  #closed = false;
  #failing = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly serialize: () => string,
    options: StateStoreOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? STATE_WRITE_INTERVAL_MS;
    this.#onError =
      options.onError ?? ((err) => process.stderr.write(`pasarela sandbox: ${err.message} (will retry)\n`));
  }

  /** Something changed: the file is rewritten within the interval. */
  changed(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((err: unknown) => {
        // Report a failure once, not on every change while the disk stays full.
        if (!this.#failing) this.#onError(err as SandboxStateError);
        this.#failing = true;
      });
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  /** Writes now if anything changed (and waits for a write under way); rejects if the write fails. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty) return this.#writing;
    this.#dirty = false;
    const text = this.serialize();
    const write = this.#writing.then(() => writeAtomic(this.file, text));
    this.#writing = write.catch(() => {});
    try {
      await write;
      this.#failing = false;
    } catch (err) {
      this.#dirty = true;
      throw new SandboxStateError(
        'sandbox_state_write_failed',
        this.file,
        `cannot write the sandbox state file ${this.file}: ${(err as Error).message}.`,
        { cause: err },
      );
    }
  }

  /** The final write (always, so the file holds the state at close); later changes are ignored. */
  async close(): Promise<void> {
    this.#dirty = true;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
