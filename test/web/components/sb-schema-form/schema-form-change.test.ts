import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdit } from '../../../../web/components/sb-schema-form/schema-form-change.ts';

describe('applyEdit', () => {
  const root = { machines: [{ name: 'a', mac: '52:54:00:00:00:01' }], params: { x: 1, y: 2 } };

  it('sets a value and copies only along the path', () => {
    const next = applyEdit(root, { op: 'set', path: ['machines', 0, 'name'], value: 'b' }) as typeof root;
    assert.equal(next.machines[0]!.name, 'b');
    assert.equal(root.machines[0]!.name, 'a');
    assert.equal(next.params, root.params);
  });

  it('appends to a list and turns a lone value into a list when an index is addressed', () => {
    const next = applyEdit(root, { op: 'set', path: ['machines', 0, 'mac', 1], value: 'm2' }) as {
      machines: { mac: string[] }[];
    };
    assert.deepEqual(next.machines[0]!.mac, ['52:54:00:00:00:01', 'm2']);
    const created = applyEdit({}, { op: 'set', path: ['network', 'dns', 0], value: '10.0.0.1' });
    assert.deepEqual(created, { network: { dns: ['10.0.0.1'] } });
  });

  it('deletes keys and list items', () => {
    assert.deepEqual(applyEdit(root, { op: 'delete', path: ['machines', 0] }), { ...root, machines: [] });
    assert.deepEqual(applyEdit(root, { op: 'delete', path: ['params', 'x'] }), { ...root, params: { y: 2 } });
  });

  it('renames a key in place, and not over an existing one', () => {
    const next = applyEdit(root, { op: 'rename', path: ['params', 'x'], key: 'z' }) as typeof root;
    assert.deepEqual(Object.entries(next.params), [
      ['z', 1],
      ['y', 2],
    ]);
    assert.deepEqual(applyEdit(root, { op: 'rename', path: ['params', 'x'], key: 'y' }), root);
  });
});
