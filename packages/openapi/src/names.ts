/**
 * The names FastAPI derives for the document: operation ids, summaries and
 * titles. Handler names in TypeScript are camelCase, so words are split at
 * case changes as well as at underscores.
 */

/** `readItem`, `read_item` → `Read Item` (FastAPI: `name.replace("_", " ").title()`). */
export function titleCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[_\s-]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .join(' ');
}

/**
 * FastAPI's `generate_unique_id`: `{name}{path}_{method}` with every non-word
 * character replaced by `_`, e.g. `read` + `/items/{item_id}` + GET →
 * `read_items__item_id__get`.
 */
export function operationId(name: string, path: string, method: string): string {
  return `${name}${path}`.replace(/\W/g, '_') + `_${method.toLowerCase()}`;
}

/** `/files/{file_path:path}` → `/files/{file_path}`: OpenAPI has no converters. */
export function openapiPath(template: string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*):[a-z]+\}/g, '{$1}');
}
