import { FlowLayout } from '@lit-labs/virtualizer/layouts/flow.js';

/**
 * The virtualiser's flow layout, rendering rows 360 px beyond each edge of the view instead of 1,000: still a
 * PageUp/PageDown ahead, with under half the rows (about 60 in a 22rem view, not 130). Each layout pass
 * positions every rendered row through a lookup that walks all of them, so its cost grows with the square of
 * their number, and a fling across a long output re-renders them all.
 */
export class OutputLayout extends FlowLayout {
  constructor(...args: ConstructorParameters<typeof FlowLayout>) {
    super(...args);
    this._overhang = 360;
  }
}
