// A local HTTP server that records the callbacks Doppel POSTs (TTS, video), answering 200
// (or 500 to the first `failFirst` of them, to exercise retries).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  url: string;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the callback body is read as JSON.
  body: any;
}

export interface CallbackReceiver {
  /** http://127.0.0.1:<port> */
  base: string;
  received: ReceivedCallback[];
  close(): Promise<void>;
}

export async function startCallbackReceiver(opts: { failFirst?: number } = {}): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  let toFail = opts.failFirst ?? 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      });
      if (toFail > 0) {
        toFail--;
        res.writeHead(500);
        res.end('not now');
        return;
      }
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
