import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datacentreJsonSchema } from '../../../server/runbook/datacentre-schema.ts';
import {
  emptyValue,
  fieldKind,
  propertyOrder,
  schemaAt,
  type JsonSchema,
} from '../../../web/lib/json-schema.ts';

const schema = datacentreJsonSchema() as JsonSchema;
const kindAt = (...path: (string | number)[]) => fieldKind(schemaAt(schema, path) ?? {});

describe('json-schema', () => {
  it('reads every kind of field the datacentre profile has', () => {
    assert.equal(kindAt(), 'object');
    assert.equal(kindAt('name'), 'string');
    assert.equal(kindAt('machines'), 'array');
    assert.equal(kindAt('machines', 0), 'object');
    assert.equal(kindAt('machines', 0, 'mac'), 'list');
    assert.equal(kindAt('machines', 0, 'mac', 0), 'string');
    assert.equal(kindAt('machines', 0, 'pm_port'), 'number');
    assert.equal(kindAt('machines', 0, 'pm_password'), 'secret');
    assert.equal(kindAt('machines', 0, 'labels'), 'list');
    assert.equal(kindAt('network', 'dhcp_range'), 'tuple');
    assert.equal(kindAt('network', 'vlans'), 'array');
    assert.equal(kindAt('images', 'mirrors'), 'record');
    assert.equal(kindAt('params'), 'record');
    assert.equal(kindAt('params', 'anything'), 'any');
    assert.equal(schemaAt(schema, ['machines', 0, 'colour']), undefined);
  });

  it('reads enums and booleans, which driver schemas have', () => {
    assert.equal(fieldKind({ enum: ['pxe', 'disk'] }), 'enum');
    assert.equal(fieldKind({ type: 'boolean' }), 'boolean');
    assert.equal(fieldKind({ type: ['integer', 'null'] }), 'number');
  });

  it('makes new items from required fields and defaults', () => {
    assert.deepEqual(emptyValue(schemaAt(schema, ['network', 'vlans', 0])!), { id: '', name: '' });
    assert.deepEqual(emptyValue(schemaAt(schema, ['machines', 0, 'pm_password'])!), { secret: '' });
    assert.equal(emptyValue(schemaAt(schema, ['machines', 0, 'arch'])!), 'x86_64');
  });

  it('gives the declared order of an object, through lists', () => {
    assert.deepEqual(propertyOrder(schema, ['machines', 3]).slice(0, 3), ['name', 'mac', 'cpu']);
    assert.deepEqual(propertyOrder(schema, ['params']), []);
  });
});
