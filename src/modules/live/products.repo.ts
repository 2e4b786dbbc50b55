// All SQL for live_products, every query scoped by project.
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { LiveProductsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';

export type ProductRow = Selectable<LiveProductsTable>;
export type NewProduct = Insertable<LiveProductsTable>;
export type ProductPatch = Updateable<LiveProductsTable>;

export interface ProductListSpec {
  offset: number;
  limit: number;
  name?: string;
  tag?: string;
  states: string[];
  since?: Date;
  until?: Date;
  sortKey: 'create_time' | 'update_time';
  sortDir: 'asc' | 'desc';
}

export class ProductsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewProduct): Promise<void> {
    await this.db.insertInto('live_products').values(row).execute();
  }

  get(
    projectId: string,
    productId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<ProductRow | undefined> {
    let q = this.db
      .selectFrom('live_products')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('product_id', '=', productId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** The products among `productIds` that the project has (any state), by id. */
  async many(projectId: string, productIds: readonly string[]): Promise<Map<string, ProductRow>> {
    if (productIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('live_products')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('product_id', 'in', [...new Set(productIds)])
      .execute();
    return new Map(rows.map((r) => [r.product_id, r]));
  }

  async update(projectId: string, productId: string, patch: ProductPatch): Promise<void> {
    await this.db
      .updateTable('live_products')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('product_id', '=', productId)
      .execute();
  }

  private filtered(projectId: string, spec: ProductListSpec) {
    let q = this.db
      .selectFrom('live_products')
      .where('project_id', '=', projectId)
      .where('state', 'in', spec.states as ProductRow['state'][]);
    if (spec.name) q = q.where('name', 'ilike', likePattern(spec.name));
    if (spec.tag) q = q.where(sql<boolean>`tags @> ${JSON.stringify([spec.tag])}::jsonb`);
    if (spec.since) q = q.where('create_time', '>=', spec.since);
    if (spec.until) q = q.where('create_time', '<=', spec.until);
    return q;
  }

  page(projectId: string, spec: ProductListSpec): Promise<ProductRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy(spec.sortKey, spec.sortDir)
      .orderBy('product_id', spec.sortDir)
      .offset(spec.offset)
      .limit(spec.limit)
      .execute();
  }

  async count(projectId: string, spec: ProductListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
