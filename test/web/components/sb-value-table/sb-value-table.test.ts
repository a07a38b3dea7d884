import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser } from '../../../helpers/browser.ts';
import { componentPage } from '../../../helpers/component-page.ts';

describe('<sb-value-table>', () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    browser = await launchBrowser();
    page = await componentPage(browser, 'web/components/sb-value-table/sb-value-table.ts');
  });
  after(async () => {
    await browser?.close();
  });

  /** Renders `value` in a fresh element and answers it. */
  const show = async (value: unknown): Promise<Locator> => {
    await page.evaluate(async (v) => {
      const table = document.createElement('sb-value-table');
      table.value = v;
      document.body.replaceChildren(table);
      await table.updateComplete;
    }, value);
    return page.locator('sb-value-table');
  };
  /** The cells of a table, row by row. */
  const cells = (table: Locator) =>
    table.evaluate((element) =>
      [...element.querySelectorAll(':scope > tr, :scope > tbody > tr')].map((row) =>
        [...row.children].map((cell) => (cell as HTMLElement).innerText.trim()),
      ),
    );
  const html = () => page.locator('sb-value-table').evaluate((element) => element.shadowRoot!.innerHTML);

  it('shows an object as a row per key', async () => {
    const view = await show({ exit_code: 0, machines: '3', ok: true, note: null });
    assert.equal(await view.locator('table').count(), 1);
    assert.deepEqual(await cells(view.locator('table')), [
      ['exit_code', '0'],
      ['machines', '3'],
      ['ok', 'true'],
      ['note', '–'],
    ]);
    assert.deepEqual(await view.locator('th').allInnerTexts(), ['exit_code', 'machines', 'ok', 'note']);
  });

  it('shows a list of objects as one table, a column per key in order of appearance', async () => {
    const view = await show([
      { name: 'n1', mac: '52:54:00:00:00:01' },
      { name: 'n2', power: 'on' },
    ]);
    assert.equal(await view.locator('table').count(), 1);
    assert.deepEqual(await cells(view.locator('table')), [
      ['name', 'mac', 'power'],
      ['n1', '52:54:00:00:00:01', '–'],
      ['n2', '–', 'on'],
    ]);
  });

  it('shows a list of scalars as a list', async () => {
    const view = await show(['eth0', 'eth1', 3]);
    assert.equal(await view.locator('table').count(), 0);
    assert.deepEqual(await view.locator('li').allInnerTexts(), ['eth0', 'eth1', '3']);
  });

  it('nests tables and lists', async () => {
    const view = await show({ site: 'lab', machines: [{ name: 'a', nics: ['m1', 'm2'] }] });
    const outer = view.locator('table').first();
    assert.deepEqual(
      (await cells(outer)).map((row) => row[0]),
      ['site', 'machines'],
    );
    const inner = outer.locator('td table');
    assert.deepEqual(await cells(inner), [
      ['name', 'nics'],
      ['a', 'm1\nm2'],
    ]);
    assert.deepEqual(await inner.locator('li').allInnerTexts(), ['m1', 'm2']);
  });

  it('shows a secret reference by its name, never as an object to expand', async () => {
    let view = await show({ secret: 'IPMI_PASSWORD' });
    assert.equal(await view.locator('table').count(), 0);
    assert.equal(await view.locator('.secret').innerText(), '«secret IPMI_PASSWORD»');
    view = await show({ user: 'admin', password: { secret: 'IPMI_PASSWORD' } });
    assert.deepEqual(await cells(view.locator('table')), [
      ['user', 'admin'],
      ['password', '«secret IPMI_PASSWORD»'],
    ]);
    assert.equal(await view.locator('table').count(), 1, 'the reference is not a nested table');
    // A list holding references is a list, not a table with a "secret" column.
    view = await show([{ secret: 'A' }, { secret: 'B' }]);
    assert.equal(await view.locator('table').count(), 0);
    assert.deepEqual(await view.locator('li').allInnerTexts(), ['«secret A»', '«secret B»']);
    // An object with a `secret` key among others is data, shown as such.
    view = await show({ secret: 'yes', other: 1 });
    assert.deepEqual(await cells(view.locator('table')), [
      ['secret', 'yes'],
      ['other', '1'],
    ]);
  });

  it('keeps keys and values as text: markup in them never becomes elements', async () => {
    const view = await show({ '<b>key</b>': '<img src=x onerror="window.sbPwned = 1">' });
    assert.deepEqual(await cells(view.locator('table')), [
      ['<b>key</b>', '<img src=x onerror="window.sbPwned = 1">'],
    ]);
    assert.equal(await view.locator('img, b').count(), 0);
    assert.doesNotMatch(await html(), /<img|<b>/);
    assert.equal(await page.evaluate(() => (window as unknown as { sbPwned?: number }).sbPwned), undefined);
  });

  it('shows scalars as they are and nothing for undefined', async () => {
    assert.equal(await (await show(0)).evaluate((element) => element.shadowRoot!.textContent), '0');
    assert.equal(await (await show('plain')).evaluate((element) => element.shadowRoot!.textContent), 'plain');
    assert.equal(await (await show(null)).evaluate((element) => element.shadowRoot!.textContent), '–');
    assert.equal(await (await show(undefined)).evaluate((element) => element.shadowRoot!.textContent), '');
  });
});
