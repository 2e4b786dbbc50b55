// Usage and quotas: ShowResourceUsage drawn as bars (used of the amount, or pay-per-use), the
// packages (ListTenantResources), counts (CountTenantResources), and an order form
// (CreateMetaStudioOrders: no payment in Doppel, a real package).
import { call } from '../api.js';
import { field, h, select, statusLine, when } from '../dom.js';

export const title = 'Usage';

const UNIT_LABEL = {
  MIN: 'min',
  HOUR: 'h',
  GB: 'GB',
  NUM: '',
  TEN_THOUSAND_WORDS: '×10k chars',
  MILLION_WORDS: 'M chars',
  CHANNEL: 'ch',
  TIME: '×',
};
const ORDERABLE = [
  ['hws.resource.type.metastudio.avatarmodeling.videopacket', '60 min of avatar video'],
  ['doppel.resource.type.tts.tenthousandwords', '10,000 TTS characters'],
  ['doppel.resource.type.asset.storage.gb', '1 GB asset storage'],
  ['doppel.resource.type.live.hour', '1 h of live streaming'],
  ['doppel.resource.type.chat.minute', '1 min of dialog'],
  ['hws.resource.type.metastudio.avatarmodeling.number', '1 avatar model'],
  ['hws.resource.type.metastudio.modeling.voice.onebasic', '1 voice model'],
];

const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3));

/** One horizontal bar: `usage` of `amount` (a pay-per-use entry has amount 0 and a full, striped bar). */
function bar(r) {
  const unit = UNIT_LABEL[r.unit] ?? r.unit;
  const perUse = r.charging_mode === 'ON_DEMAND';
  const ratio = perUse ? 1 : r.amount > 0 ? Math.min(1, r.usage / r.amount) : 0;
  // Set through the CSSOM: the console's CSP refuses style attributes.
  const fill = h('div.fill');
  fill.style.width = `${(ratio * 100).toFixed(1)}%`;
  return h(
    'div.bar-row',
    { 'data-business': r.business_type, 'data-charging': r.charging_mode },
    h('div.bar-label', h('strong', r.business_type), h('small', r.resource_type)),
    h('div.bar', { class: perUse ? 'bar per-use' : ratio >= 1 ? 'bar full' : 'bar' }, fill),
    h(
      'div.bar-value',
      perUse ? `${fmt(r.usage)} ${unit} pay-per-use` : `${fmt(r.usage)} / ${fmt(r.amount)} ${unit}`,
    ),
  );
}

export async function render(root) {
  const status = statusLine();
  const chart = h('div.chart', { id: 'usage-chart' });
  const packages = h('tbody');
  const counts = h('ul.counts');
  async function load() {
    try {
      const [u, list, c] = await Promise.all([
        call('GET', '/v1/{project_id}/tenants/resources-usage'),
        call('GET', '/v1/{project_id}/tenants/resources', {
          query: { resource_source: 'PURCHASED', limit: 100 },
        }),
        call('GET', '/v1/{project_id}/tenants/resources-count'),
      ]);
      chart.replaceChildren(...(u.resources ?? []).map(bar));
      if (!u.resources?.length)
        chart.append(h('p.empty', 'Nothing used yet: render a video or synthesise speech.'));
      packages.replaceChildren(
        ...(list.resources ?? []).map((r) =>
          h(
            'tr',
            h('td', r.business_type),
            h('td', h('code', r.resource_type)),
            h('td', r.charging_mode),
            h('td', `${fmt(r.usage)} / ${fmt(r.amount)} ${UNIT_LABEL[r.unit] ?? r.unit}`),
            h('td', r.status === 0 ? 'active' : 'frozen'),
            h('td', when(r.resource_expire_time)),
          ),
        ),
      );
      if (!list.resources?.length)
        packages.append(h('tr', h('td', { colSpan: 6 }, 'No packages: usage is pay-per-use.')));
      counts.replaceChildren(
        ...(c.resources_count ?? []).map((x) =>
          h('li', `${x.business_type} · ${x.charging_mode}: ${x.count}`),
        ),
      );
    } catch (err) {
      status.error(err);
    }
  }
  const order = h(
    'form.toolbar',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(order);
        try {
          const r = await call('POST', '/v1/{project_id}/mss/public/orders', {
            body: {
              cloud_services: [
                {
                  resource_spec_code: f.get('code'),
                  period_type: Number(f.get('period')),
                  period_num: 1,
                  subscription_num: Number(f.get('n')),
                },
              ],
            },
          });
          status.info(`order ${r.order_id} placed`);
          await load();
        } catch (err) {
          status.error(err);
        }
      },
    },
    field('Package', select('code', ORDERABLE)),
    field(
      'Validity',
      select('period', [
        ['6', 'one-off, 1 year'],
        ['2', '1 month'],
        ['3', '1 year'],
      ]),
    ),
    field('Quantity', h('input', { type: 'number', name: 'n', min: 1, max: 1000, value: 1 })),
    h('button.primary', { type: 'submit' }, 'Order'),
  );
  root.append(
    status.el,
    h('h3', 'Usage'),
    chart,
    h('h3', 'Resource packages'),
    h(
      'table',
      h(
        'thead',
        h(
          'tr',
          ['Business', 'Type', 'Billing', 'Used', 'Status', 'Expires'].map((t) => h('th', t)),
        ),
      ),
      packages,
    ),
    counts,
    h('h3', 'Order a package'),
    h(
      'p.hint',
      'Doppel takes no payment: an order makes the package at once. With DOPPEL_QUOTAS=enforce, work beyond the packages is refused.',
    ),
    order,
  );
  await load();
}
