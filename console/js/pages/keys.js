// Access keys: the credential this console signs with, and how to make and revoke others
// (keys are managed by the doppel CLI; MetaStudio's API has no key operations).
import { session } from '../api.js';
import { h } from '../dom.js';

export const title = 'Access keys';

export async function render(root) {
  const s = session.get();
  const endpoint = location.origin;
  root.append(
    h(
      'dl.keys',
      h('dt', 'Signed in with'),
      h(
        'dd',
        s.kind === 'aksk'
          ? 'an access key (SDK-HMAC-SHA256 signatures)'
          : `IAM user ${s.user} (X-Auth-Token, until ${new Date(s.expiresAt).toLocaleString()})`,
      ),
      h('dt', 'Project ID'),
      h('dd', h('code', s.projectId)),
      s.kind === 'aksk' ? [h('dt', 'Access key (AK)'), h('dd', h('code', s.ak))] : [],
      h('dt', 'Endpoint'),
      h('dd', h('code', endpoint)),
    ),
    h('h3', 'Managing keys'),
    h(
      'pre',
      [
        `npm run doppel -- credentials create --project ${s.projectId} --json   # a new AK/SK`,
        `npm run doppel -- credentials list --project ${s.projectId}`,
        'npm run doppel -- credentials delete <ak>                            # revoke',
      ].join('\n'),
    ),
    h('h3', 'Use it from an SDK'),
    h(
      'pre',
      [
        'from huaweicloudsdkcore.auth.credentials import BasicCredentials',
        'from huaweicloudsdkmetastudio.v1 import MetaStudioClient',
        '',
        'client = (MetaStudioClient.new_builder()',
        `          .with_credentials(BasicCredentials(AK, SK, "${s.projectId}"))`,
        `          .with_endpoints(["${endpoint}"])`,
        '          .build())',
      ].join('\n'),
    ),
  );
}
