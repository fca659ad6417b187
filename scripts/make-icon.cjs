#!/usr/bin/env node
/**
 * Makes `resources/icon.png` (512×512): a stylised latent space, a 3-D point cloud of six labelled
 * clusters (the renderer's palette, src-renderer/src/lib/palette.ts) in perspective on the app's
 * dark background. Deterministic (seeded); drawn as SVG and rendered with sharp.
 *
 *   node scripts/make-icon.cjs
 */
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const sharp = require('sharp');

const SIZE = 512;
const OUT = path.join(__dirname, '..', 'resources', 'icon.png');
const COLOURS = ['#3b82f6', '#f97316', '#16a34a', '#e11d48', '#8b5cf6', '#0891b2'];

/** mulberry32, as in src-main/engine/datasets/random.ts. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r) {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Points of the cloud projected to the icon: {x, y, depth (0 near … 1 far), colour}. */
function cloud() {
  const r = rng(20240501);
  const pts = [];
  COLOURS.forEach((colour, k) => {
    // cluster centres on a tilted ring, each cluster an elongated Gaussian
    const a = (k / COLOURS.length) * 2 * Math.PI;
    const centre = [Math.cos(a), Math.sin(a), 0.25 * Math.sin(3 * a + 0.5)];
    const stretch = [0.2 + 0.08 * r(), 0.11 + 0.04 * r(), 0.12];
    const turn = a + Math.PI / 2 + (r() - 0.5) * 0.6; // along the ring
    for (let i = 0; i < 55; i++) {
      const u = gaussian(r) * stretch[0];
      const v = gaussian(r) * stretch[1];
      const w = gaussian(r) * stretch[2];
      pts.push({ p: [centre[0] + u * Math.cos(turn) - v * Math.sin(turn), centre[1] + u * Math.sin(turn) + v * Math.cos(turn), centre[2] + w], colour });
    }
  });
  return pts.map(({ p, colour }) => ({ ...project(p), colour })).sort((a, b) => b.depth - a.depth); // far first
}

/** View: tilt about x, then turn about y; perspective from z = 4.2. Depth 0 near … 1 far. */
function project([x, y, z]) {
  const tilt = -1.05;
  const yaw = 0.2;
  const y1 = y * Math.cos(tilt) - z * Math.sin(tilt);
  const z1 = y * Math.sin(tilt) + z * Math.cos(tilt);
  const x2 = x * Math.cos(yaw) + z1 * Math.sin(yaw);
  const z2 = -x * Math.sin(yaw) + z1 * Math.cos(yaw);
  const s = 4.2 / (4.2 + z2);
  return { x: SIZE / 2 + x2 * s * 132, y: SIZE / 2 - 22 + y1 * s * 132, depth: (z2 + 1.6) / 3.2, scale: s };
}

/** The ring the clusters sit on, as an SVG path. */
function ring(radius) {
  const pts = Array.from({ length: 97 }, (_, i) => project([radius * Math.cos((i / 96) * 2 * Math.PI), radius * Math.sin((i / 96) * 2 * Math.PI), 0]));
  return pts.map((q, i) => `${i ? 'L' : 'M'}${q.x.toFixed(1)} ${q.y.toFixed(1)}`).join(' ');
}

function svg() {
  const dots = cloud()
    .map((d) => {
      const rad = (6.2 * d.scale).toFixed(2);
      const op = (0.95 - 0.5 * Math.min(1, Math.max(0, d.depth))).toFixed(2);
      return `<circle cx="${d.x.toFixed(1)}" cy="${d.y.toFixed(1)}" r="${rad}" fill="${d.colour}" fill-opacity="${op}"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <defs>
    <radialGradient id="bg" cx="50%" cy="42%" r="70%">
      <stop offset="0" stop-color="#1f2b47"/><stop offset="1" stop-color="#0b0f17"/>
    </radialGradient>
    <radialGradient id="glow" cx="50%" cy="50%" r="50%">
      <stop offset="0" stop-color="#60a5fa" stop-opacity="0.22"/><stop offset="1" stop-color="#60a5fa" stop-opacity="0"/>
    </radialGradient>
    <clipPath id="tile"><rect x="16" y="16" width="480" height="480" rx="108"/></clipPath>
  </defs>
  <g clip-path="url(#tile)">
    <rect width="${SIZE}" height="${SIZE}" fill="url(#bg)"/>
    <ellipse cx="256" cy="256" rx="200" ry="150" fill="url(#glow)"/>
    <path d="${ring(1)}" fill="none" stroke="#94a3b8" stroke-opacity="0.2" stroke-width="2"/>
    <path d="${ring(0.55)}" fill="none" stroke="#94a3b8" stroke-opacity="0.1" stroke-width="2"/>
    ${dots}
  </g>
  <rect x="17" y="17" width="478" height="478" rx="107" fill="none" stroke="#ffffff" stroke-opacity="0.08" stroke-width="2"/>
</svg>`;
}

async function main() {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const tmp = `${OUT}.tmp`;
  await sharp(Buffer.from(svg())).png({ compressionLevel: 9 }).toFile(tmp);
  fs.renameSync(tmp, OUT);
  const meta = await sharp(OUT).metadata();
  console.log(`${path.relative(process.cwd(), OUT)}: ${meta.width}×${meta.height}, ${fs.statSync(OUT).size} bytes`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
