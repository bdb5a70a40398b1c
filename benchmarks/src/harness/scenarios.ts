/** One request shape that the load generator repeats against every target. */
export interface Scenario {
  id: string;
  /** How the report names it. */
  title: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body, sent with content-type application/json. */
  body?: string;
  /** Whether the run feeds the background list, so the harness can count the tasks that ran. */
  background?: boolean;
}

export const scenarios: Scenario[] = [
  { id: 'hello', title: 'GET /hello', method: 'GET', path: '/hello' },
  { id: 'items', title: 'GET /items/{id}?q=', method: 'GET', path: '/items/42?q=hello' },
  {
    id: 'post-items',
    title: 'POST /items (validated)',
    method: 'POST',
    path: '/items',
    body: JSON.stringify({ name: 'widget', price: 9.99, tags: ['a', 'b'] }),
  },
  { id: 'bg', title: 'POST /bg (background task)', method: 'POST', path: '/bg', background: true },
  { id: 'bg-slow', title: 'POST /bg-slow (50 ms task)', method: 'POST', path: '/bg-slow', background: true },
  { id: 'big', title: 'GET /big (64 KiB JSON)', method: 'GET', path: '/big' },
  { id: 'deps', title: 'GET /deps (3 nested deps)', method: 'GET', path: '/deps' },
];
