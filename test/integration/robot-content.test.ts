// Per-robot dialog content over HTTP on both database legs: Virtual Avatar Greeting
// Management (CreateWelcomeSpeech, ListWelcomeSpeech, ShowWelcomeSpeech, UpdateWelcomeSpeech,
// DeleteWelcomeSpeech, UpdateWelcomeSpeechSwitch, ShowWelcomeSpeechSwitch), FAQ management
// (CreateHotQuestion, ListHotQuestion, ShowHotQuestion, UpdateHotQuestion, DeleteHotQuestion),
// keyword records (CreateHotWords, ListHotWords, ShowHotWords, UpdateHotWords, DeleteHotWords,
// UpdateHotWordsSwitch, ShowHotWordsSwitch) and agencies (ShowAgency, CreateAgencyWithRoleType,
// DeleteAgencyWithRoleType); then robotExtras and deleteForRobot as the robot module uses them.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { deleteForRobot, robotExtras } from '../../src/modules/robot-content/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const CHAT = '/v1/{project_id}/digital-human-chat';
const WELCOME = `${CHAT}/welcome-speech`;
const QUESTION = `${CHAT}/hot-question`;
const WORDS = `${CHAT}/hot-words`;
const AGENCY = `${CHAT}/agency`;
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
type Json = Record<string, any>;

await describeEachDb(
  'Robot content (welcome speeches, hot questions, hot words, switches, agencies)',
  (leg) => {
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
    const bad = async (r: Promise<{ status: number; body: Json }>, code: string, msg?: RegExp) => {
      const res = await r;
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error_code, code, JSON.stringify(res.body));
      if (msg) assert.match(res.body.error_msg, msg);
    };

    it('welcome speeches: CreateWelcomeSpeech, ShowWelcomeSpeech, UpdateWelcomeSpeech, ListWelcomeSpeech, DeleteWelcomeSpeech', async () => {
      const robot = newId();
      const c = ok(
        await p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: 'Hello there' } }),
      );
      assert.equal(c.robot_id, robot);
      assert.equal(c.language, 'CN');
      assert.equal(c.enable_welcome_speech, true);
      assert.match(c.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const en = ok(
        await p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: 'Hi', language: 'en_US' } }),
      );
      assert.equal(en.language, 'EN');
      assert.deepEqual(ok(await p.call('GET', `${WELCOME}/${c.welcome_speech_id}`)), c);
      const u = ok(
        await p.call('PUT', `${WELCOME}/${c.welcome_speech_id}`, {
          body: { welcome_speech: 'Welcome!', enable_welcome_speech: false },
        }),
      );
      assert.equal(u.welcome_speech, 'Welcome!');
      assert.equal(u.enable_welcome_speech, false);
      const all = ok(await p.call('GET', WELCOME, { query: { robot_id: robot } }));
      assert.equal(all.count, 2);
      assert.deepEqual(
        all.data.map((d: Json) => d.welcome_speech_id),
        [c.welcome_speech_id, en.welcome_speech_id],
      );
      const onlyEn = ok(await p.call('GET', WELCOME, { query: { robot_id: robot, language: 'EN' } }));
      assert.deepEqual(
        onlyEn.data.map((d: Json) => d.welcome_speech),
        ['Hi'],
      );
      // Delete is all or nothing: an unknown id keeps both.
      await bad(
        p.call('POST', `${WELCOME}/delete`, { body: [c.welcome_speech_id, newId()] }),
        'MSS.47011001',
      );
      assert.equal(ok(await p.call('GET', WELCOME, { query: { robot_id: robot } })).count, 2);
      await bad(p.call('POST', `${WELCOME}/delete`, { body: [] }), 'MSS.00000003');
      ok(await p.call('POST', `${WELCOME}/delete`, { body: [c.welcome_speech_id, en.welcome_speech_id] }));
      assert.equal(ok(await p.call('GET', WELCOME, { query: { robot_id: robot } })).count, 0);
      await bad(p.call('GET', `${WELCOME}/${c.welcome_speech_id}`), 'MSS.47011001');
    });

    it('welcome speeches: bad input is a 400 and writes nothing', async () => {
      const robot = newId();
      await bad(
        p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: 'x'.repeat(201) } }),
        'MSS.00000003',
        /welcome_speech/,
      );
      ok(await p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: 'y'.repeat(200) } }));
      await bad(
        p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: '   ' } }),
        'MSS.00000003',
        /blank/,
      );
      await bad(
        p.call('POST', WELCOME, { body: { robot_id: 'bad id!', welcome_speech: 'a' } }),
        'MSS.00000003',
        /robot_id/,
      );
      await bad(p.call('POST', WELCOME, { body: { welcome_speech: 'a' } }), 'MSS.00000003');
      await bad(
        p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: 'a', language: 'DE' } }),
        'MSS.00000003',
      );
      await bad(p.call('GET', WELCOME, { query: { robot_id: robot, limit: 101 } }), 'MSS.00000003');
      await bad(p.call('GET', WELCOME), 'MSS.00000003');
      const list = ok(await p.call('GET', WELCOME, { query: { robot_id: robot } }));
      assert.equal(list.count, 1);
      await bad(p.call('PUT', `${WELCOME}/${list.data[0].welcome_speech_id}`, { body: {} }), 'MSS.00000003');
    });

    it('welcome switch: off by default, UpdateWelcomeSpeechSwitch toggles it per robot', async () => {
      const robot = newId();
      assert.deepEqual(ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: robot } })), {
        enable_welcome_speech: false,
      });
      ok(
        await p.call('POST', `${WELCOME}-switch`, { body: { robot_id: robot, enable_welcome_speech: true } }),
      );
      assert.equal(
        ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: robot, language: 'EN' } }))
          .enable_welcome_speech,
        true,
      );
      assert.equal(
        ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: newId() } })).enable_welcome_speech,
        false,
      );
      // Another tenant's robot with the same id is its own.
      assert.equal(
        ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: robot }, as: p.other }))
          .enable_welcome_speech,
        false,
      );
      ok(
        await p.call('POST', `${WELCOME}-switch`, {
          body: { robot_id: robot, enable_welcome_speech: false },
        }),
      );
      assert.equal(
        ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: robot } })).enable_welcome_speech,
        false,
      );
      await bad(p.call('POST', `${WELCOME}-switch`, { body: { robot_id: robot } }), 'MSS.00000003');
    });

    it('hot questions: CreateHotQuestion, ShowHotQuestion, UpdateHotQuestion, ListHotQuestion (last-page rule, sort_dir), DeleteHotQuestion', async () => {
      const robot = newId();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = ok(await p.call('POST', QUESTION, { body: { robot_id: robot, hot_question: `Q${i}?` } }));
        ids.push(c.hot_question_id);
      }
      ok(
        await p.call('POST', QUESTION, {
          body: { robot_id: robot, hot_question: 'English?', language: 'EN' },
        }),
      );
      const s = ok(await p.call('GET', `${QUESTION}/${ids[0]}`));
      assert.equal(s.hot_question, 'Q0?');
      assert.equal(s.language, 'CN');
      const u = ok(await p.call('PUT', `${QUESTION}/${ids[0]}`, { body: { hot_question: 'First?' } }));
      assert.equal(u.hot_question, 'First?');
      const page = async (query: Record<string, string | number>) =>
        ok(await p.call('GET', QUESTION, { query: { robot_id: robot, language: 'CN', ...query } }));
      const p1 = await page({ offset: 2, limit: 2 });
      assert.equal(p1.count, 5);
      assert.equal(p1.offset, 2);
      assert.deepEqual(
        p1.data.map((d: Json) => d.hot_question),
        ['Q2?', 'Q3?'],
      );
      // Past the end: the last page (offset 4 with limit 2).
      const last = await page({ offset: 50, limit: 2 });
      assert.equal(last.offset, 4);
      assert.deepEqual(
        last.data.map((d: Json) => d.hot_question),
        ['Q4?'],
      );
      const exact = await page({ offset: 5, limit: 5 });
      assert.equal(exact.offset, 0);
      assert.equal(exact.data.length, 5);
      const desc = await page({ sort_dir: 'desc', limit: 1 });
      assert.equal(desc.data[0].hot_question, 'Q4?');
      await bad(
        p.call('GET', QUESTION, { query: { robot_id: robot, sort_dir: 'sideways' } }),
        'MSS.00000003',
        /sort_dir/,
      );
      assert.equal((await page({})).count, 5);
      assert.equal(ok(await p.call('GET', QUESTION, { query: { robot_id: robot } })).count, 6);
      const none = ok(await p.call('GET', QUESTION, { query: { robot_id: newId(), offset: 9 } }));
      assert.deepEqual([none.count, none.offset, none.data], [0, 0, []]);
      await bad(
        p.call('POST', QUESTION, { body: { robot_id: robot, hot_question: 'q'.repeat(65) } }),
        'MSS.00000003',
      );
      await bad(p.call('PUT', `${QUESTION}/${ids[1]}`, { body: { hot_question: '' } }), 'MSS.00000003');
      await bad(p.call('PUT', `${QUESTION}/${newId()}`, { body: { hot_question: 'x' } }), 'MSS.47011002');
      ok(await p.call('POST', `${QUESTION}/delete`, { body: [ids[0], ids[0], ids[1]] }));
      assert.equal((await page({})).count, 3);
      await bad(p.call('GET', `${QUESTION}/${ids[1]}`), 'MSS.47011002');
    });

    it('hot words: CreateHotWords (SIS, MOBVOI), ShowHotWords, UpdateHotWords, ListHotWords filters, DeleteHotWords', async () => {
      const robot = newId();
      const sis = { vocabulary_id: 'vocab-sis-1', sis_project_id: newId(), region: 0, language: 'zh_CN' };
      const a = ok(
        await p.call('POST', WORDS, { body: { robot_id: robot, hot_words_type: 'SIS', sis_hot_words: sis } }),
      );
      assert.equal(a.hot_words_type, 'SIS');
      assert.equal(a.vocabulary_id, 'vocab-sis-1');
      assert.equal(a.sis_project_id, sis.sis_project_id);
      assert.equal(a.region, 0);
      assert.equal(a.language, 'CN');
      const b = ok(
        await p.call('POST', WORDS, {
          body: {
            robot_id: robot,
            hot_words_type: 'MOBVOI',
            mobvoi_hot_words: { vocabulary_id: 'mv-1', language: 'EN' },
          },
        }),
      );
      assert.equal(b.sis_project_id, undefined);
      assert.equal(b.region, undefined);
      assert.deepEqual(ok(await p.call('GET', `${WORDS}/${a.hot_words_id}`)), a);
      const list = async (query: Record<string, string | number> = {}) =>
        ok(await p.call('GET', WORDS, { query: { robot_id: robot, ...query } }));
      assert.equal((await list()).count, 2);
      assert.deepEqual(
        (await list({ hot_words_type: 'MOBVOI' })).data.map((d: Json) => d.hot_words_id),
        [b.hot_words_id],
      );
      assert.equal((await list({ language: 'CN' })).count, 1);
      assert.equal((await list({ region: 0 })).count, 1);
      // Same type: only the named fields change.
      const u1 = ok(
        await p.call('PUT', `${WORDS}/${a.hot_words_id}`, {
          body: { hot_words_type: 'SIS', sis_hot_words: { vocabulary_id: 'vocab-sis-2' } },
        }),
      );
      assert.deepEqual(
        [u1.vocabulary_id, u1.region, u1.sis_project_id],
        ['vocab-sis-2', 0, sis.sis_project_id],
      );
      // A change of type needs the new type's whole object.
      await bad(
        p.call('PUT', `${WORDS}/${a.hot_words_id}`, {
          body: { hot_words_type: 'MOBVOI', mobvoi_hot_words: { vocabulary_id: 'mv-2' } },
        }),
        'MSS.00000003',
        /language/,
      );
      const u2 = ok(
        await p.call('PUT', `${WORDS}/${a.hot_words_id}`, {
          body: { hot_words_type: 'MOBVOI', mobvoi_hot_words: { vocabulary_id: 'mv-2', language: 'CN' } },
        }),
      );
      assert.equal(u2.hot_words_type, 'MOBVOI');
      assert.equal(u2.sis_project_id, undefined);
      // Mismatched or missing sub-objects, out-of-range region.
      await bad(
        p.call('POST', WORDS, { body: { robot_id: robot, hot_words_type: 'SIS' } }),
        'MSS.00000003',
        /sis_hot_words/,
      );
      await bad(
        p.call('POST', WORDS, {
          body: {
            robot_id: robot,
            hot_words_type: 'SIS',
            sis_hot_words: sis,
            mobvoi_hot_words: { vocabulary_id: 'x', language: 'CN' },
          },
        }),
        'MSS.00000003',
        /mobvoi_hot_words/,
      );
      await bad(
        p.call('POST', WORDS, {
          body: { robot_id: robot, hot_words_type: 'SIS', sis_hot_words: { ...sis, region: 33 } },
        }),
        'MSS.00000003',
      );
      await bad(
        p.call('POST', WORDS, { body: { robot_id: robot, hot_words_type: 'OTHER', sis_hot_words: sis } }),
        'MSS.00000003',
      );
      assert.equal((await list()).count, 2);
      ok(await p.call('DELETE', `${WORDS}/${a.hot_words_id}`));
      await bad(p.call('DELETE', `${WORDS}/${a.hot_words_id}`), 'MSS.47011003');
      await bad(p.call('GET', `${WORDS}/${a.hot_words_id}`), 'MSS.47011003');
      assert.equal((await list({ offset: 10 })).data[0].hot_words_id, b.hot_words_id);
    });

    it('hot-words switch: off by default, UpdateHotWordsSwitch and ShowHotWordsSwitch', async () => {
      const robot = newId();
      assert.deepEqual(ok(await p.call('GET', `${WORDS}-switch`, { query: { robot_id: robot } })), {
        enable_hot_words: false,
      });
      ok(await p.call('POST', `${WORDS}-switch`, { body: { robot_id: robot, enable_hot_words: true } }));
      assert.equal(
        ok(await p.call('GET', `${WORDS}-switch`, { query: { robot_id: robot } })).enable_hot_words,
        true,
      );
      // The welcome switch of the same robot keeps its default.
      assert.equal(
        ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: robot } })).enable_welcome_speech,
        false,
      );
      await bad(
        p.call('POST', `${WORDS}-switch`, { body: { robot_id: robot, enable_hot_words: 'yes' } }),
        'MSS.00000003',
      );
    });

    it('agencies: CreateAgencyWithRoleType (idempotent), ShowAgency, DeleteAgencyWithRoleType', async () => {
      assert.deepEqual(ok(await p.call('GET', AGENCY, { query: { role_type: 'SIS' } })), {});
      const cbs = ok(await p.call('POST', `${AGENCY}/CBS`));
      assert.match(cbs.agency_id, /^[0-9a-f]{32}$/);
      assert.deepEqual(ok(await p.call('POST', `${AGENCY}/CBS`)), cbs);
      const sis = ok(await p.call('POST', `${AGENCY}/SIS`));
      assert.notEqual(sis.agency_id, cbs.agency_id);
      assert.deepEqual(ok(await p.call('GET', AGENCY, { query: { role_type: 'SIS' } })), sis);
      assert.deepEqual(ok(await p.call('GET', AGENCY)), cbs);
      assert.deepEqual(ok(await p.call('GET', AGENCY, { query: { role_type: 'CBS' }, as: p.other })), {});
      await bad(p.call('DELETE', `${AGENCY}/CBS`, { as: p.other }), 'MSS.47011004');
      const r = await p.call('POST', `${AGENCY}/OBS`);
      assert.equal(r.status, 400);
      ok(await p.call('DELETE', `${AGENCY}/CBS`));
      assert.deepEqual(ok(await p.call('GET', AGENCY, { query: { role_type: 'CBS' } })), {});
      await bad(p.call('DELETE', `${AGENCY}/CBS`), 'MSS.47011004');
      assert.deepEqual(ok(await p.call('GET', AGENCY, { query: { role_type: 'SIS' } })), sis);
    });

    it('tenant isolation: another project neither sees nor changes the records', async () => {
      const robot = newId();
      const w = ok(await p.call('POST', WELCOME, { body: { robot_id: robot, welcome_speech: 'Mine' } }));
      const q = ok(await p.call('POST', QUESTION, { body: { robot_id: robot, hot_question: 'Mine?' } }));
      const h = ok(
        await p.call('POST', WORDS, {
          body: {
            robot_id: robot,
            hot_words_type: 'MOBVOI',
            mobvoi_hot_words: { vocabulary_id: 'v', language: 'CN' },
          },
        }),
      );
      const as = p.other;
      await bad(p.call('GET', `${WELCOME}/${w.welcome_speech_id}`, { as }), 'MSS.47011001');
      await bad(
        p.call('PUT', `${WELCOME}/${w.welcome_speech_id}`, { as, body: { welcome_speech: 'x' } }),
        'MSS.47011001',
      );
      await bad(p.call('POST', `${WELCOME}/delete`, { as, body: [w.welcome_speech_id] }), 'MSS.47011001');
      await bad(p.call('GET', `${QUESTION}/${q.hot_question_id}`, { as }), 'MSS.47011002');
      await bad(p.call('POST', `${QUESTION}/delete`, { as, body: [q.hot_question_id] }), 'MSS.47011002');
      await bad(p.call('DELETE', `${WORDS}/${h.hot_words_id}`, { as }), 'MSS.47011003');
      await bad(
        p.call('PUT', `${WORDS}/${h.hot_words_id}`, { as, body: { hot_words_type: 'MOBVOI' } }),
        'MSS.47011003',
      );
      for (const path of [WELCOME, QUESTION, WORDS])
        assert.equal(ok(await p.call('GET', path, { as, query: { robot_id: robot } })).count, 0);
      assert.equal(ok(await p.call('GET', `${WELCOME}/${w.welcome_speech_id}`)).welcome_speech, 'Mine');
      assert.equal(ok(await p.call('GET', `${WORDS}/${h.hot_words_id}`)).vocabulary_id, 'v');
    });

    it('robotExtras honours the switches and the language; deleteForRobot removes a robot’s content', async () => {
      const db = p.deps.moduleDeps.db;
      const pid = p.tenant.projectId;
      const robot = newId();
      const post = (path: string, body: unknown) => p.call('POST', path, { body }).then(ok);
      const cn1 = await post(WELCOME, { robot_id: robot, welcome_speech: '你好' });
      await post(WELCOME, { robot_id: robot, welcome_speech: 'Hello', language: 'EN' });
      await post(QUESTION, { robot_id: robot, hot_question: '营业时间?' });
      await post(QUESTION, { robot_id: robot, hot_question: 'Opening hours?', language: 'en_US' });
      await post(WORDS, {
        robot_id: robot,
        hot_words_type: 'MOBVOI',
        mobvoi_hot_words: { vocabulary_id: 'cn-v', language: 'CN' },
      });
      await post(WORDS, {
        robot_id: robot,
        hot_words_type: 'SIS',
        sis_hot_words: { vocabulary_id: 'en-v', sis_project_id: 'sisproj', region: 3, language: 'EN' },
      });
      // Both switches are off: no welcome speech, no hot words; hot questions regardless.
      assert.deepEqual(await robotExtras(db, pid, robot), { hotQuestions: ['营业时间?'], hotWords: [] });
      await post(`${WELCOME}-switch`, { robot_id: robot, enable_welcome_speech: true });
      await post(`${WORDS}-switch`, { robot_id: robot, enable_hot_words: true });
      assert.deepEqual(await robotExtras(db, pid, robot, 'CN'), {
        welcomeSpeech: '你好',
        hotQuestions: ['营业时间?'],
        hotWords: ['cn-v'],
      });
      assert.deepEqual(await robotExtras(db, pid, robot, 'en_US'), {
        welcomeSpeech: 'Hello',
        hotQuestions: ['Opening hours?'],
        hotWords: ['en-v'],
      });
      // A disabled speech is not used; a newer enabled one in the language is.
      ok(
        await p.call('PUT', `${WELCOME}/${cn1.welcome_speech_id}`, {
          body: { enable_welcome_speech: false },
        }),
      );
      assert.equal((await robotExtras(db, pid, robot, 'CN')).welcomeSpeech, undefined);
      await post(WELCOME, { robot_id: robot, welcome_speech: '欢迎' });
      assert.equal((await robotExtras(db, pid, robot, 'CN')).welcomeSpeech, '欢迎');
      await post(`${WORDS}-switch`, { robot_id: robot, enable_hot_words: false });
      assert.deepEqual((await robotExtras(db, pid, robot, 'EN')).hotWords, []);
      // Another project's robot of the same id has nothing.
      assert.deepEqual(await robotExtras(db, p.other.projectId, robot, 'CN'), {
        hotQuestions: [],
        hotWords: [],
      });

      // deleteForRobot, on its own and inside a caller's transaction; other robots keep theirs.
      const keep = newId();
      await post(QUESTION, { robot_id: keep, hot_question: 'Kept?' });
      await deleteForRobot(db, pid, robot);
      for (const path of [WELCOME, QUESTION, WORDS])
        assert.equal(ok(await p.call('GET', path, { query: { robot_id: robot } })).count, 0);
      assert.equal(
        ok(await p.call('GET', `${WELCOME}-switch`, { query: { robot_id: robot } })).enable_welcome_speech,
        false,
      );
      await db.transaction().execute((trx) => deleteForRobot(trx, pid, keep));
      assert.equal(ok(await p.call('GET', QUESTION, { query: { robot_id: keep } })).count, 0);
    });
  },
);
