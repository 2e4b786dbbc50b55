// Assets: the project's digital assets with filters, upload with progress (CreateDigitalAsset
// → CreateFile → PUT to the presigned URL → ConfirmFileUpload), previews, and the recycle bin.
import { call, session } from '../api.js';
import { bytes, field, h, select, statusLine, when } from '../dom.js';
import { md5Base64 } from '../md5.js';

export const title = 'Assets';

const TYPES = ['', 'IMAGE', 'VIDEO', 'AUDIO', 'MUSIC', 'HUMAN_MODEL_2D', 'VOICE_MODEL', 'PPT', 'MATERIAL'];
const CONTENT_TYPES = {
  gif: 'image/gif',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  mp4: 'video/mp4',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
};

const assetTypeOf = (file) =>
  file.type.startsWith('image/')
    ? 'IMAGE'
    : file.type.startsWith('video/')
      ? 'VIDEO'
      : file.type.startsWith('audio/')
        ? 'AUDIO'
        : '';

/** The MAIN file's download URL (fresh from the list or ShowAsset). */
export const mainUrl = (asset) => asset.files?.find((f) => f.asset_file_category === 'MAIN')?.download_url;

/** A preview element for an asset: image, audio or video from its MAIN file. */
export function preview(asset) {
  const url = mainUrl(asset);
  const cover = asset.files?.find((f) => f.asset_file_category === 'COVER')?.download_url;
  if (!url) return cover ? h('img', { src: cover, alt: '' }) : h('div.placeholder', asset.asset_type);
  if (asset.asset_type === 'IMAGE') return h('img', { src: url, alt: asset.asset_name, loading: 'lazy' });
  if (asset.asset_type === 'VIDEO')
    return h('video', { src: url, controls: true, preload: 'metadata', poster: cover });
  if (asset.asset_type === 'AUDIO' || asset.asset_type === 'MUSIC')
    return h('audio', { src: url, controls: true, preload: 'none' });
  return cover ? h('img', { src: cover, alt: '' }) : h('div.placeholder', asset.asset_type);
}

/** PUT with upload progress (fetch has none for request bodies). */
function put(url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () =>
      xhr.status < 300
        ? resolve()
        : reject(new Error(`upload failed: HTTP ${xhr.status} ${xhr.responseText}`));
    xhr.onerror = () => reject(new Error('upload failed: network error'));
    xhr.send(body);
  });
}

export async function uploadFile(file, { name, type, onProgress }) {
  const ext = file.name.split('.').pop().toLowerCase();
  const { asset_id } = await call('POST', '/v1/{project_id}/digital-assets', {
    body: { asset_name: name, asset_type: type },
  });
  const data = await file.arrayBuffer();
  const md5 = md5Base64(data);
  const f = await call('POST', '/v1/{project_id}/files', {
    body: {
      file_name: file.name,
      file_md5: md5,
      file_size: file.size,
      asset_id,
      asset_file_category: 'MAIN',
    },
  });
  await put(
    f.upload_url,
    data,
    { 'Content-MD5': md5, 'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream' },
    onProgress,
  );
  await call('POST', `/v1/{project_id}/files/${f.file_id}/complete`, { body: { state: 'CREATED' } });
  return asset_id;
}

export async function render(root) {
  const status = statusLine();
  const grid = h('div.grid', { id: 'asset-grid' });
  const filters = h(
    'form.toolbar',
    {
      onsubmit: (e) => {
        e.preventDefault();
        load();
      },
    },
    field(
      'Type',
      select(
        'asset_type',
        TYPES.map((t) => [t, t || 'all']),
      ),
    ),
    field('Name', h('input', { name: 'name', placeholder: 'contains…' })),
    field(
      'Source',
      select('asset_source', [
        ['CUSTOMIZATION', 'mine'],
        ['SYSTEM', 'system'],
        ['ALL', 'all'],
      ]),
    ),
    field(
      'Show',
      select('bin', [
        ['', 'assets'],
        ['DELETING', 'recycle bin'],
      ]),
    ),
    h('button', { type: 'submit' }, 'Filter'),
  );
  const progress = h('progress', { max: 1, value: 0, hidden: true, id: 'upload-progress' });
  const input = h('input', { type: 'file', id: 'upload-input', accept: 'image/*,video/*,audio/*' });
  const upload = h(
    'form.toolbar.upload',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const file = input.files[0];
        if (!file) return status.error('choose a file first');
        const type = assetTypeOf(file);
        if (!type) return status.error('images, videos and audio can be uploaded here');
        progress.hidden = false;
        progress.value = 0;
        try {
          status.info(`uploading ${file.name}…`);
          await uploadFile(file, {
            name: file.name.replace(/\.[^.]+$/, '').slice(0, 200),
            type,
            onProgress: (p) => (progress.value = p),
          });
          status.info(`${file.name} uploaded`);
          input.value = '';
          await load();
        } catch (err) {
          status.error(err);
        } finally {
          progress.hidden = true;
        }
      },
    },
    field('Upload', input),
    h('button.primary', { type: 'submit', id: 'upload-button' }, 'Upload'),
    progress,
  );

  async function load() {
    const f = new FormData(filters);
    try {
      const r = await call('GET', '/v1/{project_id}/digital-assets', {
        query: {
          limit: 100,
          asset_type: f.get('asset_type'),
          name: f.get('name'),
          asset_source: f.get('asset_source'),
          asset_state: f.get('bin') || undefined,
        },
      });
      const inBin = f.get('bin') === 'DELETING';
      grid.replaceChildren(
        ...(r.assets ?? []).map((a) => card(a, inBin)),
        ...(r.assets?.length ? [] : [h('p.empty', inBin ? 'The recycle bin is empty.' : 'No assets match.')]),
      );
    } catch (err) {
      status.error(err);
    }
  }

  function card(a, inBin) {
    const act = async (method, path, what) => {
      try {
        await call(method, path);
        status.info(`${a.asset_name} ${what}`);
        await load();
      } catch (err) {
        status.error(err);
      }
    };
    const size = a.files?.find((x) => x.asset_file_category === 'MAIN')?.file_size;
    const mine = a.project_id === session.get().projectId;
    return h(
      'article.asset',
      { 'data-asset-id': a.asset_id, 'data-state': a.asset_state },
      h('div.preview', preview(a)),
      h('h3', a.asset_name || a.asset_id),
      h('p.meta', `${a.asset_type} · ${a.asset_state}${size ? ` · ${bytes(size)}` : ''}`),
      h('p.meta', when(a.create_time)),
      inBin
        ? h(
            'button',
            {
              type: 'button',
              onclick: () => act('POST', `/v1/{project_id}/digital-assets/${a.asset_id}/restore`, 'restored'),
            },
            'Restore',
          )
        : mine
          ? h(
              'button.danger',
              {
                type: 'button',
                onclick: () =>
                  act('DELETE', `/v1/{project_id}/digital-assets/${a.asset_id}`, 'moved to the recycle bin'),
              },
              'Delete',
            )
          : null,
    );
  }

  root.append(upload, filters, status.el, grid);
  await load();
}
