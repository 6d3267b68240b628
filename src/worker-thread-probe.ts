/** Imported by worker-thread.mjs to learn whether its thread loads TypeScript; nothing else may import it. */
export const loadsTypeScript = true;
