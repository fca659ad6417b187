/**
 * Import boundaries of Latent Lab (docs/ARCHITECTURE.md, "Folders"). Checked by `npm run lint:deps`
 * (part of `npm test`); `test/unit/boundaries.test.ts` plants a forbidden import and checks that
 * this configuration refuses it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-is-plain-node',
      comment: 'The engine runs in plain Node (CLI, tests, child process): no Electron, host, shell, server or renderer.',
      severity: 'error',
      from: { path: '^src-main/engine/' },
      to: { path: ['^node_modules/electron/', '^electron$', '^src-main/(host|shell|server|cli)/', '^src-main/(index|preload|engine-entry)\\.ts$', '^src-renderer/'] },
    },
    {
      name: 'renderer-only-talks-through-shared',
      comment: 'The renderer imports src-shared, never the main side.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^src-main/' },
    },
    {
      name: 'components-talk-to-state',
      comment: 'Components and tabs talk to state classes; only state (through its StateApi port) reaches lib/api.ts.',
      severity: 'error',
      from: { path: '^src-renderer/src/(components|tabs)/' },
      to: { path: '^src-renderer/src/lib/api\\.ts$' },
    },
    {
      name: 'shared-only-zod',
      comment: 'src-shared is the contract: it may import only zod (and itself).',
      severity: 'error',
      from: { path: '^src-shared/' },
      to: { pathNot: ['^src-shared/', '^node_modules/zod/'] },
    },
    {
      name: 'host-no-electron',
      comment: 'The engine host is shared by the Electron app and the browser-mode server.',
      severity: 'error',
      from: { path: '^src-main/host/' },
      to: { path: ['^node_modules/electron/', '^electron$', '^src-main/shell/', '^src-main/server/', '^src-renderer/'] },
    },
    {
      name: 'server-no-electron',
      severity: 'error',
      from: { path: '^src-main/server/' },
      to: { path: ['^node_modules/electron/', '^electron$', '^src-main/shell/', '^src-renderer/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.svelte', '.mjs', '.cjs', '.json'] },
  },
};
