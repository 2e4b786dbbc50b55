// One full garbage collection once the server is ready. Starting leaves ≈ 100 MB of
// garbage on the JavaScript heap (the TypeScript sources as tsx transformed them, the
// parsed contract, the validators' compile-time data, the migrations); an idle server
// allocates too little for V8 to ever run a major GC on its own, so without this the
// garbage stays resident for as long as the server idles (measured with
// `npm run bench:footprint`, docs/benchmarks.md "Embedded footprint").
import v8 from 'node:v8';
import vm from 'node:vm';

/** Runs a full, compacting GC now; false when the runtime does not allow it. */
export function collectStartupGarbage(): boolean {
  try {
    let gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      // `--expose-gc` set at run time is seen by contexts created afterwards only.
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as (() => void) | undefined;
    }
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  } catch {
    return false;
  }
}
