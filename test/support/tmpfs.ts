// A small tmpfs as a runs directory: a real disk that fills up (ENOSPC) or is read-only (EROFS),
// which running as root makes impossible to get from permissions. Mounting needs root (or
// CAP_SYS_ADMIN); where it is refused, the tests that need it are skipped and say why.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

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

/** Fills the file system holding `dir` to the last byte with one file. */
export function fillUp(file: string): void {
  // dd stops at ENOSPC and reports it; what matters is that no byte is left.
  spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4096'], { encoding: 'utf8' });
}
