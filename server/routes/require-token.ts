import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { StackbookError } from '../stackbook-error.ts';

/** The cookie a browser keeps the token in, once it has opened a page with `?token=`. */
export const TOKEN_COOKIE = 'stackbook_token';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time: how long a refusal takes says nothing about how close a guess was. */
function matches(given: string | undefined | null, token: string): boolean {
  return typeof given === 'string' && timingSafeEqual(digest(given), digest(token));
}

function refuse(why: string): StackbookError {
  return new StackbookError(
    'UNAUTHORIZED',
    `${why}: send Authorization: Bearer <token>, or open this server's page once as /?token=<token>`,
  );
}

/**
 * Access to a server started with a token, for every request (API and pages). Scripts send
 * `Authorization: Bearer <token>`. A browser cannot: `EventSource` sends no headers. So a page opened once
 * with `?token=<token>` sets an HttpOnly, SameSite=Strict cookie holding it and redirects to the same page
 * without it (out of the address bar and history); the API then accepts that cookie. Since a cookie rides
 * along with any request to this server, a cookie-authenticated change (POST, PUT) must also come from this
 * server's own pages (`Origin`).
 */
export function requireToken(token: string): MiddlewareHandler {
  return async function requireToken(c, next) {
    const url = new URL(c.req.url);
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      if (!matches(/^Bearer (.*)$/.exec(authorization)?.[1], token)) throw refuse('wrong token');
      return next();
    }
    const offered = url.pathname.startsWith('/api/') ? null : url.searchParams.get('token');
    if (offered !== null && c.req.method === 'GET') {
      if (!matches(offered, token)) throw refuse('wrong token');
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    if (!matches(getCookie(c, TOKEN_COOKIE), token)) throw refuse('this server needs its token');
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (!origin || !URL.canParse(origin) || new URL(origin).host !== url.host)
        throw refuse(
          `a change made with the token cookie must come from this server's pages, not ${origin ?? 'no origin'}`,
        );
    }
    return next();
  };
}
