import type { Command } from 'commander';

/**
 * Every command of `pasarela`, each a factory returning its commander definition. A command's
 * module keeps its heavy imports inside its action, so listing them all here costs little.
 */
export const commands: Array<() => Command> = [];
