// A small tmpfs as a runs directory: a real disk that fills up (ENOSPC) or is read-only (EROFS),
// which running as root makes impossible to get from permissions. Mounting needs root (or
// CAP_SYS_ADMIN); where it is refused, the tests that need it fail and say why, unless the user
// opted out with CRATE_LAB_SKIP_TMPFS.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { optedOut } from './optOut.js';

export interface Tmpfs {
  dir: string;
  /** Changes the size limit in place (the files stay). */
  resize(bytes: number): void;
  unmount(): void;
}

function mount(args: string[]): string | undefined {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : r.stderr.trim() || `mount exited ${r.status}`;
}

/** Mounts a tmpfs of `bytes` at `dir`; returns why not when it cannot. */
export function mountTmpfs(dir: string, bytes: number, options: { readOnly?: boolean } = {}): Tmpfs | string {
  mkdirSync(dir, { recursive: true });
  const failure = mount(['-t', 'tmpfs', '-o', `${options.readOnly ? 'ro,' : ''}size=${bytes}`, 'tmpfs', dir]);
  if (failure) return failure;
  return {
    dir,
    resize(size) {
      const why = mount(['-o', `remount,size=${size}`, dir]);
      if (why) throw new Error(`cannot resize the tmpfs at ${dir}: ${why}`);
    },
    unmount() {
      spawnSync('umount', [dir]);
    },
  };
}

/**
 * A tmpfs for test `t`: undefined after skipping `t` when the user opted out; throws why it cannot
 * be mounted otherwise, so the test fails with the reason instead of passing untested.
 */
export function tmpfsForTest(t: TestContext, dir: string, bytes: number, options: { readOnly?: boolean } = {}): Tmpfs | undefined {
  const skip = optedOut('tmpfs');
  if (skip) {
    t.skip(skip);
    return undefined;
  }
  const disk = mountTmpfs(dir, bytes, options);
  if (typeof disk === 'string') {
    throw new Error(`cannot mount a tmpfs at ${dir}: ${disk} (needs root or CAP_SYS_ADMIN; CRATE_LAB_SKIP_TMPFS=1 skips this test)`);
  }
  return disk;
}

/** Fills the file system holding `dir` to the last byte with one file. */
export function fillUp(file: string): void {
  // dd stops at ENOSPC and reports it; what matters is that no byte is left.
  spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4096'], { encoding: 'utf8' });
}
