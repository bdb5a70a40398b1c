/** One element of the `GET /big` response. */
export interface BigItem {
  id: number;
  name: string;
  price: number;
  tags: string[];
  description: string;
}

/** Elements in `GET /big`: each serialises to 127 bytes plus a comma, so the array is 64 KiB (+1). */
export const BIG_ITEMS = 512;

/**
 * The `GET /big` payload, built once at start-up by every target; each
 * request serialises it again, as a real list endpoint would.
 */
export function bigPayload(): BigItem[] {
  const items: BigItem[] = [];
  for (let id = 0; id < BIG_ITEMS; id++) {
    const name = `item-${String(id).padStart(4, '0')}`;
    const base = { id: id + 1000, name, price: 10.25, tags: ['bench', 'json'], description: '' };
    // Pad each element to 127 bytes of JSON, so the array totals 64 KiB whatever the ids.
    base.description = 'x'.repeat(127 - JSON.stringify(base).length);
    items.push(base);
  }
  return items;
}
