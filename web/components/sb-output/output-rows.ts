import { html } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { parseAnsi, type AnsiSegment } from '../../lib/ansi.ts';
import type { WindowLine } from '../../lib/line-window.ts';

/**
 * Line numbers `base`…`base + length - 1` as the Array the virtualiser wants: it answers `length` and `[i]`
 * without holding a number per line, so 200,000 rows cost no more heap than 20.
 */
export function rowNumbers(length: number, base: number): number[] {
  return new Proxy([] as number[], {
    get(target, key, receiver) {
      if (key === 'length') return length;
      const index = typeof key === 'string' ? Number(key) : NaN;
      if (Number.isInteger(index) && index >= 0 && index < length) return base + index;
      return Reflect.get(target, key, receiver);
    },
  });
}

// Parsed once per line object: a row re-renders on every update while output streams in.
const parsed = new WeakMap<WindowLine, AnsiSegment[]>();

// On one line each: whitespace in these templates would show in rows that keep it (white-space: pre).
const row = (kind: string, n: number, content: unknown) =>
  html`<div class="row ${kind}" part="row ${kind}" data-n=${n}>${content}</div>`;

function segment(part: AnsiSegment) {
  const { text, fg, bg, bold, dim, italic, underline } = part;
  if (!fg && !bg && !bold && !dim && !italic && !underline) return text;
  const classes = [bold && 'bold', dim && 'dim', italic && 'italic', underline && 'underline'];
  const style = styleMap({ color: fg, background: bg });
  return html`<span class=${classes.filter(Boolean).join(' ')} style=${style}>${text}</span>`;
}

/**
 * The row of line `n` (0-based; shown 1-based): its ANSI colours as styled spans of text — output never
 * becomes markup — or a placeholder while its page is not loaded.
 */
export function outputRow(line: WindowLine | undefined, n: number) {
  if (!line) return row('pending', n + 1, '…');
  let parts = parsed.get(line);
  if (!parts) parsed.set(line, (parts = parseAnsi(line.text)));
  return row(line.stream, n + 1, parts.map(segment));
}
