// Pure rules of smart chat jobs: the configuration a job takes from its room, extend_param,
// when a running row counts as abandoned, the media token, and the wire shapes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ABANDONED_AFTER_MS,
  accessAddress,
  configFromRoom,
  dialogSize,
  isAbandoned,
  mediaSignature,
  parseExtendParam,
  sameToken,
  showWire,
  voiceFor,
} from '../../src/modules/dialog-jobs/dialog-jobs.rules.ts';

const OPTS = { defaultMuteMs: 300_000, userId: 'user-1', ctime: 1_700_000_000 };
const room = (extra: Record<string, unknown> = {}) =>
  ({ room_name: 'r', model_asset_id: 'm1', ...extra }) as never;

describe('configFromRoom', () => {
  it('takes the avatar, voices, size, background and language, with defaults', () => {
    const c = configFromRoom('r1', room({ voice_config_list: [{ voice_asset_id: 'v1' }] }), OPTS);
    assert.equal(c.model_asset_id, 'm1');
    assert.deepEqual(c.voice_config_list, [{ voice_asset_id: 'v1', language: 'CN' }]);
    assert.deepEqual(c.video, { width: 1280, height: 720 });
    assert.deepEqual(c.background, { color: '#203040' });
    assert.equal(c.default_language, 'CN');
    assert.equal(c.mute_ms, 300_000);
  });

  it('a single voice_config speaks the room language; exit_mute_threshold counts seconds', () => {
    const c = configFromRoom(
      'r1',
      room({
        voice_config: { voice_asset_id: 'v2', speed: 120 },
        default_language: 'EN',
        exit_mute_threshold: 30,
        background_config: { background_type: 'COLOR', background_color_config: '#ffffff' },
      }),
      OPTS,
    );
    assert.deepEqual(c.voice_config_list, [{ voice_asset_id: 'v2', speed: 120, language: 'EN' }]);
    assert.equal(c.mute_ms, 30_000);
    assert.deepEqual(c.background, { color: '#ffffff' });
  });

  it('a room without a model cannot start', () => {
    assert.throws(() => configFromRoom('r1', { room_name: 'r' } as never, OPTS), /MSS|model_asset_id/);
  });

  it('sizes are even and bounded', () => {
    assert.deepEqual(dialogSize({ video_config: { width: 641, height: 3001 } } as never), {
      width: 642,
      height: 1920,
    });
  });

  it('voiceFor picks the language, else the first voice', () => {
    const c = configFromRoom(
      'r1',
      room({
        voice_config_list: [
          { voice_asset_id: 'cn', language: 'CN' },
          { voice_asset_id: 'en', language: 'EN' },
        ],
      }),
      OPTS,
    );
    assert.equal(voiceFor(c, 'EN')?.voice_asset_id, 'en');
    assert.equal(voiceFor(c, 'fr')?.voice_asset_id, 'cn');
  });
});

describe('extend_param, abandonment, tokens', () => {
  it('extend_param is a JSON object string; client_id a short string', () => {
    assert.deepEqual(parseExtendParam(undefined), {});
    assert.deepEqual(parseExtendParam('{"client_id":"u1","city":"x"}'), { clientId: 'u1' });
    for (const bad of ['nope', '[1]', '{"client_id":5}', `{"client_id":"${'x'.repeat(65)}"}`])
      assert.throws(() => parseExtendParam(bad), /extend_param/);
  });

  it('a running row not refreshed for long is abandoned; an ended one never', () => {
    const now = new Date(1_000_000_000);
    const old = new Date(now.getTime() - ABANDONED_AFTER_MS - 1);
    assert.equal(isAbandoned({ state: 'PROCESSING', heartbeat_time: old }, now), true);
    assert.equal(isAbandoned({ state: 'WAITING', heartbeat_time: now }, now), false);
    assert.equal(isAbandoned({ state: 'SUCCEED', heartbeat_time: old }, now), false);
  });

  it('the media signature is 64 hex, differs per job and key, and compares safely', () => {
    const k = Buffer.alloc(32, 1);
    const a = mediaSignature(k, 'p', 'j1', 'u', 1);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, mediaSignature(k, 'p', 'j2', 'u', 1));
    assert.notEqual(a, mediaSignature(Buffer.alloc(32, 2), 'p', 'j1', 'u', 1));
    assert.equal(sameToken(a, a), true);
    assert.equal(sameToken(a, a.slice(1)), false);
  });

  it('the access address is host:port of the public URL', () => {
    assert.equal(accessAddress('https://doppel.example.com'), 'doppel.example.com');
    assert.equal(accessAddress('http://127.0.0.1:8080/'), '127.0.0.1:8080');
  });
});

describe('showWire', () => {
  it('duration runs from start to end (or now), error_info only when failed', () => {
    const config = configFromRoom('r1', room(), OPTS);
    const base = {
      project_id: 'p',
      job_id: 'j',
      room_id: 'r1',
      robot_id: 'b',
      chat_state: 0,
      job_finish_reason: null,
      client_id: null,
      extend_param: null,
      config,
      owner: 'o',
      stop_requested: false,
      heartbeat_time: new Date(0),
      app_user_id: null,
      create_time: new Date(0),
      update_time: new Date(0),
    };
    const running = showWire(
      {
        ...base,
        state: 'PROCESSING',
        start_time: new Date(1000),
        end_time: null,
        error_code: null,
        error_msg: null,
      },
      'sig',
      'h:1',
      new Date(3500),
    );
    assert.equal(running.duration, 2.5);
    assert.equal(running.error_info, undefined);
    const failed = showWire(
      {
        ...base,
        state: 'FAILED',
        start_time: null,
        end_time: new Date(2000),
        error_code: 'MSS.47010160',
        error_msg: 'x',
      },
      'sig',
      'h:1',
      new Date(9000),
    );
    assert.equal(failed.duration, 0);
    assert.deepEqual(failed.error_info, { error_code: 'MSS.47010160', error_msg: 'x' });
    assert.equal(failed.rtc_room_info?.users?.[0]?.signature, 'sig');
  });
});
