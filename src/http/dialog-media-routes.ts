// The dialog page's media signalling, WHEP-style: the browser POSTs its SDP offer to
// `/v1/{project_id}/digital-human-chat/media/{job_id}?token=…` and gets Doppel's answer
// (201, application/sdp, ICE already gathered) and a Location naming its viewer. Not a
// MetaStudio operation and not signed: the job's one-time token, checked by `resolve`, is
// the credential (the page has no access key). A refusal says nothing about which part was
// wrong. The plugin adds this one route and nothing else.
import type { FastifyPluginAsync } from 'fastify';
import { Errors } from '../core/errors/index.ts';
import { MAX_OFFER_BYTES, OfferError } from '../engines/stream/rtp-packets.ts';

/** What answers a viewer's offer (a WebRtcOut, or a dialog session that makes one on demand). */
export interface MediaAnswerer {
  answer(offerSdp: string): Promise<{ viewerId: string; sdp: string }>;
}

export interface DialogMediaRoutesOptions {
  /** The job's media output when the token is the job's; undefined otherwise. */
  resolve(projectId: string, jobId: string, token: string): Promise<MediaAnswerer | undefined>;
}

export function dialogMediaRoutes(opts: DialogMediaRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    // Encapsulated: the SDP body parser is this route's only.
    app.addContentTypeParser(
      'application/sdp',
      { parseAs: 'string', bodyLimit: MAX_OFFER_BYTES },
      (_req, body, done) => done(null, body),
    );
    app.post(
      '/v1/:project_id/digital-human-chat/media/:job_id',
      { bodyLimit: MAX_OFFER_BYTES },
      async (req, reply) => {
        const { project_id, job_id } = req.params as { project_id: string; job_id: string };
        const token = (req.query as { token?: unknown }).token;
        const out =
          typeof token === 'string' && token !== ''
            ? await opts.resolve(project_id, job_id, token)
            : undefined;
        if (!out) throw Errors.forbidden('unknown job or invalid media token');
        if (
          !String(req.headers['content-type'] ?? '').startsWith('application/sdp') ||
          typeof req.body !== 'string'
        )
          throw Errors.invalidParameter('the body must be an SDP offer (Content-Type: application/sdp)');
        let answer: { viewerId: string; sdp: string };
        try {
          answer = await out.answer(req.body);
        } catch (e) {
          if (e instanceof OfferError) throw Errors.invalidParameter(e.message);
          throw e;
        }
        return reply
          .code(201)
          .type('application/sdp')
          .header('Cache-Control', 'no-store')
          .header(
            'Location',
            `/v1/${project_id}/digital-human-chat/media/${job_id}/viewers/${answer.viewerId}`,
          )
          .send(answer.sdp);
      },
    );
  };
}
