// A few DOM helpers: h() builds elements, and formatting for sizes, times and errors.

/** h('div#id.card', {onclick}, child, …): a tag with optional .classes, attributes/properties, children. */
export function h(spec, attrs, ...children) {
  const [head, ...classes] = spec.split('.');
  const [tag, id] = head.split('#');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = undefined;
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && k !== 'list' && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const bytes = (n) => {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
};

export const when = (t) => (t ? new Date(t).toLocaleString() : '');

/** A status line that shows errors (ApiError or any) and progress text. */
export function statusLine() {
  const el = h('p.status', { role: 'status' });
  return {
    el,
    info(text) {
      el.className = 'status';
      el.textContent = text;
    },
    error(e) {
      el.className = 'status error';
      el.textContent = e?.message ?? String(e);
    },
    clear() {
      el.className = 'status';
      el.textContent = '';
    },
  };
}

/** <select> of `options` ([value, label]), the first selected unless `value` is given. */
export function select(name, options, value) {
  return h(
    'select',
    { name },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label ?? v)),
  );
}

export const field = (label, control) => h('label.field', h('span', label), control);
