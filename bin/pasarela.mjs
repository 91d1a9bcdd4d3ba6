#!/usr/bin/env node
// The `pasarela` command. Sources are TypeScript, loaded through tsx so a clone runs without a build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv);
