import { z } from 'zod';

const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** `500ms`, `30s`, `5m`, `1h30m` or a bare number of seconds, in milliseconds; undefined if invalid or 0. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  const text = String(value);
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const match = DURATION.exec(text);
    if (!match || text === '') return undefined;
    const [, h = 0, m = 0, s = 0, milli = 0] = match;
    ms = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(milli);
  }
  return ms > 0 ? Math.round(ms) : undefined;
}

/**
 * A duration argument of a typed cell (`500ms`, `30s`, `5m`, or a number of seconds), parsed to milliseconds.
 * `allowZero` accepts `0` (e.g. no pause between commands).
 */
export function durationSchema(allowZero = false) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    if (allowZero && /^0+(?:\.0+)?(?:ms|s|m|h)?$/.test(String(value).trim())) return 0;
    const ms = durationMs(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a duration like 500ms, 30s, 5m or a number of seconds',
      });
      return z.NEVER;
    }
    return ms;
  });
}
