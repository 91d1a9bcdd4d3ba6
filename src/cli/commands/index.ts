import type { Command } from 'commander';
import { certifyCommand } from './certify.js';
import { checkCommand } from './check.js';
import { devCommand } from './dev.js';
import { migrateCommand } from './migrate.js';
import { payoutAccountCommand } from './payout-account.js';
import { reconcileCommand } from './reconcile.js';
import { sandboxCommand } from './sandbox.js';
import { serveCommand } from './serve.js';
import { triggerCommand } from './trigger.js';
import { webhooksCommand } from './webhooks.js';

/**
 * Every command of `pasarela`, each a factory returning its commander definition. A command's
 * module keeps its heavy imports inside its action, so listing them all here costs little.
 */
export const commands: Array<() => Command> = [
  sandboxCommand,
  triggerCommand,
  serveCommand,
  migrateCommand,
  devCommand,
  certifyCommand,
  checkCommand,
  webhooksCommand,
  payoutAccountCommand,
  reconcileCommand,
];
