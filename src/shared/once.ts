/** `read` run on the first call only; later calls give its result again (files served from memory). */
export function once<T>(read: () => T): () => T {
  let done: { value: T } | null = null;
  return () => (done ??= { value: read() }).value;
}
