import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  resolveArgs,
  resolveScript,
  shellQuote,
  type TemplateScope,
  type TemplateSite,
} from '../../../server/runbook/templates.ts';
import { StackbookError } from '../../../server/stackbook-error.ts';

const scope: TemplateScope = {
  dc: {
    name: 'lab',
    machines: [
      { name: 'n1; rm -rf /', mac: ['52:54:00:00:00:01'], pm_port: 6230, pm_password: { secret: 'IPMI_PW' } },
      { name: "it's $(id)", mac: ['52:54:00:00:00:02'], pm_port: 6231, pm_password: { secret: 'IPMI_PW' } },
    ],
    images: { extra_elements: ['vlan'] },
  },
  cells: { build: { path: '/tmp/image.qcow2', exit_code: 0 } },
  run: { id: 'RUN1', params: { size: 4 } },
};
const site: TemplateSite = {
  cell: 'c1',
  file: 'runbooks/x.md',
  lineOf: (field) => (field === 'machines' ? 12 : field.startsWith('script line') ? 20 : undefined),
};

function templateError(fn: () => unknown): StackbookError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StackbookError);
    assert.equal(error.code, 'TEMPLATE_ERROR');
    return error;
  }
  assert.fail('expected a TEMPLATE_ERROR');
}

describe('typed templates', () => {
  it('a whole-value template keeps its type', () => {
    const resolved = resolveArgs(
      {
        machines: '{{ dc.machines }}',
        size: '{{ run.params.size }}',
        elements: '{{dc.images.extra_elements}}',
      },
      scope,
      site,
    ) as Record<string, unknown>;
    assert.deepEqual(resolved.machines, (scope.dc as { machines: unknown }).machines);
    assert.equal(resolved.size, 4);
    assert.deepEqual(resolved.elements, ['vlan']);
  });

  it('templates inside text interpolate scalars; * projects over lists; [n] indexes', () => {
    const resolved = resolveArgs(
      {
        text: 'image at {{ cells.build.path }} for {{ dc.name }}',
        names: '{{ dc.machines.*.pm_port }}',
        first: '{{ dc.machines[1].mac[0] }}',
      },
      scope,
      site,
    );
    assert.deepEqual(resolved, {
      text: 'image at /tmp/image.qcow2 for lab',
      names: [6230, 6231],
      first: '52:54:00:00:00:02',
    });
  });

  it('secrets stay references: whole values only', () => {
    assert.deepEqual(resolveArgs({ password: '{{ secrets.OS_PASSWORD }}' }, scope, site), {
      password: { secret: 'OS_PASSWORD' },
    });
    const error = templateError(() =>
      resolveArgs({ url: 'http://admin:{{ secrets.OS_PASSWORD }}@host' }, scope, site),
    );
    assert.match(error.message, /secret must be a whole value/);
  });

  it('an unknown path names the cell, file, line and field, and what exists there', () => {
    const error = templateError(() => resolveArgs({ machines: '{{ dc.machine }}' }, scope, site));
    assert.equal(error.location?.line, 12);
    assert.equal(error.location?.field, 'machines');
    assert.match(
      error.message,
      /^runbooks\/x\.md:12: machines: cell 'c1': \{\{ dc\.machine \}\}: 'dc' has no 'machine' \(keys: name, machines, images\)/,
    );
    assert.match(
      templateError(() => resolveArgs('{{ nope.x }}', scope, site)).message,
      /unknown root 'nope'/,
    );
    assert.match(
      templateError(() => resolveArgs('{{ cells.later.x }}', scope, site)).message,
      /cell 'later' has no result in this run yet/,
    );
    assert.match(
      templateError(() => resolveArgs('{{ dc.machines.5 }}', scope, site)).message,
      /'dc.machines' has no '5' \(a list of 2\)/,
    );
    assert.match(
      templateError(() => resolveArgs('x {{ dc.machines }}', scope, site)).message,
      /cannot be part of a text/,
    );
  });

  it('placeholders stand in for results of cells not run yet (dry runs)', () => {
    assert.equal(
      resolveArgs('{{ cells.later.path }}', { ...scope, placeholders: true }, site),
      '<cells.later.path>',
    );
  });
});

describe('shell templates', () => {
  it('quotes every value: a machine named "n1; rm -rf /" stays one inert word', () => {
    const { script } = resolveScript(
      'for m in {{ dc.machines.*.name }}; do printf "[%s]\\n" "$m"; done\necho {{ dc.machines.1.name }}',
      scope,
      site,
    );
    const output = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.equal(output, "[n1; rm -rf /]\n[it's $(id)]\nit's $(id)\n");
  });

  it('a secret becomes an environment variable reference, never its value', () => {
    const { script, secretEnv } = resolveScript(
      'curl -u admin:{{ secrets.OS_PASSWORD }} x\nipmitool -E {{ dc.machines.0.pm_password }}',
      scope,
      site,
    );
    assert.equal(
      script,
      'curl -u admin:"$STACKBOOK_SECRET_OS_PASSWORD" x\nipmitool -E "$STACKBOOK_SECRET_IPMI_PW"',
    );
    assert.deepEqual(secretEnv, {
      STACKBOOK_SECRET_OS_PASSWORD: 'OS_PASSWORD',
      STACKBOOK_SECRET_IPMI_PW: 'IPMI_PW',
    });
  });

  it('errors name the script line', () => {
    const error = templateError(() => resolveScript('echo ok\necho {{ dc.nothing }}', scope, site));
    assert.equal(error.location?.field, 'script line 2');
    assert.equal(error.location?.line, 20);
  });

  it('shellQuote round-trips any text through bash', () => {
    for (const text of ["a'b", '$(id)', '`x`', 'a\nb', '', '"; rm -rf / #']) {
      assert.equal(execFileSync('bash', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8' }), text);
    }
  });
});
