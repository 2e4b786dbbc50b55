// Pure rules for live products (SEMANTICS §3.9): field limits, the asset portfolio's types,
// how SetProductAsset links and unlinks, which picture a related paragraph shows. Unit-tested.
import type {
  CreateProductRequestBody,
  ProductAssetReleation,
  ProductMediaInfo,
  ProductTextInfo,
  UpdateProductRequestBody,
} from '../../contract/generated/types.ts';
import { LiveErrors } from './live.errors.ts';
import { type AssetRef, chars, checkPlainText } from './live.text.ts';

export const MAX_TAGS = 50;
export const MAX_TAG = 64;
export const MAX_TEXTS = 50;
export const MAX_ASSETS = 50;

/** A product's stored content (everything but id, state and times). */
export interface ProductContent {
  name: string;
  description: string;
  tags: string[];
  cover: { asset_id: string } | null;
  text_list: ProductTextInfo[];
  asset_list: Array<ProductMediaInfo & { asset_id: string; order: number }>;
}

/** Asset type a portfolio entry declares → the asset types that fit it. */
export const PORTFOLIO_TYPES: Record<string, readonly string[]> = {
  IMAGE: ['IMAGE'],
  VIDEO: ['VIDEO'],
  AUDIO: ['AUDIO', 'MUSIC'],
};

const bad = LiveErrors.invalid;

/** A create → content; an update merges the fields it names over `stored` (ERRATA 63). */
export function productContent(
  req: CreateProductRequestBody | UpdateProductRequestBody,
  stored?: ProductContent,
): ProductContent {
  checkPlainText(req.name, 'name');
  if (req.description !== undefined)
    checkPlainText(req.description, 'description', { allowEmpty: true, multiline: true });
  const tags = req.tags ?? stored?.tags ?? [];
  if (tags.length > MAX_TAGS) throw bad(`tags: at most ${MAX_TAGS}, got ${tags.length}`);
  for (const [i, t] of tags.entries()) {
    checkPlainText(t, `tags[${i}]`);
    if (chars(t) > MAX_TAG) throw bad(`tags[${i}] is longer than ${MAX_TAG} characters`);
  }
  if (new Set(tags).size !== tags.length) throw bad('tags: a tag is repeated');
  const texts = req.text_list ?? stored?.text_list ?? [];
  checkTexts(texts);
  const assets = (req.asset_list ?? stored?.asset_list ?? []).map((a, i) =>
    portfolioItem(a, `asset_list[${i}]`, i),
  );
  if (assets.length > MAX_ASSETS) throw bad(`asset_list: at most ${MAX_ASSETS}, got ${assets.length}`);
  if (new Set(assets.map((a) => a.asset_id)).size !== assets.length)
    throw bad('asset_list: an asset is listed twice');
  const cover =
    req.cover === undefined
      ? (stored?.cover ?? null)
      : req.cover.asset_id
        ? { asset_id: req.cover.asset_id }
        : null;
  return {
    name: req.name,
    description: req.description ?? stored?.description ?? '',
    tags,
    cover,
    text_list: texts,
    asset_list: assets,
  };
}

function checkTexts(texts: readonly ProductTextInfo[]): void {
  if (texts.length > MAX_TEXTS) throw bad(`text_list: at most ${MAX_TEXTS}, got ${texts.length}`);
  for (const [i, t] of texts.entries()) {
    if (t.title !== undefined) checkPlainText(t.title, `text_list[${i}].title`, { allowEmpty: true });
    if (t.text === undefined || t.text.trim() === '') throw bad(`text_list[${i}].text is required`);
    checkPlainText(t.text, `text_list[${i}].text`, { multiline: true });
  }
}

function portfolioItem(
  a: ProductMediaInfo,
  at: string,
  position: number,
): ProductContent['asset_list'][number] {
  if (!a.asset_id) throw bad(`${at}.asset_id is required`);
  return { ...a, asset_id: a.asset_id, order: a.order ?? position };
}

/** The asset ids the content names, with the types that fit each place. */
export function productAssetRefs(c: ProductContent): AssetRef[] {
  const refs: AssetRef[] = [];
  if (c.cover) refs.push({ field: 'cover.asset_id', assetId: c.cover.asset_id, types: ['IMAGE'] });
  for (const [i, a] of c.asset_list.entries())
    refs.push({
      field: `asset_list[${i}].asset_id`,
      assetId: a.asset_id,
      types: a.asset_type ? (PORTFOLIO_TYPES[a.asset_type] ?? []) : ['IMAGE', 'VIDEO', 'AUDIO', 'MUSIC'],
    });
  return refs;
}

/** The portfolio type of an asset type (MUSIC counts as AUDIO). */
export const portfolioTypeOf = (assetType: string): 'IMAGE' | 'VIDEO' | 'AUDIO' =>
  assetType === 'IMAGE' ? 'IMAGE' : assetType === 'VIDEO' ? 'VIDEO' : 'AUDIO';

/** SetProductAsset: LINK adds (or re-orders) an asset or adds (or rewrites, by title) a text; UNLINK removes it. */
export function applyRelation(c: ProductContent, rel: ProductAssetReleation): ProductContent {
  if (!rel.action) throw bad('action is required (LINK or UNLINK)');
  if ((rel.asset_item ? 1 : 0) + (rel.text_item ? 1 : 0) !== 1)
    throw bad('give exactly one of asset_item and text_item');
  if (rel.asset_item) {
    const item = portfolioItem(rel.asset_item, 'asset_item', c.asset_list.length);
    const rest = c.asset_list.filter((a) => a.asset_id !== item.asset_id);
    if (rel.action === 'UNLINK') {
      if (rest.length === c.asset_list.length)
        throw bad(`asset_item.asset_id ${item.asset_id} is not linked to the product`);
      return { ...c, asset_list: rest };
    }
    const prior = c.asset_list.find((a) => a.asset_id === item.asset_id);
    const next = { ...item, order: rel.asset_item.order ?? prior?.order ?? c.asset_list.length };
    const list = [...rest, next].sort((a, b) => a.order - b.order);
    if (list.length > MAX_ASSETS) throw bad(`asset_list: at most ${MAX_ASSETS}`);
    return { ...c, asset_list: list };
  }
  const t = rel.text_item as ProductTextInfo;
  const title = t.title ?? '';
  const rest = c.text_list.filter((x) => (x.title ?? '') !== title);
  if (rel.action === 'UNLINK') {
    if (rest.length === c.text_list.length)
      throw bad(`text_item.title "${title}" is not linked to the product`);
    return { ...c, text_list: rest };
  }
  const list = [...rest, t];
  checkTexts(list);
  return { ...c, text_list: list };
}

/** The picture a paragraph related to the product shows: its cover, else its first image. */
export function productImageAssetId(c: Pick<ProductContent, 'cover' | 'asset_list'>): string | undefined {
  if (c.cover) return c.cover.asset_id;
  return [...c.asset_list].sort((a, b) => a.order - b.order).find((a) => a.asset_type === 'IMAGE')?.asset_id;
}
