/** `latent-lab info`: versions, the backend chosen (and why better ones were skipped), the workspace. */
import { describeBackend } from '../engine/backend';
import type { Options } from './args';
import { openEngine } from './engine';

export async function info(o: Options): Promise<number> {
  const engine = await openEngine(o);
  const i = engine.info();
  if (o.json) console.log(JSON.stringify(i));
  else {
    console.log(`Latent Lab ${i.appVersion} (tfjs ${i.tfjsVersion}, node ${i.node}, ${i.platform})`);
    console.log(`backend: ${describeBackend(i.backend)}`);
    if (i.backend.overrides.length) console.log(`kernel overrides: ${i.backend.overrides.join('; ')}`);
    console.log(`workspace: ${i.workspace}`);
  }
  return 0;
}
