// @ts-check
// The leader of code-server's process group (spawned detached by startCodeServer in
// vscodeEnv.mjs): runs it, passes its exit code on, and when the process that started it is gone
// (even SIGKILLed) stops the group and removes its temp dir, so no code-server outlives its test.
// argv: parent pid, dir to remove ('' for none), command, args…
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const [ppid, dir, cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: 'inherit' });
let orphan = false;
const finish = () => {
  if (dir) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // the group is still killed
    }
  }
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // gone
  }
  process.exit(1);
};
child.on('exit', (code, signal) => (orphan ? finish() : process.exit(code ?? (signal ? 1 : 0))));
child.on('error', (e) => {
  console.error(`cannot start ${cmd}: ${e.message}`);
  process.exit(127);
});
for (const s of /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP'])) process.on(s, () => child.kill(s));
setInterval(() => {
  if (orphan) return;
  try {
    process.kill(Number(ppid), 0);
  } catch {
    orphan = true;
    try {
      process.kill(-process.pid, 'SIGTERM');
    } catch {
      // gone
    }
    setTimeout(finish, 3000);
  }
}, 1000);
