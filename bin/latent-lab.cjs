#!/usr/bin/env node
// `npx latent-lab …`: the built CLI when present (`npm run build`), else the TypeScript source via tsx.
const { existsSync } = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (existsSync(built)) {
  require(built);
} else {
  const { spawnSync } = require('node:child_process');
  const tsx = require.resolve('tsx/cli');
  const src = path.join(__dirname, '..', 'src-main', 'cli', 'main.ts');
  const r = spawnSync(process.execPath, [tsx, src, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
