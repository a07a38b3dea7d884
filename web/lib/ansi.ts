/** A run of text in one style; colours are CSS colour values. */
export interface AnsiSegment {
  text: string;
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

type Style = Omit<AnsiSegment, 'text'>;

// The 16 terminal colours, each overridable from CSS (`--sb-ansi-0` … `--sb-ansi-15`), tuned for a dark
// background.
const BASE16 = [
  '#1b2430',
  '#f0605a',
  '#5fbf6a',
  '#d9b84a',
  '#5b9ef0',
  '#c678dd',
  '#45b8c6',
  '#c9d1d9',
  '#6e7b8b',
  '#ff8a80',
  '#8be28f',
  '#f2d675',
  '#8cbcff',
  '#e0a3f0',
  '#7fdbe6',
  '#ffffff',
];
const palette = (index: number) => `var(--sb-ansi-${index}, ${BASE16[index]})`;

/** The xterm 256-colour table: 16 base colours, a 6×6×6 cube, then 24 greys. */
function colour256(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return palette(n);
  if (n >= 232) {
    const grey = 8 + (n - 232) * 10;
    return `rgb(${grey}, ${grey}, ${grey})`;
  }
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  const c = n - 16;
  return `rgb(${level(Math.floor(c / 36))}, ${level(Math.floor(c / 6) % 6)}, ${level(c % 6)})`;
}

/** An extended colour (38/48): `5;n` or `2;r;g;b`. Answers the colour and how many parameters it used. */
function extended(params: number[]): [string | undefined, number] {
  if (params[0] === 5) return [colour256(params[1]!), 2];
  if (params[0] === 2) {
    const rgb = params.slice(1, 4);
    const ok = rgb.length === 3 && rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
    return [ok ? `rgb(${rgb.join(', ')})` : undefined, 4];
  }
  return [undefined, 1];
}

/** Applies one SGR sequence's parameters to a style, answering the new style. */
function applySgr(style: Style, raw: string): Style {
  const next: Style = { ...style };
  const groups = raw === '' ? ['0'] : raw.split(';');
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    // `38:2::r:g:b` carries its colour in sub-parameters (the empty one is a colour space id).
    const sub = group.includes(':') ? group.split(':').filter((v) => v !== '') : undefined;
    const code = Number(sub ? sub[0] : group || '0');
    if (code === 38 || code === 48) {
      const rest = sub ? sub.slice(1).map(Number) : groups.slice(i + 1).map(Number);
      const [colour, used] = extended(rest);
      if (!sub) i += used;
      if (colour) next[code === 38 ? 'fg' : 'bg'] = colour;
    } else if (code === 0) {
      for (const key of Object.keys(next) as (keyof Style)[]) delete next[key];
    } else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code >= 30 && code <= 37) next.fg = palette(code - 30);
    else if (code >= 90 && code <= 97) next.fg = palette(code - 90 + 8);
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = palette(code - 40);
    else if (code >= 100 && code <= 107) next.bg = palette(code - 100 + 8);
    else if (code === 49) delete next.bg;
  }
  return next;
}

// CSI (its final byte says what it is), OSC (titles, hyperlinks), two-byte escapes, and C0 controls but tab.
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /\x1b\[([0-9;:<=>?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|\r|[\x00-\x08\x0a-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const PLAIN = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

/**
 * Splits one line of terminal output into styled segments, following SGR colour and weight sequences and
 * dropping every other escape sequence and control character. A carriage return inside the line keeps only
 * what follows it, as a terminal shows a redrawn progress line. The result is plain data: the caller renders
 * each segment's text as text, so output can never become markup.
 */
export function parseAnsi(text: string): AnsiSegment[] {
  if (PLAIN.test(text)) return text ? [{ text }] : [];
  let segments: AnsiSegment[] = [];
  let style: Style = {};
  const add = (piece: string) => {
    if (!piece) return;
    const last = segments.at(-1);
    if (last && sameStyle(last, style)) last.text += piece;
    else segments.push({ text: piece, ...style });
  };
  let at = 0;
  for (const match of text.matchAll(CONTROL)) {
    add(text.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] === 'm') style = applySgr(style, match[1]!);
    else if (match[0] === '\r' && at < text.length) segments = [];
  }
  add(text.slice(at));
  return segments;
}

function sameStyle(a: Style, b: Style): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline
  );
}
