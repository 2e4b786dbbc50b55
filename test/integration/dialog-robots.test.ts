// Robots (dialog applications) over HTTP on both database legs: CreateRobot, ListRobot,
// ShowRobot, UpdateRobot, DeleteRobot — the app_type mapping (ERRATA 90), the LLM URL check,
// masked keys, the id-list delete (all or nothing, the robot's content with it) and tenant
// isolation.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { RobotsService } from '../../src/modules/dialog-apps/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ROBOT = '/v1/{project_id}/digital-human-chat/robot';
const WELCOME = '/v1/{project_id}/digital-human-chat/welcome-speech';
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
type Json = Record<string, any>;

const llmRobot = (name: string, extra: Json = {}): Json => ({
  name,
  app_type: 6,
  language: 'en_US',
  tail_silence_time: 800,
  third_party_model_config: {
    app_id: 'my-app',
    app_key: 'sk-very-secret-key',
    llm_url: 'https://llm.example.com/v1/chat/completions',
    is_stream: true,
    chat_rounds: 3,
    asr_secret: 'asr-secret-value',
  },
  ...extra,
});

await describeEachDb('Dialog robots (CreateRobot, ListRobot, ShowRobot, UpdateRobot, DeleteRobot)', (leg) => {
  let p: TestPlatform;
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
  const count = async () => ok(await p.call('GET', ROBOT, { query: { limit: 100 } })).count as number;

  it('CreateRobot (app_type 6) and ShowRobot: stored fields answered, keys masked and sealed', async () => {
    const { robot_id } = ok(await p.call('POST', ROBOT, { body: llmRobot('llm-one') }));
    assert.match(robot_id, /^[0-9a-f]{32}$/);
    const res = await p.call('GET', `${ROBOT}/${robot_id}`);
    const s = ok(res);
    assert.equal(s.robot_id, robot_id);
    assert.equal(s.name, 'llm-one');
    assert.equal(s.app_type, 6);
    assert.equal(s.language, 'EN');
    assert.equal(s.tail_silence_time, 800);
    assert.equal(s.robot_type, 'CHAT');
    assert.equal(s.llm_url, 'https://llm.example.com/v1/chat/completions');
    assert.equal(s.is_stream, true);
    assert.equal(s.chat_rounds, 3);
    assert.equal(s.app_id, 'my-app');
    assert.equal(s.app_key, '********');
    assert.match(s.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(!res.raw.toString().includes('sk-very-secret'), 'the key is never echoed');
    assert.ok(!res.raw.toString().includes('asr-secret'), 'the ASR secret is never echoed');
    const row = await p.deps.moduleDeps.db
      .selectFrom('dialog_robots')
      .selectAll()
      .where('robot_id', '=', robot_id)
      .executeTakeFirstOrThrow();
    assert.equal(row.backing, 'LLM');
    assert.ok(row.secrets_sealed && !row.secrets_sealed.includes('sk-very-secret'), 'sealed at rest');
    const secrets = await new RobotsService(p.deps.moduleDeps).secretsOf(p.tenant.projectId, robot_id);
    assert.deepEqual(secrets, { app_key: 'sk-very-secret-key', asr_secret: 'asr-secret-value' });
  });

  it('CreateRobot (app_types 0 and 2) is knowledge-base-backed; defaults apply', async () => {
    const a = ok(
      await p.call('POST', ROBOT, {
        body: {
          name: 'aiui',
          app_type: 0,
          iflytek_aiui_config: { app_id: 'ifly', app_key: 'k', api_secret: 's' },
        },
      }),
    );
    const b = ok(await p.call('POST', ROBOT, { body: { name: 'spark', app_type: 2, robot_type: 'LIVE' } }));
    const sa = ok(await p.call('GET', `${ROBOT}/${a.robot_id}`));
    assert.equal(sa.app_type, 0);
    assert.equal(sa.language, 'CN');
    assert.equal(sa.tail_silence_time, 500);
    assert.equal(sa.app_id, 'ifly');
    assert.equal(sa.app_key, '********');
    assert.equal(sa.is_ifly_production, false);
    assert.equal(sa.llm_url, undefined);
    const sb = ok(await p.call('GET', `${ROBOT}/${b.robot_id}`));
    assert.equal(sb.robot_type, 'LIVE');
    assert.equal(sb.app_key, undefined, 'no key stored, none shown');
    const rows = await p.deps.moduleDeps.db
      .selectFrom('dialog_robots')
      .select('backing')
      .where('robot_id', 'in', [a.robot_id, b.robot_id])
      .execute();
    assert.deepEqual(
      rows.map((r) => r.backing),
      ['KNOWLEDGE_BASE', 'KNOWLEDGE_BASE'],
    );
  });

  it('CreateRobot refuses unreachable vendors and bad LLM settings with 4xx, writing nothing', async () => {
    const before = await count();
    await bad(
      p.call('POST', ROBOT, { body: { name: 'cbs', app_type: 1 } }),
      'MSS.00000003',
      /CBS.*cannot reach/,
    );
    await bad(
      p.call('POST', ROBOT, { body: { name: 'mob', app_type: 8 } }),
      'MSS.00000003',
      /Mobvoi.*cannot reach/,
    );
    await bad(p.call('POST', ROBOT, { body: { name: 'wb', app_type: 7 } }), 'MSS.00000003', /not supported/);
    await bad(p.call('POST', ROBOT, { body: { name: 'drv', app_type: 5 } }), 'MSS.00000003', /driver/);
    await bad(
      p.call('POST', ROBOT, { body: { name: 'unk', app_type: 3 } }),
      'MSS.00000003',
      /not a known type/,
    );
    await bad(p.call('POST', ROBOT, { body: { name: 'llm', app_type: 6 } }), 'MSS.47010130');
    await bad(
      p.call('POST', ROBOT, {
        body: { name: 'llm', app_type: 6, third_party_model_config: { app_key: 'k' } },
      }),
      'MSS.47010131',
    );
    for (const url of [
      'http://127.0.0.1:8080/v1/chat',
      'http://169.254.169.254/latest',
      'http://10.1.2.3/x',
      'http://[::1]/x',
      'http://localhost:11434/v1',
      'ftp://llm.example.com/',
      'https://user:pw@llm.example.com/',
      'not a url',
    ]) {
      await bad(
        p.call('POST', ROBOT, {
          body: { name: 'llm', app_type: 6, third_party_model_config: { llm_url: url } },
        }),
        'MSS.47010134',
      );
    }
    await bad(
      p.call('POST', ROBOT, {
        body: { ...llmRobot('mixed'), huawei_ei_cbs: { app_id: 'x' } },
      }),
      'MSS.00000003',
      /huawei_ei_cbs does not belong/,
    );
    await bad(p.call('POST', ROBOT, { body: { name: '   ', app_type: 0 } }), 'MSS.00000003', /blank/);
    const dup = await p.call('POST', ROBOT, { body: { name: 'dup', app_type: 0 } });
    ok(dup);
    await bad(p.call('POST', ROBOT, { body: { name: 'dup', app_type: 2 } }), 'MSS.47010033');
    // The contract's own checks: a name over 32 characters, a tail_silence_time over 3000.
    const long = await p.call('POST', ROBOT, { body: { name: 'x'.repeat(33), app_type: 0 } });
    assert.equal(long.status, 400);
    const tail = await p.call('POST', ROBOT, { body: { name: 't', app_type: 0, tail_silence_time: 3001 } });
    assert.equal(tail.status, 400);
    assert.equal(await count(), before + 1, 'only the first "dup" was written');
  });

  it('UpdateRobot changes named fields, keeps keys not resent, revalidates, and refuses partial writes', async () => {
    const { robot_id } = ok(await p.call('POST', ROBOT, { body: llmRobot('upd') }));
    assert.equal(
      (
        await p.call('PUT', `${ROBOT}/${robot_id}`, {
          body: { name: 'upd-2', third_party_model_config: { chat_rounds: 5 } },
        })
      ).status,
      200,
    );
    let s = ok(await p.call('GET', `${ROBOT}/${robot_id}`));
    assert.equal(s.name, 'upd-2');
    assert.equal(s.chat_rounds, 5);
    assert.equal(s.is_stream, true);
    assert.equal(s.llm_url, 'https://llm.example.com/v1/chat/completions');
    const svc = new RobotsService(p.deps.moduleDeps);
    assert.equal((await svc.secretsOf(p.tenant.projectId, robot_id))?.app_key, 'sk-very-secret-key');
    // Sending the mask back (a Show → Update round trip) keeps the key; a new key replaces it.
    ok(
      await p.call('PUT', `${ROBOT}/${robot_id}`, {
        body: { third_party_model_config: { app_key: '********' } },
      }),
    );
    assert.equal((await svc.secretsOf(p.tenant.projectId, robot_id))?.app_key, 'sk-very-secret-key');
    ok(
      await p.call('PUT', `${ROBOT}/${robot_id}`, {
        body: { third_party_model_config: { app_key: 'sk-new' } },
      }),
    );
    assert.equal((await svc.secretsOf(p.tenant.projectId, robot_id))?.app_key, 'sk-new');
    ok(await p.call('PUT', `${ROBOT}/${robot_id}`, { body: { language: 'Thai', tail_silence_time: 0 } }));
    s = ok(await p.call('GET', `${ROBOT}/${robot_id}`));
    assert.equal(s.language, 'Thai');
    assert.equal(s.tail_silence_time, 0);
    const snapshot = s;
    await bad(p.call('PUT', `${ROBOT}/${robot_id}`, { body: { app_type: 1 } }), 'MSS.00000003', /CBS/);
    await bad(
      p.call('PUT', `${ROBOT}/${robot_id}`, {
        body: { name: 'never', third_party_model_config: { llm_url: 'http://192.168.1.1/' } },
      }),
      'MSS.47010134',
    );
    await bad(p.call('PUT', `${ROBOT}/${robot_id}`, { body: {} }), 'MSS.00000003');
    ok(await p.call('POST', ROBOT, { body: { name: 'taken', app_type: 0 } }));
    await bad(p.call('PUT', `${ROBOT}/${robot_id}`, { body: { name: 'taken' } }), 'MSS.47010033');
    assert.deepEqual(
      ok(await p.call('GET', `${ROBOT}/${robot_id}`)),
      snapshot,
      'refused updates wrote nothing',
    );
    // Changing the type to 0 drops the LLM fields and keys.
    ok(await p.call('PUT', `${ROBOT}/${robot_id}`, { body: { app_type: 0 } }));
    s = ok(await p.call('GET', `${ROBOT}/${robot_id}`));
    assert.equal(s.app_type, 0);
    assert.equal(s.llm_url, undefined);
    assert.equal(s.app_key, undefined);
    await bad(p.call('PUT', `${ROBOT}/${'f'.repeat(32)}`, { body: { name: 'x' } }), 'MSS.47010034');
  });

  it('ListRobot pages (the last page past the end) and filters by robot_type and room_id', async () => {
    const other = p.other;
    const names = ['l-a', 'l-b', 'l-c'];
    for (const [i, name] of names.entries())
      ok(
        await p.call('POST', ROBOT, {
          as: other,
          body: {
            name,
            app_type: 0,
            robot_type: i === 1 ? 'LIVE' : 'CHAT',
            ...(i === 2 ? { room_id: 'room-9' } : {}),
          },
        }),
      );
    const all = ok(await p.call('GET', ROBOT, { as: other }));
    assert.equal(all.count, 3);
    assert.deepEqual(
      all.data.map((r: Json) => r.name),
      names,
    );
    const second = ok(await p.call('GET', ROBOT, { as: other, query: { offset: 1, limit: 1 } }));
    assert.deepEqual([second.offset, second.limit, second.data[0].name], [1, 1, 'l-b']);
    const past = ok(await p.call('GET', ROBOT, { as: other, query: { offset: 50, limit: 2 } }));
    assert.deepEqual([past.offset, past.data.map((r: Json) => r.name)], [2, ['l-c']]);
    const live = ok(await p.call('GET', ROBOT, { as: other, query: { robot_type: 'LIVE' } }));
    assert.deepEqual([live.count, live.data[0].name], [1, 'l-b']);
    const room = ok(await p.call('GET', ROBOT, { as: other, query: { room_id: 'room-9' } }));
    assert.deepEqual([room.count, room.data[0].room_id], [1, 'room-9']);
    const bigLimit = await p.call('GET', ROBOT, { as: other, query: { limit: 101 } });
    assert.equal(bigLimit.status, 400);
  });

  it('DeleteRobot: all or nothing, and the robot’s content goes with it', async () => {
    const a = ok(await p.call('POST', ROBOT, { body: { name: 'del-a', app_type: 0 } })).robot_id;
    const b = ok(await p.call('POST', ROBOT, { body: { name: 'del-b', app_type: 2 } })).robot_id;
    ok(await p.call('POST', WELCOME, { body: { robot_id: a, welcome_speech: 'Hello' } }));
    const missing = 'e'.repeat(32);
    await bad(p.call('POST', `${ROBOT}/delete`, { body: [a, missing] }), 'MSS.47010034', new RegExp(missing));
    ok(await p.call('GET', `${ROBOT}/${a}`));
    ok(await p.call('GET', `${ROBOT}/${b}`));
    await bad(p.call('POST', `${ROBOT}/delete`, { body: [] }), 'MSS.00000003');
    await bad(p.call('POST', `${ROBOT}/delete`, { body: ['bad id!'] }), 'MSS.00000003');
    assert.equal((await p.call('POST', `${ROBOT}/delete`, { body: [a, b, a] })).status, 200);
    await bad(p.call('GET', `${ROBOT}/${a}`), 'MSS.47010034');
    await bad(p.call('GET', `${ROBOT}/${b}`), 'MSS.47010034');
    const speeches = ok(await p.call('GET', WELCOME, { query: { robot_id: a } }));
    assert.equal(speeches.count, 0, 'deleteForRobot ran in the same transaction');
  });

  it('tenant isolation: another project neither sees, changes nor deletes a robot', async () => {
    const { robot_id } = ok(await p.call('POST', ROBOT, { body: llmRobot('mine') }));
    const as = p.other;
    await bad(p.call('GET', `${ROBOT}/${robot_id}`, { as }), 'MSS.47010034');
    await bad(p.call('PUT', `${ROBOT}/${robot_id}`, { as, body: { name: 'theirs' } }), 'MSS.47010034');
    await bad(p.call('POST', `${ROBOT}/delete`, { as, body: [robot_id] }), 'MSS.47010034');
    const theirs = ok(await p.call('GET', ROBOT, { as, query: { limit: 100 } }));
    assert.ok(!theirs.data.some((r: Json) => r.robot_id === robot_id));
    // The same name is free in another project.
    ok(await p.call('POST', ROBOT, { as, body: { name: 'mine', app_type: 0 } }));
    assert.equal(ok(await p.call('GET', `${ROBOT}/${robot_id}`)).name, 'mine');
  });
});
