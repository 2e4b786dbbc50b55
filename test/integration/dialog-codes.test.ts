// One-off and activation codes over HTTP on both database legs, with an injected clock:
// CreateOnceCode and consumeOnceCode (single use, 5-minute expiry, bound to the project);
// CreateActiveCode, ListActiveCode, ShowActiveCode, UpdateActiveCode, ResetActiveCode,
// DeleteActiveCode and useActiveCode (validity window, usage limit, state, reset). The HTTP
// calls run on the real clock (request signatures are checked against it); the code
// services are also driven directly with a clock that runs ahead by `skew`.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ActiveCodes, OnceCodes, onceCodeConsumer } from '../../src/modules/dialog-apps/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const CHAT = '/v1/{project_id}/digital-human-chat';
const ROBOT = `${CHAT}/robot`;
const ONCE = `${CHAT}/once-code`;
const ACTIVE = `${CHAT}/active-code`;
const ROOMS = '/v1/{project_id}/smart-chat-rooms';
const DAY = 24 * 60 * 60 * 1000;
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
type Json = Record<string, any>;

await describeEachDb('Dialog codes (CreateOnceCode and the activation codes)', (leg) => {
  let p: TestPlatform;
  let skew = 0;
  const clock = { now: () => new Date(Date.now() + skew) };
  before(async () => {
    p = await startTestPlatform(leg, { runJobs: false });
  });
  after(async () => {
    await p?.close();
  });

  const ok = (r: { status: number; body: unknown }): Json => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as Json;
  };
  const bad = async (r: Promise<{ status: number; body: unknown }>, code: string, msg?: RegExp) => {
    const res = await r;
    const body = res.body as Json;
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.error_code, code, JSON.stringify(body));
    if (msg) assert.match(body.error_msg, msg);
  };
  const rejects = async (pr: Promise<unknown>, code: string, msg?: RegExp) => {
    await assert.rejects(pr, (e: Json) => {
      assert.equal(e.code, code, e.message);
      if (msg) assert.match(e.message, msg);
      return true;
    });
  };
  let roomN = 0;
  const newRoom = async (concurrency = 1, as = p.tenant) =>
    ok(await p.call('POST', ROOMS, { as, body: { room_name: `room ${roomN++}`, concurrency } }))
      .room_id as string;
  let robotN = 0;
  const newRobot = async (as = p.tenant) =>
    ok(await p.call('POST', ROBOT, { as, body: { name: `codes-${robotN++}`, app_type: 0 } }))
      .robot_id as string;

  it('CreateOnceCode: a code works once, for its project only, and expires after 5 minutes', async () => {
    const db = p.deps.moduleDeps.db;
    const consume = onceCodeConsumer({ db, clock });
    const pid = p.tenant.projectId;
    skew = 0;
    const { once_code } = ok(await p.call('POST', ONCE));
    assert.ok(typeof once_code === 'string' && once_code.length >= 16 && once_code.length <= 64);
    const stored = await db.selectFrom('dialog_once_codes').selectAll().execute();
    assert.ok(!stored.some((r) => r.code_hash === once_code), 'only a hash is stored');
    await rejects(consume(p.other.projectId, once_code), 'MSS.47010046', /unknown/);
    await consume(pid, once_code, 'any-room');
    await rejects(consume(pid, once_code), 'MSS.47010046', /already been used/);
    await rejects(consume(pid, 'never-issued'), 'MSS.47010046', /unknown/);
    await rejects(consume(pid, ''), 'MSS.47010046');

    const early = ok(await p.call('POST', ONCE)).once_code;
    const late = ok(await p.call('POST', ONCE)).once_code;
    assert.notEqual(early, late);
    skew = 5 * 60 * 1000 - 5000;
    await consume(pid, early);
    skew = 5 * 60 * 1000 + 1000;
    await rejects(consume(pid, late), 'MSS.47010046', /expired/);
    skew = 0;
  });

  it('OnceCodes on a fixed clock: valid until the last millisecond of 5 minutes, concurrent use wins once', async () => {
    let t = Date.parse('2026-12-01T10:00:00Z');
    const fixed = { now: () => new Date(t) };
    const codes = new OnceCodes({ db: p.deps.moduleDeps.db, clock: fixed });
    const pid = p.tenant.projectId;
    const a = (await codes.create(pid)).once_code;
    const b = (await codes.create(pid)).once_code;
    const room = (await codes.create(pid, 'room-1')).once_code;
    t += 5 * 60 * 1000 - 1;
    await codes.consumeOnceCode(pid, a);
    t += 1;
    await rejects(codes.consumeOnceCode(pid, b), 'MSS.47010046', /expired/);
    t -= 1;
    await rejects(codes.consumeOnceCode(pid, room, 'room-2'), 'MSS.47010046', /another room/);
    await codes.consumeOnceCode(pid, room, 'room-1');
    const c = (await codes.create(pid)).once_code;
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => codes.consumeOnceCode(pid, c)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'single use under races');
    // Old codes are dropped as new ones are made; a purged code is simply unknown.
    t += 10 * 60 * 1000;
    await codes.create(pid);
    await rejects(codes.consumeOnceCode(pid, b), 'MSS.47010046', /unknown/);
  });

  it('CreateActiveCode, ShowActiveCode, ListActiveCode, UpdateActiveCode: the validity window in days', async () => {
    const robot = await newRobot();
    const room1 = await newRoom();
    const c = ok(
      await p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: room1, valid_period: 1 } }),
    );
    assert.match(c.active_code_id, /^[0-9a-f]{32}$/);
    assert.match(c.active_code, /^[A-Z2-9]{12}$/);
    assert.equal(c.robot_id, robot);
    assert.equal(c.room_id, room1);
    assert.equal(c.valid_period, 1);
    const t0 = Date.parse(c.create_time);
    assert.ok(Math.abs(Date.parse(c.expire_time) - (t0 + DAY)) < 1000, 'expires one day after creation');
    assert.deepEqual(ok(await p.call('GET', `${ACTIVE}/${c.active_code_id}`)), c);
    const forever = ok(
      await p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: room1, valid_period: 0 } }),
    );
    assert.equal(forever.expire_time, undefined, '0 days never expires');
    const u = ok(await p.call('PUT', `${ACTIVE}/${c.active_code_id}`, { body: { valid_period: 3 } }));
    assert.equal(u.valid_period, 3);
    assert.ok(
      Math.abs(Date.parse(u.expire_time) - (t0 + 3 * DAY)) < 1000,
      'the window still starts at creation',
    );
    assert.equal(u.active_code, c.active_code);
    const list = ok(await p.call('GET', ACTIVE, { query: { robot_id: robot } }));
    assert.equal(list.count, 2);
    assert.deepEqual(
      list.data.map((x: Json) => x.active_code_id),
      [c.active_code_id, forever.active_code_id],
    );
    const past = ok(await p.call('GET', ACTIVE, { query: { robot_id: robot, offset: 9, limit: 1 } }));
    assert.deepEqual([past.offset, past.data[0].active_code_id], [1, forever.active_code_id]);
    assert.equal(ok(await p.call('GET', ACTIVE, { query: { robot_id: 'no-such-robot' } })).count, 0);
  });

  it('activation codes refuse bad input with 4xx and write nothing', async () => {
    const robot = await newRobot();
    const r = await newRoom();
    await bad(
      p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: 'd'.repeat(32), valid_period: 1 } }),
      'MSS.47010001',
    );
    await bad(
      p.call('POST', ACTIVE, {
        body: { robot_id: robot, room_id: await newRoom(1, p.other), valid_period: 1 },
      }),
      'MSS.47010001',
    );
    await bad(
      p.call('POST', ACTIVE, { body: { robot_id: 'f'.repeat(32), room_id: r, valid_period: 1 } }),
      'MSS.47010034',
    );
    const other = await newRobot(p.other);
    await bad(
      p.call('POST', ACTIVE, { body: { robot_id: other, room_id: r, valid_period: 1 } }),
      'MSS.47010034',
    );
    await bad(
      p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: 'bad room', valid_period: 1 } }),
      'MSS.00000003',
    );
    const tooLong = await p.call('POST', ACTIVE, {
      body: { robot_id: robot, room_id: r, valid_period: 65536 },
    });
    assert.equal(tooLong.status, 400);
    const missing = await p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: r } });
    assert.equal(missing.status, 400);
    assert.equal(ok(await p.call('GET', ACTIVE, { query: { robot_id: robot } })).count, 0);
    await bad(p.call('GET', `${ACTIVE}/${'a'.repeat(32)}`), 'MSS.47012001');
    await bad(p.call('PUT', `${ACTIVE}/${'a'.repeat(32)}`, { body: { valid_period: 1 } }), 'MSS.47012001');
    await bad(p.call('PUT', `${ACTIVE}/${'a'.repeat(32)}/reset`, { body: {} }), 'MSS.47012001');
    const c = ok(await p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: r, valid_period: 1 } }));
    await bad(p.call('PUT', `${ACTIVE}/${c.active_code_id}`, { body: {} }), 'MSS.00000003', /valid_period/);
  });

  it('useActiveCode: usage limit, state, reset (new code, fresh window, clean_auth_credential) and expiry', async () => {
    skew = 0;
    const codes = new ActiveCodes({ db: p.deps.moduleDeps.db, clock });
    const pid = p.tenant.projectId;
    const robot = await newRobot();
    const room7 = await newRoom(1);
    const c = ok(
      await p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: room7, valid_period: 2 } }),
    );
    const id = c.active_code_id;
    assert.equal(await codes.stateOf(pid, id), 'ACTIVE');
    const use = (code: string, credential: string, maxUsers?: number) =>
      codes.useActiveCode(pid, { robotId: robot, code, credential, ...(maxUsers ? { maxUsers } : {}) });
    assert.deepEqual(await use(c.active_code, 'browser-a'), { activeCodeId: id, roomId: room7 });
    await use(c.active_code.toLowerCase(), 'browser-a'); // the same user again, typed in lower case
    assert.equal(await codes.stateOf(pid, id), 'FULL', 'one user admitted of the room’s one');
    await rejects(use(c.active_code, 'browser-b'), 'MSS.20010135', /1 user/);
    // The room's concurrency is the limit: raise it to 2.
    ok(await p.call('PUT', `${ROOMS}/${room7}`, { body: { room_name: 'room seven', concurrency: 2 } }));
    assert.equal(await codes.stateOf(pid, id), 'ACTIVE');
    await use(c.active_code, 'browser-b');
    await rejects(use(c.active_code, 'browser-c'), 'MSS.20010135');
    await rejects(use('WRONGCODE234', 'browser-a'), 'MSS.47010043');
    await rejects(
      codes.useActiveCode(p.other.projectId, { robotId: robot, code: c.active_code, credential: 'x' }),
      'MSS.47010043',
    );

    // Reset without cleaning (a day later): a new code, the old one is dead, the admitted
    // users remain, and the window restarts.
    skew = DAY;
    const r1 = await codes.reset(pid, id, { clean_auth_credential: false });
    assert.notEqual(r1.active_code, c.active_code);
    assert.equal(r1.active_code_id, id);
    assert.ok(
      Math.abs(Date.parse(r1.expire_time as string) - (Date.now() + 3 * DAY)) < 2000,
      'the window restarts at the reset',
    );
    await rejects(use(c.active_code, 'browser-a'), 'MSS.47010043');
    await use(r1.active_code as string, 'browser-b');
    await rejects(use(r1.active_code as string, 'browser-c'), 'MSS.20010135');
    // Reset with cleaning (over HTTP) frees the slots; the window restarts at real time now.
    skew = 0;
    const r2 = ok(await p.call('PUT', `${ACTIVE}/${id}/reset`, { body: { clean_auth_credential: true } }));
    await use(r2.active_code, 'browser-c');
    await use(r2.active_code, 'browser-d');
    assert.equal(ok(await p.call('GET', `${ACTIVE}/${id}`)).active_code, r2.active_code);

    // The window ends: expired for everyone, including admitted users.
    skew = 2 * DAY - 5000;
    await use(r2.active_code, 'browser-c');
    skew = 2 * DAY + 1000;
    await rejects(use(r2.active_code, 'browser-c'), 'MSS.47010045');
    assert.equal(await codes.stateOf(pid, id), 'EXPIRED');
    // A longer period revives it.
    ok(await p.call('PUT', `${ACTIVE}/${id}`, { body: { valid_period: 5 } }));
    assert.equal(await codes.stateOf(pid, id, 3), 'ACTIVE');
    // A room with no concurrency admits nobody.
    ok(await p.call('PUT', `${ROOMS}/${room7}`, { body: { room_name: 'room seven' } }));
    await rejects(use(r2.active_code, 'browser-c'), 'MSS.20010135', /no concurrency/);
    skew = 0;
  });

  it('DeleteActiveCode: all or nothing; deleting the robot or the room deletes its codes; tenants isolated', async () => {
    const robot = await newRobot();
    const r = await newRoom();
    const mk = async () =>
      ok(await p.call('POST', ACTIVE, { body: { robot_id: robot, room_id: r, valid_period: 0 } }))
        .active_code_id;
    const a = await mk();
    const b = await mk();
    const as = p.other;
    await bad(p.call('GET', `${ACTIVE}/${a}`, { as }), 'MSS.47012001');
    await bad(p.call('PUT', `${ACTIVE}/${a}`, { as, body: { valid_period: 9 } }), 'MSS.47012001');
    await bad(p.call('PUT', `${ACTIVE}/${a}/reset`, { as, body: {} }), 'MSS.47012001');
    await bad(p.call('POST', `${ACTIVE}/delete`, { as, body: [a] }), 'MSS.47012001');
    assert.equal(ok(await p.call('GET', ACTIVE, { as, query: { robot_id: robot } })).count, 0);
    await bad(p.call('POST', `${ACTIVE}/delete`, { body: [a, 'c'.repeat(32)] }), 'MSS.47012001');
    assert.equal(ok(await p.call('GET', ACTIVE, { query: { robot_id: robot } })).count, 2);
    ok(await p.call('POST', `${ACTIVE}/delete`, { body: [a] }));
    await bad(p.call('GET', `${ACTIVE}/${a}`), 'MSS.47012001');
    ok(await p.call('GET', `${ACTIVE}/${b}`));
    ok(await p.call('POST', `${ROBOT}/delete`, { body: [robot] }));
    await bad(p.call('GET', `${ACTIVE}/${b}`), 'MSS.47012001');
    // Deleting a room deletes its codes too.
    const robot2 = await newRobot();
    const c = ok(await p.call('POST', ACTIVE, { body: { robot_id: robot2, room_id: r, valid_period: 0 } }));
    ok(await p.call('DELETE', `${ROOMS}/${r}`));
    await bad(p.call('GET', `${ACTIVE}/${c.active_code_id}`), 'MSS.47012001');
  });
});
