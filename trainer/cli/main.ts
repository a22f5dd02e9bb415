import { tf } from '../tf.js';

async function main(): Promise<void> {
  await tf.ready();
  process.stdout.write(`crate-lab (tfjs ${tf.version_core}, backend ${tf.getBackend()})\n`);
}

void main();
