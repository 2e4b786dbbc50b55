// The live HLS URL: its key names one job of one project and expires; the playlist's segment
// lines carry the URL's query, so a player that resolves them relative keeps the signature.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReportAuth } from '../../src/modules/live-jobs/live-events.auth.ts';
import { hlsUrl, signPlaylist } from '../../src/modules/live-jobs/live-hls.ts';

const deps = { keys: { liveEvents: Buffer.alloc(32, 7) }, publicUrl: 'http://doppel.test:8080/' } as never;

describe('live HLS URLs', () => {
  it('is signed for its job and expires in two hours', () => {
    const u = new URL(hlsUrl(deps, { projectId: 'p1', jobId: 'a'.repeat(32) }, 1_000));
    assert.equal(u.pathname, `/live-hls/p1/${'a'.repeat(32)}/index.m3u8`);
    assert.equal(u.searchParams.get('expires_time'), String(1_000 + 7_200_000));
    assert.match(String(u.searchParams.get('auth_key')), /^[0-9a-f]{64}$/);
    // Not an event-report key: the report secret does not verify it.
    const given = {
      authKey: u.searchParams.get('auth_key') ?? '',
      expiresTime: u.searchParams.get('expires_time') ?? '',
    };
    const reportSecret = Buffer.alloc(32, 7).toString('hex');
    assert.equal(
      checkReportAuth(reportSecret, { projectId: 'p1', jobId: 'a'.repeat(32) }, given, 2_000),
      'invalid',
    );
  });

  it('puts the query on segment lines only', () => {
    const list = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_00001.ts\n#EXTINF:2.0,\nseg_00002.ts\n';
    assert.equal(
      signPlaylist(list, 'auth_key=k&expires_time=1'),
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_00001.ts?auth_key=k&expires_time=1\n#EXTINF:2.0,\nseg_00002.ts?auth_key=k&expires_time=1\n',
    );
    assert.equal(signPlaylist('../etc/passwd\n', 'q'), '../etc/passwd\n');
  });
});
