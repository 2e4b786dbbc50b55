// The API reference, rendered in the browser from /openapi.json: operations grouped by tag,
// each with its parameters, request and response schemas, and whether Doppel implements it.
import { h } from './dom.js';

const doc = await (await fetch('/openapi.json')).json();
const schemas = doc.components?.schemas ?? {};
const refName = (ref) => ref.split('/').pop();

/** A schema as a compact, readable outline (object fields, arrays, enums; $refs opened once per path). */
function outline(schema, seen = new Set(), depth = 0) {
  if (!schema) return '';
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (seen.has(name) || depth > 6) return name;
    return outline(schemas[name], new Set([...seen, name]), depth);
  }
  if (schema.type === 'array') return `[${outline(schema.items, seen, depth)}]`;
  if (schema.enum) return schema.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (schema.properties) {
    const pad = '  '.repeat(depth + 1);
    const req = new Set(schema.required ?? []);
    const lines = Object.entries(schema.properties).map(([k, v]) => {
      const desc = v.description ? `  // ${v.description.split('\n')[0].slice(0, 120)}` : '';
      return `${pad}${k}${req.has(k) ? '' : '?'}: ${outline(v, seen, depth + 1)}${desc}`;
    });
    return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
  }
  return schema.type ?? 'any';
}

const resolveParam = (p) => (p.$ref ? doc.components.parameters[refName(p.$ref)] : p);
const ops = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) if (op.operationId) ops.push({ path, method, ...op });
}
const byTag = new Map();
for (const op of ops) {
  const tag = op.tags?.[0] ?? 'Other';
  byTag.set(tag, [...(byTag.get(tag) ?? []), op]);
}

const toc = document.getElementById('toc');
const main = document.getElementById('ops');
main.replaceChildren(
  h('h1', doc.info?.title ?? 'API'),
  h(
    'p',
    `${ops.length} operations, ${ops.filter((o) => o['x-doppel-implemented']).length} implemented by this Doppel server. `,
    h('a', { href: '/openapi.json' }, 'openapi.json'),
  ),
);
for (const [tag, list] of byTag) {
  toc.append(
    h('h4', tag),
    list.map((o) => h('a', { href: `#${o.operationId}`, 'data-op': o.operationId }, o.operationId)),
  );
  main.append(h('h2', tag));
  for (const op of list) {
    const params = (op.parameters ?? []).map(resolveParam).filter((p) => p && p.in !== 'header');
    const body = op.requestBody?.content?.['application/json']?.schema;
    const ok = Object.entries(op.responses ?? {}).find(([s]) => s.startsWith('2'));
    const okSchema = ok?.[1]?.content?.['application/json']?.schema;
    main.append(
      h(
        'section.op',
        { id: op.operationId, 'data-op': op.operationId },
        h('h3', h('span.method', op.method.toUpperCase()), h('code', op.path)),
        h(
          'p',
          h('strong', op.operationId),
          ` — ${op.summary ?? ''} `,
          op['x-doppel-implemented'] ? '' : h('span.tag-501', '(answers 501 in this Doppel server)'),
        ),
        params.length
          ? h(
              'table',
              h(
                'thead',
                h(
                  'tr',
                  ['Parameter', 'In', 'Required', 'Type'].map((t) => h('th', t)),
                ),
              ),
              h(
                'tbody',
                params.map((p) =>
                  h(
                    'tr',
                    h('td', h('code', p.name)),
                    h('td', p.in),
                    h('td', p.required ? 'yes' : ''),
                    h('td', outline(p.schema)),
                  ),
                ),
              ),
            )
          : null,
        body ? h('details', h('summary', 'Request body'), h('pre', outline(body))) : null,
        okSchema ? h('details', h('summary', `Response ${ok[0]}`), h('pre', outline(okSchema))) : null,
      ),
    );
  }
}
document.getElementById('filter').addEventListener('input', (e) => {
  const q = e.target.value.toLowerCase();
  for (const el of document.querySelectorAll('[data-op]'))
    el.hidden = q !== '' && !el.dataset.op.toLowerCase().includes(q);
});
if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
