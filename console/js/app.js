// The console's shell: sign-in, navigation and a hash router over the pages. Each page is a
// module exporting `title` and `render(root)`, which may return a clean-up function (pages
// that poll stop when the user leaves).
import { call, session, signInWithPassword } from './api.js';
import { field, h, statusLine } from './dom.js';
import * as assets from './pages/assets.js';
import * as jobs from './pages/jobs.js';
import * as keys from './pages/keys.js';
import * as tts from './pages/tts.js';
import * as usage from './pages/usage.js';
import * as video from './pages/video.js';
import * as voices from './pages/voices.js';

const PAGES = { assets, voices, video, tts, jobs, usage, keys };
const root = document.getElementById('app');
let cleanup;

function signInPage() {
  const status = statusLine();
  const tabs = h('div.tabs');
  const body = h('div');
  const show = (which) => {
    for (const b of tabs.children) b.classList.toggle('active', b.dataset.tab === which);
    body.replaceChildren(which === 'aksk' ? akskForm() : passwordForm());
    status.clear();
  };
  tabs.append(
    h('button', { type: 'button', 'data-tab': 'aksk', onclick: () => show('aksk') }, 'Access key'),
    h('button', { type: 'button', 'data-tab': 'password', onclick: () => show('password') }, 'IAM user'),
  );
  const done = (s) => {
    session.set(s);
    location.hash = '#/video';
    route();
  };
  function akskForm() {
    return h(
      'form#aksk',
      {
        onsubmit: async (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          const s = {
            kind: 'aksk',
            ak: f.get('ak').trim(),
            sk: f.get('sk').trim(),
            projectId: f.get('project').trim(),
          };
          session.set(s);
          try {
            // One signed call proves the key before the console opens.
            await call('GET', '/v1/{project_id}/digital-assets', { query: { limit: 1 } });
            done(s);
          } catch (err) {
            session.clear();
            status.error(err);
          }
        },
      },
      field(
        'Project ID',
        h('input', { name: 'project', required: true, autocomplete: 'username', pattern: '[0-9a-f]{32}' }),
      ),
      field('Access key (AK)', h('input', { name: 'ak', required: true })),
      field(
        'Secret key (SK)',
        h('input', { name: 'sk', type: 'password', required: true, autocomplete: 'current-password' }),
      ),
      h('button.primary', { type: 'submit' }, 'Sign in'),
      h(
        'p.hint',
        'On its first start Doppel prints a project and an access key, and keeps them in ',
        h('code', 'data/default-credential.json'),
        '. More keys: ',
        h('code', 'doppel credentials create --project <id>'),
        '.',
      ),
    );
  }
  function passwordForm() {
    return h(
      'form#password',
      {
        onsubmit: async (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          try {
            done(
              await signInWithPassword({
                domain: f.get('domain').trim(),
                user: f.get('user').trim(),
                password: f.get('password'),
                project: f.get('project').trim(),
              }),
            );
          } catch (err) {
            status.error(err);
          }
        },
      },
      field('Account (domain)', h('input', { name: 'domain', required: true })),
      field('IAM user', h('input', { name: 'user', required: true, autocomplete: 'username' })),
      field(
        'Password',
        h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
      ),
      field('Project (name or ID)', h('input', { name: 'project', required: true })),
      h('button.primary', { type: 'submit' }, 'Sign in'),
      h(
        'p.hint',
        'Users are made with ',
        h('code', 'doppel users create'),
        '; the console asks IAM for a token.',
      ),
    );
  }
  show('aksk');
  return h(
    'main.signin',
    h(
      'div.card',
      h('h1', h('span.logo', 'Doppel'), ' Console'),
      h('p.sub', 'Digital humans, MetaStudio API'),
      tabs,
      body,
      status.el,
    ),
    h(
      'p.foot',
      h('a', { href: '/console/api.html' }, 'API reference'),
      ' · ',
      h('a', { href: '/openapi.json' }, 'openapi.json'),
    ),
  );
}

function shell(current) {
  const s = session.get();
  const nav = h(
    'nav',
    Object.entries(PAGES).map(([id, p]) =>
      h('a', { href: `#/${id}`, class: id === current ? 'active' : undefined, 'data-page': id }, p.title),
    ),
    h('a', { href: '/console/api.html', target: '_blank' }, 'API reference ↗'),
  );
  const who = h(
    'div.who',
    h('span', s.kind === 'aksk' ? `AK ${s.ak.slice(0, 6)}…` : s.user),
    h('span.project', s.projectId),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          session.clear();
          location.hash = '';
          route();
        },
      },
      'Sign out',
    ),
  );
  const content = h('section.content', { id: 'content' });
  root.replaceChildren(h('header', h('a.logo', { href: '#/video' }, 'Doppel'), nav, who), content);
  return content;
}

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = undefined;
  }
  const s = session.get();
  if (!s || (s.kind === 'token' && Date.parse(s.expiresAt) < Date.now())) {
    session.clear();
    root.replaceChildren(signInPage());
    return;
  }
  const id = location.hash.replace(/^#\/?/, '').split('?')[0] || 'video';
  const page = PAGES[id] ?? PAGES.video;
  const content = shell(id in PAGES ? id : 'video');
  content.append(h('h2', page.title));
  document.title = `${page.title} · Doppel Console`;
  try {
    cleanup = await page.render(content);
  } catch (e) {
    content.append(h('p.status.error', e.message ?? String(e)));
  }
}

window.addEventListener('hashchange', route);
route();
