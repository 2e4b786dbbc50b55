// TTS playground: text (or SSML), a voice and prosody → CreateAsyncTtsJob, then the audio
// plays when ShowAsyncTtsJob says SUCCEED. Jobs made here are remembered for the Jobs page.
import { call, poll } from '../api.js';
import { field, h, select, statusLine } from '../dom.js';
import { listVoices } from './voices.js';

export const title = 'TTS';

const KEY = 'doppel.console.tts-jobs';
export const rememberedTtsJobs = () => JSON.parse(localStorage.getItem(KEY) ?? '[]');
const remember = (job) =>
  localStorage.setItem(KEY, JSON.stringify([job, ...rememberedTtsJobs()].slice(0, 50)));

export async function render(root) {
  let stopped = false;
  const status = statusLine();
  const voices = await listVoices();
  const out = h('div.result');
  const form = h(
    'form.maker',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        out.replaceChildren();
        try {
          const { job_id } = await call('POST', '/v1/{project_id}/ttsc/async-jobs', {
            body: {
              text: f.get('text'),
              voice_asset_id: f.get('voice'),
              speed: Number(f.get('speed')),
              pitch: Number(f.get('pitch')),
              volume: Number(f.get('volume')),
              audio_format: f.get('format'),
              gen_srt: true,
            },
          });
          remember({ job_id, text: String(f.get('text')).slice(0, 80), at: new Date().toISOString() });
          status.info(`synthesising (job ${job_id})…`);
          const job = await poll(async () => {
            if (stopped) return null;
            const j = await call('GET', `/v1/{project_id}/ttsc/async-jobs/${job_id}`);
            return ['SUCCEED', 'FAILED'].includes(j.state) ? j : undefined;
          });
          if (!job) return;
          if (job.state !== 'SUCCEED') throw new Error(`FAILED: ${job.code} ${job.message}`);
          out.replaceChildren(
            h('audio', { src: job.audio_file_url, controls: true, autoplay: true }),
            h(
              'p',
              h('a', { href: job.audio_file_url, download: '' }, 'Download audio'),
              job.audio_srt_file_url
                ? [' · ', h('a', { href: job.audio_srt_file_url, download: '' }, 'Subtitles (SRT)')]
                : [],
            ),
          );
          status.info('done');
        } catch (err) {
          status.error(err);
        }
      },
    },
    field(
      'Text or SSML',
      h(
        'textarea',
        { name: 'text', rows: 5, required: true },
        'Welcome to Doppel. <break time="300ms"/> Type anything and press Speak.',
      ),
    ),
    h(
      'div.row',
      field(
        'Voice',
        select(
          'voice',
          voices.map((v) => [v.asset_id, v.asset_name]),
        ),
      ),
      field('Speed', h('input', { type: 'number', name: 'speed', min: 50, max: 200, value: 100 })),
      field('Pitch', h('input', { type: 'number', name: 'pitch', min: 50, max: 200, value: 100 })),
      field('Volume', h('input', { type: 'number', name: 'volume', min: 90, max: 240, value: 140 })),
      field('Format', select('format', [['WAV'], ['MP3']])),
    ),
    h('button.primary', { type: 'submit' }, 'Speak'),
  );
  root.append(form, status.el, out);
  return () => {
    stopped = true;
  };
}
