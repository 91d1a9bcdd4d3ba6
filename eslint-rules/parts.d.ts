import type { ESLint, Rule } from 'eslint';

/** Which parts each part of src/ may import (through their faces); `*`: every part. */
export const PART_IMPORTS: Record<string, readonly string[]>;
export const partBoundaries: Rule.RuleModule;
declare const plugin: ESLint.Plugin;
export default plugin;
