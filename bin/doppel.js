#!/usr/bin/env node
// Entry point for the `doppel` command. The sources are TypeScript run through tsx,
// so a clone works with `npm ci` and no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main/cli.ts');
