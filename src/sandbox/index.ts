/**
 * `pasarela/sandbox`: an offline, stateful imitation of Fintoc — its API, webhooks (signed, retried,
 * with injectable faults), a test clock, payment scenarios, a control API and the widget.
 * See docs/sandbox.md.
 *
 * @example
 * import { startSandbox } from 'pasarela/sandbox';
 * const sb = await startSandbox({ port: 4010 });
 * console.log(sb.url, sb.secretKey, sb.publicKey);
 * await sb.clock.advance(10 * 60_000); // ten sandbox minutes pass: due webhooks and expiries run
 */
export { createSandbox, type Sandbox, type SandboxOptions } from './app.js';
export { startSandbox, newSecretKey, publicKeyOf, type RunningSandbox, type StartOptions } from './server.js';
export { SandboxClock, type AdvanceResult, type TimeSource } from './clock.js';
export { SandboxStateError, STATE_VERSION, type SandboxStateErrorCode } from './persist.js';
export { parseDuration, formatDuration } from './duration.js';
export { MAX_RETRIES, FIRST_RETRY_MS, retryDelayMs } from './delivery.js';
export { SCENARIOS, INTENT_STATUSES, type ScenarioName, type IntentStatus } from './machine.js';
export { SIMULATE_ACTIONS, type SimulateAction } from './core.js';
export type { ErrorEnvelope } from './errors.js';
