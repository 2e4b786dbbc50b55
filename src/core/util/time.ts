/** MetaStudio wire time: `YYYY-MM-DDTHH:mm:ssZ`, exactly 20 characters, UTC (ERRATA 4). */
export const wireTime = (d: Date | number | string): string => {
  const date = d instanceof Date ? d : new Date(d);
  return `${date.toISOString().slice(0, 19)}Z`;
};

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
