// The baseline for `npm run bench:api`: a bare Fastify 5 hello world with the framework's
// defaults (no logger, no hooks). Run as a child process by scripts/bench/api.ts, so it
// does not share an event loop with the load generator. Prints `listening <port>` once
// it listens on 127.0.0.1 (port 0 unless BENCH_PORT says otherwise), and stops on SIGTERM.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));

await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`listening ${port}\n`);

const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
