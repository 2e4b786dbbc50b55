// Doppel's additions to MetaStudio's wire shapes (contract/doppel-extensions.json), merged
// into the vendored contract by gen-contract (before generating types) and by the server
// (the document at /openapi.json). The vendored contract stays as MetaStudio publishes it.

export const EXTENSIONS_PATH = 'contract/doppel-extensions.json';

export interface Extensions {
  properties: Array<{ schema: string; name: string; definition: Record<string, unknown> }>;
}

/** Adds the extension fields to the named component schemas of `doc` (mutated and returned). */
export function withExtensions<T extends object>(doc: T, ext: Extensions): T {
  const schemas = (
    doc as { components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> } }
  ).components?.schemas;
  for (const p of ext.properties) {
    const target = schemas?.[p.schema];
    if (!target?.properties) throw new Error(`${EXTENSIONS_PATH}: no schema ${p.schema} with properties`);
    if (p.name in target.properties)
      throw new Error(`${EXTENSIONS_PATH}: ${p.schema}.${p.name} already exists`);
    target.properties[p.name] = p.definition;
  }
  return doc;
}
