// Third-Party Live Platform Management over HTTP on both database legs: CreateLivePlatform,
// ShowLivePlatform, ListLivePlatforms, UpdateLivePlatform, DeleteLivePlatform and
// ListLivePlatformProducts against a stand-in platform on 127.0.0.1 (signed requests, the
// documented JSON shape, authorization state, failures as catalog errors, the SSRF guard).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { newId } from '../../src/core/util/ids.ts';
import { insertAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const PLATFORMS = '/v1/{project_id}/live-platforms/platforms';
const PRODUCTS = '/v1/{project_id}/live-platforms/products';
const KEY = 'platform-secret-1';

/** A stand-in MSS_STANDARD platform: /products answers per `mode`, checking Doppel's signature. */
function startPlatform() {
  let mode: 'ok' | 'denied' | 'error' | 'garbage' | 'reset' = 'ok';
  const seen: Array<{ url: string; signed: boolean }> = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const full = `http://${req.headers.host}${req.url}`;
    const signed = verifyMssSecret(KEY, full, {
      secret: String(req.headers['x-hw-mss-secret'] ?? ''),
      timeStamp: String(req.headers['x-hw-mss-time'] ?? ''),
    });
    seen.push({ url: req.url ?? '', signed });
    if (mode === 'reset') return req.socket.destroy();
    if (mode === 'denied' || !signed) return res.writeHead(401).end('{}');
    if (mode === 'error') return res.writeHead(500).end('oops');
    if (mode === 'garbage')
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"products": 5}');
    const offset = Number(url.searchParams.get('offset'));
    const limit = Number(url.searchParams.get('limit'));
    const all = Array.from({ length: 3 }, (_, i) => ({
      product_id: `p${i + 1}`,
      product_title: `Flask ${i + 1}`,
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        count: all.length,
        products: all.slice(offset, offset + limit),
        account: `shop-${url.searchParams.get('live_id')}`,
      }),
    );
  });
  return {
    server,
    seen,
    setMode: (m: typeof mode) => {
      mode = m;
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
  };
}

await describeEachDb(
  'Live platforms (CreateLivePlatform, ShowLivePlatform, ListLivePlatforms, UpdateLivePlatform, DeleteLivePlatform, ListLivePlatformProducts)',
  (leg) => {
    let p: TestPlatform;
    let strict: TestPlatform;
    let base: string;
    const stand = startPlatform();
    before(async () => {
      base = await stand.listen();
      p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
    });
    after(async () => {
      await p?.close();
      await strict?.close();
      stand.server.close();
    });

    const body = (over: Record<string, unknown> = {}) => ({
      name: 'MyShop',
      auth_config: { key: KEY },
      callback_config: [
        { api_type: 'PRODUCT_QUERY', url: `${base}/products` },
        { api_type: 'LIVE_EVENT_CALLBACK', url: `${base}/events` },
      ],
      ...over,
    });
    const create = async (over: Record<string, unknown> = {}) => {
      const r = await p.call('POST', PLATFORMS, { body: body(over) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.platform_id as string;
    };

    it('CreateLivePlatform; ShowLivePlatform is UNAUTHORIZED and never shows the key; bad input is refused', async () => {
      const id = await create();
      const s = await p.call('GET', `${PLATFORMS}/${id}`);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.name, 'MyShop');
      assert.equal(s.body.access_type, 'MSS_STANDARD');
      assert.equal(s.body.authorization_info.authorize_state, 'UNAUTHORIZED');
      assert.notEqual(s.body.auth_config.key, KEY);
      assert.equal(s.body.callback_config.length, 2);
      const bad = async (over: Record<string, unknown>, msg: RegExp) => {
        const r = await p.call('POST', PLATFORMS, { body: body(over) });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.match(r.body.error_msg, msg);
      };
      await bad(
        { callback_config: [{ api_type: 'PRODUCT_QUERY', url: 'ftp://x/y' }] },
        /only http and https/,
      );
      await bad({ callback_config: [{ api_type: 'PRODUCT_QUERY', url: 'https://u:p@x/y' }] }, /credentials/);
      await bad(
        {
          callback_config: [
            { api_type: 'PRODUCT_QUERY', url: 'https://x/a' },
            { api_type: 'PRODUCT_QUERY', url: 'https://x/b' },
          ],
        },
        /repeated/,
      );
      await bad({ name: 'no spaces allowed' }, /name/);
      assert.equal((await p.call('GET', `${PLATFORMS}/${newId()}`)).body.error_code, 'MSS.10004004');
      assert.equal(
        (await p.call('GET', `${PLATFORMS}/${id}`, { as: p.other })).body.error_code,
        'MSS.10004004',
      );
    });

    it('ListLivePlatformProducts asks the platform, signed, pages, and makes the platform AUTHORIZED', async () => {
      const id = await create();
      const r = await p.call('GET', PRODUCTS, {
        query: { platform_id: id, live_id: 'room_7', offset: 1, limit: 2 },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, {
        count: 3,
        products: [
          { product_id: 'p2', product_title: 'Flask 2' },
          { product_id: 'p3', product_title: 'Flask 3' },
        ],
      });
      const last = stand.seen.at(-1);
      assert.ok(last?.signed, 'the request carries a valid MSS_A_HEAD signature');
      assert.match(last?.url ?? '', /live_id=room_7&offset=1&limit=2/);
      const s = (await p.call('GET', `${PLATFORMS}/${id}`)).body;
      assert.equal(s.authorization_info.authorize_state, 'AUTHORIZED');
      assert.equal(s.authorization_info.account, 'shop-room_7');
      assert.match(s.authorization_info.authorized_time, /Z$/);

      // A wrong key: the platform answers 401 and the platform is UNAUTHORIZED again.
      const u = await p.call('PUT', `${PLATFORMS}/${id}`, {
        body: { name: 'MyShop2', auth_config: { key: 'wrong' }, callback_config: body().callback_config },
      });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      const denied = await p.call('GET', PRODUCTS, { query: { platform_id: id, live_id: 'room_7' } });
      assert.equal(denied.status, 400);
      assert.equal(denied.body.error_code, 'MSS.10004005');
      assert.match(denied.body.error_msg, /refused the authorization \(HTTP 401\)/);
      const after = (await p.call('GET', `${PLATFORMS}/${id}`)).body;
      assert.equal(after.name, 'MyShop2');
      assert.equal(after.authorization_info.authorize_state, 'UNAUTHORIZED');
    });

    it('platform failures are catalog errors; without DOPPEL_ALLOW_PRIVATE_FETCH loopback is refused', async () => {
      const id = await create();
      const query = { platform_id: id, live_id: 'room_1' };
      for (const [mode, msg] of [
        ['error', /answered HTTP 500/],
        ['garbage', /"products" is not an array/],
        ['reset', /no answer/],
      ] as const) {
        stand.setMode(mode);
        const r = await p.call('GET', PRODUCTS, { query });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error_code, 'MSS.10004005');
        assert.match(r.body.error_msg, msg);
      }
      stand.setMode('ok');
      const noQuery = await create({
        callback_config: [{ api_type: 'LIVE_EVENT_CALLBACK', url: `${base}/events` }],
      });
      const r = await p.call('GET', PRODUCTS, { query: { platform_id: noQuery, live_id: 'x' } });
      assert.match(r.body.error_msg, /no PRODUCT_QUERY url/);
      const unknown = await p.call('GET', PRODUCTS, { query: { platform_id: newId(), live_id: 'x' } });
      assert.equal(unknown.body.error_code, 'MSS.10004004');

      strict = await startTestPlatform(leg);
      const c = await strict.call('POST', PLATFORMS, { body: body() });
      const before = stand.seen.length;
      const blocked = await strict.call('GET', PRODUCTS, {
        query: { platform_id: c.body.platform_id, live_id: 'x' },
      });
      assert.equal(blocked.status, 400);
      assert.equal(blocked.body.error_code, 'MSS.10004005');
      assert.match(blocked.body.error_msg, /loopback/);
      assert.equal(stand.seen.length, before, 'nothing reached the stand-in');
    });

    it('ListLivePlatforms; a platform linked to a room is kept; DeleteLivePlatform', async () => {
      const a = await create({ name: 'ShopA' });
      const l = await p.call('GET', PLATFORMS, { query: { access_type: 'MSS_STANDARD' } });
      assert.equal(l.status, 200, JSON.stringify(l.body));
      assert.ok(l.body.live_platforms.some((x: { platform_id: string }) => x.platform_id === a));
      assert.ok(
        l.body.live_platforms.every((x: { auth_config: { key: string } }) => x.auth_config.key !== KEY),
      );
      const none = await p.call('GET', PLATFORMS, { query: { access_type: 'MEITUAN_OFFICIAL' } });
      assert.deepEqual(none.body.live_platforms, []);
      assert.deepEqual((await p.call('GET', PLATFORMS, { as: p.other })).body.live_platforms, []);

      const model = await insertAsset(p, {
        name: `host ${newId()}`,
        type: 'HUMAN_MODEL_2D',
        projectId: p.tenant.projectId,
      });
      const text =
        'Welcome to the shop, today we show a flask that keeps your tea hot for the whole day and night. '.repeat(
          3,
        );
      const room = await p.call('POST', '/v1/{project_id}/smart-live-rooms', {
        body: {
          room_name: 'Shop room',
          scene_scripts: [
            { script_name: 'S', model_asset_id: model, shoot_scripts: [{ text_config: { text } }] },
          ],
          relation_live_platform_info: { platform_id: a, live_id: 'live_1' },
          live_event_callback_config: {
            is_inheritance_platform_callback: true,
            callback_event_type: ['SHOOT_SCRIPT_SWITCH'],
          },
        },
      });
      assert.equal(room.status, 200, JSON.stringify(room.body));
      const shown = (await p.call('GET', `/v1/{project_id}/smart-live-rooms/${room.body.room_id}`)).body;
      assert.deepEqual(shown.relation_live_platform_info, {
        platform_id: a,
        live_id: 'live_1',
        platform: 'ShopA',
      });
      const busy = await p.call('DELETE', `${PLATFORMS}/${a}`);
      assert.equal(busy.body.error_code, 'MSS.10004007');
      await p.call('DELETE', `/v1/{project_id}/smart-live-rooms/${room.body.room_id}`);
      const d = await p.call('DELETE', `${PLATFORMS}/${a}`);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal((await p.call('DELETE', `${PLATFORMS}/${a}`)).body.error_code, 'MSS.10004004');
    });
  },
);
