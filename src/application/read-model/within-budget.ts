/**
 * Resolves true when `work` settles within `ms`, false otherwise. The timer is
 * cleared as soon as `work` settles; it is not unref'd, because a caller awaiting
 * this answer (a CLI command, a test) must not see the process exit under it.
 */
export async function withinBudget(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}
