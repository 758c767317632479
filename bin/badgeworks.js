#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between a clone and a start.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli.ts');
await cliMain(process.argv.slice(2));
