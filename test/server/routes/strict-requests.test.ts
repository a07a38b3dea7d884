import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiSandbox } from '../../helpers/api.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;
type Issue = { field: string; message: string };

const RUNBOOKS: Record<string, string> = {
  'two-cells':
    '# Two\n\n```sh {name=first}\necho one\n```\n\n```sh {name=second needs=[first]}\necho two\n```\n',
};

describe('unknown request fields', () => {
  let sb: Sandbox;
  let run: string;
  /** Every API operation, from the OpenAPI document, with its path filled in. */
  let operations: { method: string; path: string; url: string; body: boolean }[];
  before(async () => {
    sb = await apiSandbox({ runbooks: RUNBOOKS });
    run = (await sb.call('POST', '/api/runs', { runbook: 'two-cells', datacentre: 'example' })).json
      .id as string;
    await sb.call('POST', `/api/runs/${run}/execute`);
    await sb.settle(run);
    const doc = (await sb.call('GET', '/api/openapi.json')).json as unknown as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        url: path
          .replace(/^\/api\/runbooks\/\{id\}/, '/api/runbooks/two-cells')
          .replace('{id}', run)
          .replace(/^\/api\/datacentres\/\{name\}/, '/api/datacentres/example')
          .replace('{name}', 'first'),
        body: operation.requestBody !== undefined,
      })),
    );
  });
  after(() => sb.close());

  /** A valid request for each operation that needs more than its path. */
  const VALID_QUERY: Record<string, string> = { '/api/runs/{id}/diff': `with=` };
  const VALID_BODY: Record<string, Record<string, unknown>> = {
    'POST /api/runs': { runbook: 'two-cells', datacentre: 'example' },
    'POST /api/runs/{id}/execute': { from: 'first' },
    'POST /api/runs/{id}/replay': { start: false },
    'POST /api/runs/{id}/cells/{name}/approve': { note: 'ok' },
    'PUT /api/datacentres/{name}': { yaml: 'name: example\n' },
    'POST /api/datacentres/{name}/validate': { yaml: 'name: example\n' },
  };

  const assertNamesBogus = (
    response: { status: number; json: Record<string, unknown> },
    what: string,
  ): void => {
    assert.equal(
      response.status,
      400,
      `${what} answered ${response.status}: ${JSON.stringify(response.json)}`,
    );
    assert.equal(response.json.code, 'BAD_ARGUMENT', what);
    assert.match(response.json.message as string, /bogus: unknown field 'bogus'/, what);
    const issues = (response.json.details as { issues: Issue[] }).issues;
    assert.deepEqual(issues, [{ field: 'bogus', message: "unknown field 'bogus'" }], what);
  };

  it('covers every operation of the API', () => {
    assert.ok(operations.length >= 20, `${operations.length} operations`);
    assert.ok(operations.some((op) => op.method === 'POST' && op.path === '/api/runs/{id}/cancel'));
  });

  it('refuses an unknown query parameter on every operation, naming it', async () => {
    for (const op of operations) {
      const valid = VALID_QUERY[op.path]?.replace(/=$/, `=${run}`);
      const query = [valid, 'bogus=1'].filter(Boolean).join('&');
      const body = op.body ? VALID_BODY[`${op.method} ${op.path}`] : undefined;
      const response = await sb.call(op.method, `${op.url}?${query}`, body);
      assertNamesBogus(response, `${op.method} ${op.url}?${query}`);
    }
  });

  it('refuses an unknown body field on every operation that takes a body or none, naming it', async () => {
    const writes = operations.filter((op) => op.method !== 'GET');
    assert.ok(writes.length >= 8);
    for (const op of writes) {
      const body = { ...VALID_BODY[`${op.method} ${op.path}`], bogus: 1 };
      assertNamesBogus(
        await sb.call(op.method, op.url, body),
        `${op.method} ${op.url} ${JSON.stringify(body)}`,
      );
    }
    // Nothing was done: no run created, executed or replayed, no datacentre written.
    assert.deepEqual(
      ((await sb.call('GET', '/api/runs')).json as unknown as { id: string }[]).map((r) => r.id),
      [run],
    );
    assert.equal((await sb.store.listSteps(run)).length, 2);
    assert.deepEqual(
      (await sb.store.listAudit()).map((a) => a.action),
      ['create', 'execute'],
    );
  });

  it('takes an empty body, or {}, where none is expected; anything else is refused', async () => {
    const cancel = `/api/runs/${run}/cancel`;
    assert.equal((await sb.call('POST', cancel)).status, 409, 'not executing: the body was fine');
    assert.equal((await sb.call('POST', cancel, {})).status, 409);
    const notJson = await sb.call('POST', cancel, 'hello');
    assert.equal(notJson.status, 400);
    assert.match(notJson.json.message as string, /takes no body/);
    const started = await sb.call('POST', `/api/runs/${run}/cells/first/execute`, {});
    assert.equal(started.status, 202, started.text);
    assert.equal((await sb.settle(run)).status, 'succeeded');
  });
});
