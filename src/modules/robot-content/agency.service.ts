// Agency Management. MetaStudio creates an IAM delegation so that it may call CBS or SIS for
// the tenant; Doppel calls neither, so it keeps a record per project and role type (id,
// state, times) that the console and clients can show and remove (ERRATA 49).
import type { OperationTypes } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import type { ModuleDeps } from '../types.ts';
import { RobotContentErrors } from './robot-content.errors.ts';
import { type RoleType, SettingsRepo } from './settings.repo.ts';

type T = OperationTypes;
/** ShowAgency without role_type asks about the CBS agency, the first of the two. */
export const DEFAULT_ROLE_TYPE: RoleType = 'CBS';

export class AgencyService {
  constructor(private readonly deps: ModuleDeps) {}

  /** `{agency_id}` when the project has that agency, `{}` when it has none. */
  async show(projectId: string, q: T['ShowAgency']['query']) {
    const row = await new SettingsRepo(this.deps.db).getAgency(projectId, q.role_type ?? DEFAULT_ROLE_TYPE);
    return row ? { agency_id: row.agency_id } : {};
  }

  /** Idempotent: a second create answers the agency that exists. */
  async create(projectId: string, roleType: RoleType) {
    const now = this.deps.clock.now();
    const row = await new SettingsRepo(this.deps.db).ensureAgency({
      project_id: projectId,
      role_type: roleType,
      agency_id: newId(),
      state: 'AUTHORIZED',
      create_time: now,
      update_time: now,
    });
    return { agency_id: row.agency_id };
  }

  async delete(projectId: string, roleType: RoleType): Promise<void> {
    if (!(await new SettingsRepo(this.deps.db).deleteAgency(projectId, roleType)))
      throw RobotContentErrors.agencyNotFound(roleType);
  }
}
