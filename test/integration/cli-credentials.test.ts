// `doppel credentials create --project <id>` creates the project when it is new (README), on
// both databases, through the ops the CLI and the admin socket share; a key works at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { AccountsService } from '../../src/core/auth/accounts.service.ts';
import { newId } from '../../src/core/util/ids.ts';
import { systemClock } from '../../src/core/util/time.ts';
import { accountsAdminOps } from '../../src/main/accounts-admin.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

await describeEachDb('credentials create --project (a new project is created)', (leg) => {
  let t: TestDb;
  let svc: AccountsService;
  before(async () => {
    t = await leg.open();
    svc = new AccountsService({
      db: t.database.db,
      masterKey: randomBytes(32),
      clock: systemClock,
      passwordCost: { N: 1024, r: 8, p: 1 },
    });
  });
  after(() => t.cleanup());

  it('creates the project, then the key; a second key reuses the project', async () => {
    const ops = accountsAdminOps(svc, { db: t.database.db, allowPrivate: false });
    const projectId = newId();
    assert.equal(await svc.getProject(projectId), null);
    const c = await ops.createCredential({ projectId, description: 'ci' });
    assert.equal(c.project_id, projectId);
    assert.ok(await svc.getProject(projectId));
    assert.deepEqual(await svc.lookupSecret(c.ak), { sk: c.sk, projectId });
    const again = await ops.createCredential({ projectId });
    assert.equal(again.project_id, projectId);
    assert.equal((await svc.listProjects()).filter((p) => p.id === projectId).length, 1);
  });

  it('still refuses an id that is not 32 hex', async () => {
    await assert.rejects(
      accountsAdminOps(svc, { db: t.database.db, allowPrivate: false }).createCredential({
        projectId: 'nope',
      }),
      /32 lowercase hex/,
    );
  });
});
