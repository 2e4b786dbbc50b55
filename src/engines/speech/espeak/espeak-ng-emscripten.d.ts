// The package ships no types; this is the slice the worker uses.
declare module '@echogarden/espeak-ng-emscripten' {
  interface EspeakModule {
    eSpeakNGWorker: new () => unknown;
  }
  export default function init(options?: {
    print?: (s: string) => void;
    printErr?: (s: string) => void;
  }): Promise<EspeakModule>;
}
