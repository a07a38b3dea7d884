import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * ipmitool reads IANA's whole enterprise-number registry (4.7 MB, /usr/share/misc/enterprise-numbers.txt)
 * at every start, which is most of its CPU time per call; it looks in $HOME/.local/usr/share/misc first. A
 * HOME with a registry of one entry cuts each call's CPU about threefold, which counts when a cell drives
 * hundreds of BMCs. Only vendor names in `mc info` need the real registry, so that action keeps the
 * user's HOME.
 */
const REGISTRY = [
  'PRIVATE ENTERPRISE NUMBERS',
  '',
  'Decimal',
  '| Organization',
  '| | Contact',
  '| | | Email',
  '| | | | ',
  '0',
  '  Reserved',
  '    Internet Assigned Numbers Authority',
  '      iana&iana.org',
  '',
].join('\n');

const made = new Map<string, Promise<string>>();

/** A HOME for ipmitool inside the run's working directory, made once per run and process. */
export function ipmitoolHome(workdir: string): Promise<string> {
  const dir = path.join(workdir, '.stackbook', 'ipmitool-home');
  let ready = made.get(dir);
  if (!ready) {
    ready = (async () => {
      const misc = path.join(dir, '.local', 'usr', 'share', 'misc');
      await mkdir(misc, { recursive: true });
      await writeFile(path.join(misc, 'enterprise-numbers.txt'), REGISTRY);
      return dir;
    })();
    made.set(dir, ready);
    // A long-lived server sees many runs: remember only the recent ones.
    if (made.size > 64) made.delete(made.keys().next().value!);
  }
  return ready;
}
