// Jobs: video jobs of the last month (ListDigitalHumanVideo, with progress and errors), and
// the TTS jobs made in this browser (ShowAsyncTtsJob; the API has no TTS job list). Refreshes
// while any job is running.
import { call } from '../api.js';
import { h, statusLine, when } from '../dom.js';
import { rememberedTtsJobs } from './tts.js';

export const title = 'Jobs';

const RUNNING = ['WAITING', 'PROCESSING'];

export async function render(root) {
  const status = statusLine();
  const videos = h('tbody');
  const tts = h('tbody');
  let timer;
  async function load() {
    try {
      const r = await call('GET', '/v1/{project_id}/digital-human-videos', { query: { limit: 50 } });
      const list = r.jobs ?? [];
      videos.replaceChildren(
        ...list.map((v) =>
          h(
            'tr',
            { 'data-job-id': v.job_id },
            h('td', h('code', v.job_id.slice(0, 12))),
            h('td', v.output_asset_config?.asset_name ?? ''),
            h('td', h('span.badge', { 'data-state': v.state }, v.state)),
            h('td', h('progress', { max: 100, value: v.progress ?? 0 }), ` ${v.progress ?? 0}%`),
            h('td', v.duration ? `${v.duration.toFixed?.(1) ?? v.duration} s` : ''),
            h('td.error', v.error_info ? `${v.error_info.error_code}: ${v.error_info.error_msg}` : ''),
            h('td', when(v.create_time)),
          ),
        ),
      );
      if (!list.length) videos.append(h('tr', h('td', { colSpan: 7 }, 'No video jobs in the last month.')));
      const mine = rememberedTtsJobs();
      const rows = await Promise.all(
        mine.map(async (j) => ({
          ...j,
          detail: await call('GET', `/v1/{project_id}/ttsc/async-jobs/${j.job_id}`).catch((e) => ({
            state: 'UNKNOWN',
            message: e.message,
          })),
        })),
      );
      tts.replaceChildren(
        ...rows.map((j) =>
          h(
            'tr',
            h('td', h('code', j.job_id.slice(0, 12))),
            h('td', j.text),
            h('td', h('span.badge', { 'data-state': j.detail.state }, j.detail.state)),
            h(
              'td',
              j.detail.audio_file_url
                ? h('audio', { src: j.detail.audio_file_url, controls: true, preload: 'none' })
                : '',
            ),
            h('td.error', j.detail.code ? `${j.detail.code}: ${j.detail.message}` : ''),
            h('td', when(j.at)),
          ),
        ),
      );
      if (!rows.length) tts.append(h('tr', h('td', { colSpan: 6 }, 'No TTS jobs made in this browser yet.')));
      const busy =
        list.some((v) => RUNNING.includes(v.state)) || rows.some((j) => RUNNING.includes(j.detail.state));
      timer = busy ? setTimeout(load, 2000) : undefined;
    } catch (err) {
      status.error(err);
    }
  }
  root.append(
    status.el,
    h('h3', 'Video jobs'),
    h(
      'table',
      h(
        'thead',
        h(
          'tr',
          ['Job', 'Name', 'State', 'Progress', 'Length', 'Error', 'Created'].map((t) => h('th', t)),
        ),
      ),
      videos,
    ),
    h('h3', 'TTS jobs'),
    h(
      'table',
      h(
        'thead',
        h(
          'tr',
          ['Job', 'Text', 'State', 'Audio', 'Error', 'Created'].map((t) => h('th', t)),
        ),
      ),
      tts,
    ),
  );
  await load();
  return () => clearTimeout(timer);
}
