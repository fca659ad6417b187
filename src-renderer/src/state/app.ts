/**
 * The one `Lab` of the running app, wired to the real API (`lib/api.ts`). Components import
 * `lab` from here; state classes get the API through their constructors.
 */
import { api, onMenuCommand, openFolder } from '../lib/api';
import { Lab } from './lab.svelte';
import { browserStorage, type StateApi } from './port';

const stateApi: StateApi = {
  transport: api.transport,
  invoke: (name, payload) => api.invoke(name, payload),
  on: (name, cb) => api.on(name, cb),
  restartEngine: () => api.restartEngine(),
  openFolder,
  onMenuCommand,
};

export const lab = new Lab(stateApi, browserStorage());
