/**
 * The routing of engine events (and the Electron menu's commands) to the state classes of the
 * `Lab`: training progress, latent snapshots and its end; the classifier, metrics, projection,
 * dataset and export progress; the engine's state. Split out of `lab.svelte.ts` unchanged.
 */
import type { Lab } from './lab.svelte';
import type { StateApi } from './port';

/** What the routing asks of the `Lab` beyond its public state: load everything again, and open a run that has finished training. */
export interface LabEventHooks {
  reload(): void;
  afterTraining(runId: string): void;
}

/** Subscribe `lab` to `api`'s events; returns the unsubscribe of them all. */
export function routeEngineEvents(lab: Lab, api: StateApi, hooks: LabEventHooks): () => void {
  /** The run whose start last refreshed the engine info. */
  let infoRun: string | null = null;
  const offs = [
    api.on('training:progress', (p) => {
      lab.training.onProgress(p);
      // A new run: the engine now knows how it trains (dense kernels or tfjs, threads).
      if (p.runId !== infoRun) {
        infoRun = p.runId;
        void lab.engine.refreshInfo();
      }
    }),
    api.on('training:latents', (ev) => {
      // The first snapshot can arrive before `training:start` has answered with the run id.
      if (ev.runId !== lab.training.runId && !(lab.training.pending && !lab.training.active)) return;
      void lab.scatter.setBatch(ev, { runId: ev.runId, live: true, epoch: ev.epoch }, lab.settings.projection);
    }),
    api.on('training:done', (d) => {
      if (lab.training.runId && d.runId !== lab.training.runId) return;
      lab.training.onDone(d);
      lab.runs.setPending(d.runId, d.pending === true);
      if (d.state === 'error' && d.error) lab.toasts.push('error', `Training failed: ${d.error.message}`);
      hooks.afterTraining(d.runId);
    }),
    api.on('classifier:progress', (p) => lab.classifier.onProgress(p)),
    api.on('runs:metricsUpdated', (u) => {
      lab.runs.onMetricsUpdated(u);
      // Pending again after `classifier:start`: the Compare tab says so too.
      lab.compare.onMetricsUpdated(u.runId, u.pending ? { ...u.metrics, pending: true } : u.metrics);
      if (lab.training.runId === u.runId && !lab.training.active) lab.training.metrics = u.metrics;
    }),
    api.on('projection:progress', (p) => {
      lab.scatter.projectionProgress = p;
    }),
    api.on('dataset:progress', (p) => lab.datasetCheck.onProgress(p)),
    api.on('export:progress', (p) => {
      lab.exporter.progress = p;
    }),
    api.on('engine:state', (s) => {
      const was = lab.engine.state;
      lab.engine.state = s.state;
      lab.engine.message = s.message ?? null;
      if (s.backend && lab.engine.info) lab.engine.info = { ...lab.engine.info, backend: s.backend };
      if (s.state === 'crashed') {
        if (lab.training.active) {
          lab.training.state = 'error';
          lab.training.error = 'The engine stopped while training.';
        }
        if (lab.exporter.state === 'running') {
          lab.exporter.state = 'error';
          lab.exporter.error = 'The engine stopped during the export.';
        }
      }
      if (s.state === 'ready' && was !== 'ready' && was !== 'connecting') hooks.reload();
    }),
    api.onMenuCommand((m) => {
      if (m.command === 'openDatasetFolder' && m.path) {
        lab.settings.train.dataset = 'local';
        lab.settings.train.folderPath = m.path;
      } else if (m.command === 'openRun' && m.runId) void lab.openRun(m.runId);
      else if (m.command === 'export') lab.settings.tab = 'export';
      else if (m.command === 'startTraining') void lab.startTraining();
      else if (m.command === 'stopTraining' && lab.training.active) void lab.training.stop();
    }),
  ];
  return () => offs.forEach((off) => off());
}
