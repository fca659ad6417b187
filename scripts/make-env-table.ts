/**
 * Rewrites the README's table of environment variables from `src-main/env.ts` (between the
 * `env-table` markers). `test/unit/env.test.ts` fails while the two differ.
 *
 *   npx tsx scripts/make-env-table.ts
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_TABLE_END, ENV_TABLE_START, envTable } from '../src-main/env';

const readme = path.join(__dirname, '..', 'README.md');
const text = readFileSync(readme, 'utf8');
const start = text.indexOf(ENV_TABLE_START);
const end = text.indexOf(ENV_TABLE_END);
if (start < 0 || end < start) throw new Error(`README.md has no ${ENV_TABLE_START} … ${ENV_TABLE_END} block`);
const next = `${text.slice(0, start + ENV_TABLE_START.length)}\n${envTable()}\n${text.slice(end)}`;
if (next === text) console.log('README.md: the environment table is up to date');
else {
  writeFileSync(`${readme}.tmp`, next);
  renameSync(`${readme}.tmp`, readme);
  console.log('README.md: environment table rewritten');
}
