// The CPU task of the offload benchmark: keeps a core busy for `ms`
// milliseconds, as resizing an image would. Plain JavaScript, so a worker
// thread can import it.
export function burn(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x = (x * 1103515245 + 12345) % 2147483648;
  return x;
}
