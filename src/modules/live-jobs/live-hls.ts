// A running job's HLS, served by Doppel itself for previews and the console: a signed,
// expiring URL per job (GET_LIVE_JOB_CONFIG_INFO hands it out), the playlist rewritten so each
// segment carries the same signature, and the files read from the stream's own folder. Not a
// MetaStudio operation: no AK/SK, the URL's key is the authorisation (ERRATA 99):
//   key = hex(HMAC-SHA256(hlsSecret, `${project_id}\n${job_id}\n${expires}`)), expires in epoch ms
// with hlsSecret derived from the live-events key. Only the process that streams the job has its
// files; elsewhere the URL answers 404.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { Errors } from '../../core/errors/index.ts';
import { HLS_PLAYLIST } from '../../engines/stream/index.ts';
import type { ModuleDeps } from '../types.ts';
import { checkReportAuth, reportAuthKey } from './live-events.auth.ts';
import { LiveJobErrors } from './live-jobs.errors.ts';

export const HLS_URL_TTL_MS = 2 * 60 * 60 * 1000;
const FILE = /^[A-Za-z0-9_-]{1,64}\.(m3u8|ts)$/;

/** The HLS key's own secret, so an event-report key never opens a stream (nor the reverse). */
const hlsSecret = (deps: Pick<ModuleDeps, 'keys'>): string =>
  crypto.createHmac('sha256', deps.keys.liveEvents).update('live-hls').digest('hex');

/** The folder a job's stream writes its HLS into (live-jobs.jobs: `<tmp>/live-<job>/stream`). */
export const hlsDirOf = (tmpDir: string, jobId: string): string =>
  path.join(tmpDir, `live-${jobId}`, 'stream', 'hls');

export function hlsUrl(
  deps: Pick<ModuleDeps, 'keys' | 'publicUrl'>,
  target: { projectId: string; jobId: string },
  now: number,
): string {
  const expires = now + HLS_URL_TTL_MS;
  const key = reportAuthKey(hlsSecret(deps), target.projectId, target.jobId, expires);
  return `${deps.publicUrl.replace(/\/+$/, '')}/live-hls/${target.projectId}/${target.jobId}/${HLS_PLAYLIST}?auth_key=${key}&expires_time=${expires}`;
}

/** The playlist with the URL's query on every segment line (players resolve them relative, bare). */
export function signPlaylist(text: string, query: string): string {
  return text
    .split('\n')
    .map((l) => (l && !l.startsWith('#') && FILE.test(l.trim()) ? `${l.trim()}?${query}` : l))
    .join('\n');
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
};

export function liveHlsRoutes(deps: ModuleDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/live-hls/:projectId/:jobId/:file', async (req, reply) => {
      const { projectId, jobId, file } = req.params as Record<string, string>;
      const q = req.query as Record<string, string | undefined>;
      const auth = checkReportAuth(
        hlsSecret(deps),
        { projectId, jobId },
        { authKey: q.auth_key, expiresTime: q.expires_time },
        deps.clock.now().getTime(),
      );
      if (auth !== 'ok') throw Errors.unauthorized(`the HLS URL's key is ${auth}`);
      if (!/^[0-9a-f]{32}$/.test(jobId) || !FILE.test(file))
        throw LiveJobErrors.invalid(`not an HLS file of a live job: ${file}`);
      const at = path.join(hlsDirOf(deps.tmpDir, jobId), file);
      let body: Buffer;
      try {
        body = await fs.promises.readFile(at);
      } catch {
        throw LiveJobErrors.hlsNotFound(jobId, file);
      }
      const ext = file.split('.').pop() as string;
      reply.header('Content-Type', CONTENT_TYPES[ext]).header('Cache-Control', 'no-store');
      if (ext === 'm3u8') {
        const query = `auth_key=${q.auth_key}&expires_time=${q.expires_time}`;
        return reply.send(signPlaylist(body.toString('utf8'), query));
      }
      return reply.send(body);
    });
  };
}
