export { installWasmOverrides, uninstallWasmOverrides, wasmPaths, OVERRIDDEN_KERNELS } from './wasmOverrides';
export { bceWithLogitsSum } from './fusedLoss';
