#!/usr/bin/env node
/**
 * `npm test`: type-check, unit tests (vitest), build, end-to-end tests (Playwright), then one
 * closing line `N passed, N failed, N skipped` summing every suite. Exits non-zero on any failure.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-lab-test-'));
const only = process.argv.slice(2); // e.g. `npm test -- unit`
const want = (s) => only.length === 0 || only.includes(s);

let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${path.basename(cmd)} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

if (want('typecheck')) {
  // Counted as one check each. The main side is checked without the DOM library and the renderer
  // without Node's types (the electron-vite split); tsconfig.json checks tests, bench and configs.
  for (const [label, cmd, args] of [
    ['typecheck main (node)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json']],
    ['typecheck renderer (web)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.web.json']],
    ['typecheck tests, bench, configs', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
    ['svelte-check', bin('svelte-check'), ['--tsconfig', './tsconfig.web.json', '--threshold', 'error']],
  ]) {
    if (run(label, cmd, args)) passed++;
    else {
      broken = true;
      failed++;
    }
  }
}

if (want('unit')) {
  const out = path.join(tmp, 'vitest.json');
  const ok = run('unit', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  try {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += (j.numPendingTests || 0) + (j.numTodoTests || 0);
    if (!ok && j.numFailedTests === 0) broken = true;
  } catch {
    broken = true;
    failed++;
  }
}

if (want('e2e')) {
  if (!run('build', bin('electron-vite'), ['build'])) {
    broken = true;
    failed++;
  } else {
    const out = path.join(tmp, 'playwright.json');
    const ok = run('e2e', bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
    try {
      const s = JSON.parse(fs.readFileSync(out, 'utf8')).stats;
      passed += s.expected + (s.flaky || 0);
      failed += s.unexpected;
      skipped += s.skipped;
      if (!ok && s.unexpected === 0) broken = true;
    } catch {
      broken = true;
      failed++;
    }
  }
}

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || broken ? 1 : 0);
