// Child-process entry: the sources are TypeScript run through tsx, so the child registers its
// loader before loading the real code (as bin/doppel.js does).
import { register } from 'tsx/esm/api';

register();
await import('./face.process.ts');
