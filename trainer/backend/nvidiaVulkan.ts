// `crate-lab doctor` on a machine with an NVIDIA GPU: WebGPU reaches it through Dawn's Vulkan
// backend, which needs the Vulkan loader (libvulkan.so.1) and the driver's Vulkan ICD manifest
// (nvidia_icd.json) where the loader looks. Containers often have neither (the H200 machines
// this project was measured on had the manifest but no loader). The facts are read here; the
// diagnosis is a pure function of them. No tfjs here.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface NvidiaFacts {
  /** /dev/nvidia0, /dev/nvidiactl, … */
  devNodes: string[];
  /** From nvidia-smi, when it runs. */
  smi?: { gpus: string[]; driver?: string };
  /** libvulkan.so.1 is in ldconfig's cache or on LD_LIBRARY_PATH. */
  vulkanLoader: boolean;
  /** NVIDIA ICD manifests the loader will read (its search path, or VK_DRIVER_FILES / VK_ICD_FILENAMES). */
  icdFiles: string[];
  /** An NVIDIA manifest outside that path (NVIDIA's container images put it under /usr/local/nvidia). */
  icdElsewhere?: string;
  /** /etc/os-release ID: debian, ubuntu, … */
  distro?: string;
  /** The WebGPU adapters Dawn lists, as labels ("NVIDIA H200 via Vulkan"). */
  adapters: string[];
}

export interface NvidiaDiagnosis {
  /** An NVIDIA GPU is present (device node or nvidia-smi). */
  present: boolean;
  /** WebGPU lists an NVIDIA adapter through Vulkan. */
  usable: boolean;
  /** What doctor prints: what is there, then each missing piece with the command that installs it. */
  lines: string[];
}

function driverMajor(driver: string | undefined): string {
  return driver?.match(/^(\d+)\./)?.[1] ?? '<driver major version>';
}

export function diagnoseNvidia(f: NvidiaFacts): NvidiaDiagnosis {
  const gpuNodes = f.devNodes.filter((d) => /^\/dev\/nvidia\d+$/.test(d));
  const present = gpuNodes.length > 0 || (f.smi?.gpus.length ?? 0) > 0;
  if (!present) return { present, usable: false, lines: [] };
  const names = f.smi?.gpus.length ? f.smi.gpus.join(', ') : `${gpuNodes.length} device node(s) ${gpuNodes.join(' ')}`;
  const driver = f.smi?.driver ? `, driver ${f.smi.driver}` : f.smi ? '' : ' (nvidia-smi not found)';
  const lines = [`NVIDIA GPU: ${names}${driver}`];
  const nvidiaAdapter = f.adapters.find((a) => /nvidia/i.test(a) && /via Vulkan/.test(a));
  if (nvidiaAdapter) return { present, usable: true, lines: [...lines, `WebGPU uses it: ${nvidiaAdapter}`] };
  const apt = f.distro === 'debian' || f.distro === 'ubuntu';
  if (!f.vulkanLoader) {
    lines.push(`missing: the Vulkan loader libvulkan.so.1; install it: ${apt ? 'apt-get install libvulkan1' : 'the package that has libvulkan.so.1 (libvulkan1 on Debian/Ubuntu, vulkan-loader on Fedora/Arch)'}`);
  }
  if (f.icdFiles.length === 0) {
    if (f.icdElsewhere) {
      lines.push(`missing: the NVIDIA Vulkan ICD in the loader's search path; the driver's is at ${f.icdElsewhere}: export VK_DRIVER_FILES=${f.icdElsewhere}`);
    } else {
      const install =
        f.distro === 'ubuntu'
          ? `apt-get install libnvidia-gl-${driverMajor(f.smi?.driver)}`
          : f.distro === 'debian'
            ? 'apt-get install nvidia-vulkan-icd'
            : "your distribution's NVIDIA Vulkan driver package";
      lines.push(
        `missing: the NVIDIA Vulkan ICD file nvidia_icd.json (in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d); install it: ${install} (matching driver ${f.smi?.driver ?? 'version'}); in a container, start it with NVIDIA_DRIVER_CAPABILITIES=all so the runtime mounts it`,
      );
    }
  }
  if (f.vulkanLoader && f.icdFiles.length > 0) {
    lines.push(`the Vulkan loader and the NVIDIA ICD (${f.icdFiles.join(', ')}) are there, but Dawn lists no NVIDIA adapter: vulkaninfo --summary (apt-get install vulkan-tools) shows the loader's error`);
  }
  return { present, usable: false, lines };
}

// ---------------------------------------------------------------- reading the facts

/** Where the Vulkan loader looks for ICD manifests on Linux (its documented search order). */
export function icdSearchDirs(env: NodeJS.ProcessEnv): string[] {
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  return [...configDirs, '/usr/local/etc', '/etc', ...dataDirs].filter(Boolean).map((d) => join(d, 'vulkan', 'icd.d'));
}

/** NVIDIA's container images mount the driver's manifests here, outside the loader's path. */
const nvidiaMountedIcds = ['/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json', '/usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd.json'];

function isNvidiaIcd(file: string): boolean {
  if (/nvidia/i.test(file)) return true;
  try {
    return /nvidia/i.test((JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path ?? '');
  } catch {
    return false;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function loaderPresent(env: NodeJS.ProcessEnv): boolean {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0 && /\blibvulkan\.so\.1\b/.test(r.stdout)) return true;
  }
  return (env.LD_LIBRARY_PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'libvulkan.so.1')));
}

function nvidiaSmi(): NvidiaFacts['smi'] {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0 || r.error) return undefined;
  const rows = r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(',').map((c) => c.trim()));
  return { gpus: rows.map((r) => r[0]), driver: rows[0]?.[1] };
}

export function readNvidiaFacts(adapters: string[], env: NodeJS.ProcessEnv = process.env): NvidiaFacts {
  const devNodes = list('/dev')
    .filter((f) => f.startsWith('nvidia'))
    .map((f) => `/dev/${f}`);
  const chosen = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  const candidates = chosen !== undefined ? chosen.split(':').filter(Boolean) : icdSearchDirs(env).flatMap((d) => list(d).map((f) => join(d, f)));
  const icdFiles = candidates.filter((f) => existsSync(f) && isNvidiaIcd(f));
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  return {
    devNodes,
    smi: nvidiaSmi(),
    vulkanLoader: loaderPresent(env),
    icdFiles,
    icdElsewhere: nvidiaMountedIcds.find((f) => existsSync(f) && !icdFiles.includes(f)),
    distro: osRelease.match(/^ID="?([^"\n]+)"?$/m)?.[1],
    adapters,
  };
}
