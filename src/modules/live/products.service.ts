// Live products: the goods a room presents. State machine of SEMANTICS §3.9: created ACTIVED
// (auto_active) or UNACTIVED; UpdateProduct moves between those two; DeleteProduct marks the
// row DELETED; BLOCK is never entered by Doppel but is honoured (such a product is read-only).
import type {
  CreateProductRequestBody,
  OperationTypes,
  ProductAssetReleation,
  ProductDetailInfo,
  UpdateProductRequestBody,
} from '../../contract/generated/types.ts';
import type { Db } from '../../core/db/index.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { visibleLiveAssets } from '../assets/index.ts';
import type { ModuleDeps } from '../types.ts';
import { LiveErrors } from './live.errors.ts';
import { checkAssetRefs } from './live.text.ts';
import { type ProductListSpec, type ProductRow, ProductsRepo } from './products.repo.ts';
import {
  applyRelation,
  type ProductContent,
  portfolioTypeOf,
  productAssetRefs,
  productContent,
  productImageAssetId,
} from './products.rules.ts';
import { timeParam } from './rule-groups.service.ts';

type Types = OperationTypes;

/** A product as the live jobs read it (relation_product → the picture to show). */
export interface LiveProduct {
  product_id: string;
  name: string;
  state: ProductRow['state'];
  /** The cover, else the first IMAGE of the portfolio; undefined when it has no picture. */
  image_asset_id: string | undefined;
  content: ProductContent;
}

const STATES = ['ACTIVED', 'UNACTIVED', 'BLOCK', 'DELETED'] as const;

export function contentOf(row: ProductRow): ProductContent {
  return {
    name: row.name,
    description: row.description,
    tags: row.tags,
    cover: row.cover as ProductContent['cover'],
    text_list: row.text_list as ProductContent['text_list'],
    asset_list: row.asset_list as unknown as ProductContent['asset_list'],
  };
}

export class ProductsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: CreateProductRequestBody, appUserId: string | undefined) {
    const content = await this.checked(this.deps.db, projectId, productContent(req));
    const now = this.deps.clock.now();
    const productId = newId();
    await new ProductsRepo(this.deps.db).insert({
      ...columnsOf(content),
      project_id: projectId,
      product_id: productId,
      state: req.auto_active ? 'ACTIVED' : 'UNACTIVED',
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    });
    return { product_id: productId };
  }

  async list(projectId: string, q: Types['ListProducts']['query']) {
    const states = q.state ? q.state.split(',').map((s) => s.trim()) : ['ACTIVED', 'UNACTIVED', 'BLOCK'];
    for (const s of states)
      if (!(STATES as readonly string[]).includes(s))
        throw LiveErrors.invalid(`state ${s}: one of ${STATES.join(', ')}`);
    const sortKey = q.sort_key ?? 'create_time';
    if (sortKey !== 'create_time' && sortKey !== 'update_time')
      throw LiveErrors.invalid('sort_key must be create_time or update_time');
    const sortDir = q.sort_dir ?? 'asc';
    if (sortDir !== 'asc' && sortDir !== 'desc') throw LiveErrors.invalid('sort_dir must be asc or desc');
    const spec: ProductListSpec = {
      offset: q.offset,
      limit: q.limit,
      states,
      sortKey,
      sortDir,
      ...(q.name ? { name: q.name } : {}),
      ...(q.tag ? { tag: q.tag } : {}),
      ...(q.create_since ? { since: timeParam(q.create_since, 'create_since') } : {}),
      ...(q.create_until ? { until: timeParam(q.create_until, 'create_until') } : {}),
    };
    const repo = new ProductsRepo(this.deps.db);
    const [rows, count] = await Promise.all([repo.page(projectId, spec), repo.count(projectId, spec)]);
    return { count, products: await this.details(projectId, rows) };
  }

  async show(projectId: string, productId: string) {
    const row = await this.live(this.deps.db, projectId, productId);
    return (await this.details(projectId, [row]))[0];
  }

  async update(projectId: string, productId: string, req: UpdateProductRequestBody): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.live(trx, projectId, productId, true);
      if (row.state === 'BLOCK') throw LiveErrors.productLocked(productId, row.state);
      const content = await this.checked(trx, projectId, productContent(req, contentOf(row)));
      await new ProductsRepo(trx).update(projectId, productId, {
        ...columnsOf(content),
        ...(req.state ? { state: req.state } : {}),
        update_time: this.deps.clock.now(),
      });
    });
  }

  async delete(projectId: string, productId: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      await this.live(trx, projectId, productId, true);
      await new ProductsRepo(trx).update(projectId, productId, {
        state: 'DELETED',
        update_time: this.deps.clock.now(),
      });
    });
  }

  async setAsset(projectId: string, productId: string, rel: ProductAssetReleation): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.live(trx, projectId, productId, true);
      if (row.state === 'BLOCK') throw LiveErrors.productLocked(productId, row.state);
      const content = await this.checked(trx, projectId, applyRelation(contentOf(row), rel));
      await new ProductsRepo(trx).update(projectId, productId, {
        ...columnsOf(content),
        update_time: this.deps.clock.now(),
      });
    });
  }

  /** For the live jobs: any product of the project that is not DELETED. */
  async lookup(
    projectId: string,
    productId: string,
    db: Db = this.deps.db,
  ): Promise<LiveProduct | undefined> {
    const row = await new ProductsRepo(db).get(projectId, productId);
    if (!row || row.state === 'DELETED') return undefined;
    const content = contentOf(row);
    return {
      product_id: row.product_id,
      name: row.name,
      state: row.state,
      image_asset_id: productImageAssetId(content),
      content,
    };
  }

  private async live(db: Db, projectId: string, productId: string, forUpdate = false): Promise<ProductRow> {
    const row = await new ProductsRepo(db).get(projectId, productId, { forUpdate });
    if (!row || row.state === 'DELETED') throw LiveErrors.productNotFound('product_id', productId);
    return row;
  }

  /** Every asset must be live and visible, of a fitting type; untyped entries take the asset's type. */
  private async checked(db: Db, projectId: string, c: ProductContent): Promise<ProductContent> {
    const refs = productAssetRefs(c);
    if (refs.length === 0) return c;
    const found = await visibleLiveAssets(
      db,
      projectId,
      refs.map((r) => r.assetId),
      this.deps.clock.now(),
    );
    checkAssetRefs(refs, found);
    return {
      ...c,
      asset_list: c.asset_list.map((a) => ({
        ...a,
        asset_type: a.asset_type ?? portfolioTypeOf(found.get(a.asset_id)?.asset_type ?? ''),
      })),
    };
  }

  private async details(projectId: string, rows: ProductRow[]): Promise<ProductDetailInfo[]> {
    const ids = rows.flatMap((r) => {
      const c = contentOf(r);
      return [...(c.cover ? [c.cover.asset_id] : []), ...c.asset_list.map((a) => a.asset_id)];
    });
    const assets = await visibleLiveAssets(this.deps.db, projectId, ids, this.deps.clock.now());
    return rows.map((r) => {
      const c = contentOf(r);
      return {
        product_id: r.product_id,
        name: r.name,
        description: r.description,
        tags: c.tags,
        ...(c.cover ? { cover: { asset_id: c.cover.asset_id } } : {}),
        text_list: c.text_list,
        asset_list: c.asset_list.map((a) => {
          const found = assets.get(a.asset_id);
          // An asset recycled or deleted since it was linked reads as DELETED.
          return {
            ...a,
            ...(found
              ? { asset_name: found.asset_name, asset_state: found.asset_state }
              : { asset_state: 'DELETED' }),
          };
        }),
        create_time: wireTime(r.create_time),
        update_time: wireTime(r.update_time),
        state: r.state,
      };
    });
  }
}

function columnsOf(c: ProductContent) {
  return {
    name: c.name,
    description: c.description,
    tags: JSON.stringify(c.tags),
    cover: c.cover ? JSON.stringify(c.cover) : null,
    text_list: JSON.stringify(c.text_list),
    asset_list: JSON.stringify(c.asset_list),
  };
}
