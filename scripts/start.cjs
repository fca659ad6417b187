#!/usr/bin/env node
/**
 * `npm start` (after `electron-vite build`): launch the Electron app when its binary is
 * installed, otherwise browser mode (`out/main/server.js`, which opens the browser when it can).
 * Extra arguments are passed through (e.g. `npm start -- --port 8080`).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);

/** The Electron executable, without `require('electron')` (which would try to download it). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist');
  const candidates = [];
  try {
    candidates.push(path.join(dist, fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim()));
  } catch {
    /* no path.txt */
  }
  const byPlatform = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' };
  candidates.push(path.join(dist, byPlatform[process.platform] || 'electron'));
  return candidates.find((p) => fs.existsSync(p)) || null;
}

function run(cmd, cmdArgs, env) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env });
  // Ctrl-C already reaches the child (same process group): only keep this process alive for it.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (err) => {
    console.error(`could not start ${cmd}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const bin = electronBinary();
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
if (bin && !headless) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  run(bin, [root, ...args], env);
} else {
  console.log(
    bin
      ? 'No display found; starting browser mode instead'
      : 'Electron binary not installed; starting browser mode instead',
  );
  run(process.execPath, [path.join(root, 'out', 'main', 'server.js'), ...args], process.env);
}
