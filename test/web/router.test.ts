import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoute, routeUrl, type Route } from '../../web/router.ts';

/** Parses a URL as the app does from `location`. */
const parse = (url: string) => {
  const { pathname, search } = new URL(url, 'http://stackbook.test');
  return parseRoute(pathname, search);
};

describe('router', () => {
  it('parses each shareable URL into its page', () => {
    assert.deepEqual(parse('/'), { page: 'home' });
    assert.deepEqual(parse('/runbooks/seed-preflight?dc=example&run=01J0RUN'), {
      page: 'runbook',
      id: 'seed-preflight',
      dc: 'example',
      run: '01J0RUN',
    });
    assert.deepEqual(parse('/runbooks/seed-preflight'), {
      page: 'runbook',
      id: 'seed-preflight',
      dc: undefined,
      run: undefined,
    });
    assert.deepEqual(parse('/runs/01J0A?compare=01J0B'), { page: 'run', id: '01J0A', compare: '01J0B' });
    assert.deepEqual(parse('/runs/01J0A'), { page: 'run', id: '01J0A', compare: undefined });
    assert.deepEqual(parse('/runs?runbook=seed-preflight&dc=lab'), {
      page: 'runs',
      runbook: 'seed-preflight',
      dc: 'lab',
    });
    assert.deepEqual(parse('/datacentres/example'), { page: 'datacentre', name: 'example' });
  });

  it('takes empty query values as absent and ignores unknown ones and a trailing slash', () => {
    assert.deepEqual(parse('/runbooks/a/?dc=&run=&x=1'), {
      page: 'runbook',
      id: 'a',
      dc: undefined,
      run: undefined,
    });
    assert.deepEqual(parse('/runs/?dc='), { page: 'runs', runbook: undefined, dc: undefined });
  });

  it('answers not-found for any other path, keeping it', () => {
    for (const path of ['/runbooks', '/runbooks/a/b', '/runs/a/b', '/datacentres', '/api/runs', '/nope'])
      assert.deepEqual(parse(path), { page: 'not-found', path });
  });

  it('builds URLs that leave out what is not set', () => {
    assert.equal(routeUrl({ page: 'home' }), '/');
    assert.equal(
      routeUrl({ page: 'runbook', id: 'seed-preflight', dc: 'example', run: '01J0RUN' }),
      '/runbooks/seed-preflight?dc=example&run=01J0RUN',
    );
    assert.equal(routeUrl({ page: 'runbook', id: 'a', dc: undefined, run: undefined }), '/runbooks/a');
    assert.equal(routeUrl({ page: 'run', id: '01J0A', compare: '01J0B' }), '/runs/01J0A?compare=01J0B');
    assert.equal(routeUrl({ page: 'run', id: '01J0A', compare: undefined }), '/runs/01J0A');
    assert.equal(routeUrl({ page: 'runs', runbook: undefined, dc: 'lab' }), '/runs?dc=lab');
    assert.equal(routeUrl({ page: 'runs', runbook: undefined, dc: undefined }), '/runs');
    assert.equal(routeUrl({ page: 'datacentre', name: 'example' }), '/datacentres/example');
  });

  it('round-trips every route, names with reserved characters included', () => {
    const routes: Route[] = [
      { page: 'home' },
      { page: 'runbook', id: 'a b/c?d', dc: 'dc&1=2', run: 'r#1' },
      { page: 'runbook', id: 'ünïcode', dc: undefined, run: 'r' },
      { page: 'runs', runbook: 'x y', dc: 'a+b' },
      { page: 'run', id: '01J0A/..', compare: 'b c' },
      { page: 'datacentre', name: 'site %41' },
    ];
    for (const route of routes) {
      const url = routeUrl(route);
      assert.deepEqual(parse(url), route, url);
    }
    // A name with a slash stays one path segment, so it cannot reach another page.
    assert.equal(routeUrl({ page: 'datacentre', name: 'a/b' }), '/datacentres/a%2Fb');
  });
});
