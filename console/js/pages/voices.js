// Voices: every VOICE_MODEL the project can use, each with a sample spoken by TTS audition
// (CreateTtsAudition, then ShowTtsAuditionFile until the first sentence is ready).
import { call, poll } from '../api.js';
import { h, statusLine } from '../dom.js';

export const title = 'Voices';

export const listVoices = async () =>
  (
    await call('GET', '/v1/{project_id}/digital-assets', {
      query: { asset_type: 'VOICE_MODEL', asset_source: 'ALL', limit: 100 },
    })
  ).assets ?? [];

export const listAvatars = async () =>
  (
    await call('GET', '/v1/{project_id}/digital-assets', {
      query: { asset_type: 'HUMAN_MODEL_2D', asset_source: 'ALL', limit: 100 },
    })
  ).assets ?? [];

/** The voice's language for a sample sentence (voice_model_meta, else the name). */
const isChinese = (v) =>
  /zh|cmn|chinese|mandarin/i.test(JSON.stringify(v.asset_extra_meta?.voice_model_meta ?? {}) + v.asset_name);

export async function audition(voiceId, text) {
  const { job_id } = await call('POST', '/v1/{project_id}/ttsc/audition', {
    body: { text, emotion: voiceId },
  });
  return poll(
    async () => {
      const r = await call('GET', `/v1/{project_id}/ttsc/audition-file/${job_id}`);
      if (r.code && r.is_file_complete && !r.files?.length) throw new Error(`${r.code}: ${r.message}`);
      return r.files?.[0]?.download_url || undefined;
    },
    { ms: 700 },
  );
}

export async function render(root) {
  const status = statusLine();
  const list = h('div.grid');
  root.append(status.el, list);
  const voices = await listVoices();
  for (const v of voices) {
    const player = h('audio', { controls: true, hidden: true });
    const sample = isChinese(v) ? '你好，我是数字人的声音。' : 'Hello, this is how I sound.';
    const button = h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          button.disabled = true;
          try {
            status.info(`synthesising a sample of ${v.asset_name}…`);
            player.src = await audition(v.asset_id, sample);
            player.hidden = false;
            await player.play().catch(() => {});
            status.clear();
          } catch (err) {
            status.error(err);
          } finally {
            button.disabled = false;
          }
        },
      },
      '▶ Listen',
    );
    const meta = v.asset_extra_meta?.voice_model_meta ?? {};
    list.append(
      h(
        'article.asset.voice',
        { 'data-asset-id': v.asset_id },
        h('h3', v.asset_name),
        h('p.meta', [meta.language, meta.sex, v.asset_state].filter(Boolean).join(' · ')),
        button,
        player,
      ),
    );
  }
  if (!voices.length) list.append(h('p.empty', 'No voices.'));
}
