/**
 * Entry of the engine process (`out/main/engine-entry.js`), started by the host under Electron's
 * `utilityProcess` or `child_process.fork`. Workspace: `--workspace DIR`, else the engine's
 * default (`LATENT_LAB_HOME` or the platform data folder).
 */
import { Engine, defaultWorkspace } from './engine/engine';
import { runEngineChild } from './host/engine-child';

runEngineChild(({ workspace, emit }) => Engine.create({ workspace, emit, classifierAhead: true }), defaultWorkspace);
