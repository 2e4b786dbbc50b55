// Video maker: scenes of text, an avatar and a voice, a render (Create2DDigitalHumanVideo),
// live progress (Show2DDigitalHumanVideo's `progress`), then the output VIDEO asset plays here.
import { call, poll } from '../api.js';
import { field, h, select, statusLine } from '../dom.js';
import { mainUrl } from './assets.js';
import { listAvatars, listVoices } from './voices.js';

export const title = 'Video maker';

const SIZES = [
  ['1280x720', '1280 × 720 (landscape)'],
  ['1920x1080', '1920 × 1080 (landscape)'],
  ['720x1280', '720 × 1280 (portrait)'],
  ['1080x1920', '1080 × 1920 (portrait)'],
];

export async function render(root) {
  let stopped = false;
  const status = statusLine();
  const [avatars, voices] = await Promise.all([listAvatars(), listVoices()]);
  const scenes = h('ol.scenes', { id: 'scenes' });
  const addScene = (text = '') =>
    scenes.append(
      h(
        'li.scene',
        h('textarea', { name: 'scene', rows: 3, placeholder: 'What the avatar says in this scene…' }, text),
        field('Background', h('input', { type: 'color', name: 'bg', value: '#1d3557' })),
        h(
          'button',
          { type: 'button', onclick: (e) => scenes.children.length > 1 && e.target.closest('li').remove() },
          'Remove',
        ),
      ),
    );
  addScene('Hello! I am a Doppel digital human, and this video was made in the console.');
  const progress = h('progress', { max: 100, value: 0, id: 'render-progress' });
  const result = h('div.result', { id: 'video-result' });

  const form = h(
    'form.maker',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        const [width, height] = f.get('size').split('x').map(Number);
        const items = [...scenes.children].map((li, i) => ({
          sequence_no: i,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: li.querySelector('textarea').value },
            background_config: [
              {
                background_type: 'COLOR',
                background_color_config: li.querySelector('input[type=color]').value,
              },
            ],
          },
        }));
        result.replaceChildren();
        progress.value = 0;
        try {
          const { job_id } = await call('POST', '/v1/{project_id}/2d-digital-human-videos', {
            body: {
              model_asset_id: f.get('avatar'),
              voice_config: { voice_asset_id: f.get('voice'), speed: Number(f.get('speed')) },
              video_config: {
                codec: 'H264',
                width,
                height,
                bitrate: 2000,
                is_subtitle_enable: f.get('subtitles') === 'on',
              },
              shoot_scripts: items,
              output_asset_config: { asset_name: f.get('name') || undefined },
            },
          });
          status.info(`rendering (job ${job_id})…`);
          const job = await poll(
            async () => {
              if (stopped) return null;
              const j = await call('GET', `/v1/{project_id}/2d-digital-human-videos/${job_id}`);
              progress.value = j.progress ?? 0;
              status.info(`${j.state} · ${j.progress ?? 0}%`);
              return ['SUCCEED', 'FAILED', 'CANCELED'].includes(j.state) ? j : undefined;
            },
            { ms: 1000 },
          );
          if (!job) return;
          if (job.state !== 'SUCCEED')
            throw new Error(
              `${job.state}: ${job.error_info?.error_code ?? ''} ${job.error_info?.error_msg ?? ''}`,
            );
          const asset = await call(
            'GET',
            `/v1/{project_id}/digital-assets/${job.output_asset_config?.asset_id ?? job.job_id}`,
          );
          const url = mainUrl(asset);
          result.replaceChildren(
            h('video', {
              id: 'result-video',
              src: url,
              controls: true,
              autoplay: true,
              muted: false,
              playsInline: true,
            }),
            h(
              'p',
              h('a', { href: url, download: `${asset.asset_name}.mp4`, id: 'download-link' }, 'Download MP4'),
              ` · ${asset.asset_name}`,
            ),
          );
          status.info('done');
        } catch (err) {
          status.error(err);
        }
      },
    },
    h(
      'div.row',
      field(
        'Avatar',
        select(
          'avatar',
          avatars.map((a) => [a.asset_id, a.asset_name]),
        ),
      ),
      field(
        'Voice',
        select(
          'voice',
          voices.map((v) => [v.asset_id, v.asset_name]),
        ),
      ),
      field('Size', select('size', SIZES)),
      field('Speed', h('input', { type: 'number', name: 'speed', min: 50, max: 200, value: 100 })),
      field('Subtitles', h('input', { type: 'checkbox', name: 'subtitles' })),
      field('Video name', h('input', { name: 'name', placeholder: 'optional' })),
    ),
    scenes,
    h(
      'div.row',
      h('button', { type: 'button', onclick: () => addScene() }, '+ Scene'),
      h('button.primary', { type: 'submit', id: 'render-button' }, 'Render'),
    ),
  );
  root.append(form, progress, status.el, result);
  return () => {
    stopped = true;
  };
}
