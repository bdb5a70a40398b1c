import type { Logger } from '@fastts/core';

/** A logger that keeps what it is given, for asserting on logs. */
export function memoryLogger(): Logger & { entries: { level: string; obj: Record<string, unknown>; msg?: string }[] } {
  const entries: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
