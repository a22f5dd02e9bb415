// What each panel kind is fed: its first data after `ready`, and the increments that follow as the
// server pushes events. All data comes from the language server's run manager.
import type { ServerConnection } from '../serverConnection.js';
import { CompareRunsRequest, GetAttentionRequest, GetLayerMetricsRequest, GetScalarsRequest } from '../../protocol/customMessages.js';
import type { HostToPanelMessage, PanelState, ScalarArrays, StudyTableId } from '../../protocol/panelMessages.js';
import { studyFeed, type StudyExport } from './studyFeed.js';
import { type EventsAppendedParams, resumedAtStep, type ScalarSeries, scalarsOfEvent } from '../../protocol/runData.js';

/** Points per series the dashboard gets at first (min/max per bucket); exports read full fidelity. */
const dashboardPoints = 20_000;
const comparePoints = 4_000;
/** The compare panel re-asks at most this often while its runs train. */
const compareRefreshMs = 2_000;

export interface Feed {
  /** Everything the panel shows, after its `ready`. */
  start(): Promise<void>;
  eventsAppended(p: EventsAppendedParams): Promise<void>;
  requestAttention?(runDir: string, step: number): Promise<void>;
  /** Compare panel: the text of a study table as last sent, to save. */
  studyExport?(table: StudyTableId, format: 'csv' | 'latex'): StudyExport | undefined;
  dispose?(): void;
}

type Post = (m: HostToPanelMessage) => void;

export function toArrays(s: ScalarSeries): ScalarArrays {
  return { step: Float64Array.from(s.step), value: Float32Array.from(s.value) };
}

function decodeFloat32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  // Copy into an aligned buffer: Buffer.from may share a pool at any offset.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function createFeed(state: PanelState, server: ServerConnection, post: Post): Feed {
  switch (state.kind) {
    case 'dashboard':
      return dashboardFeed(state.runDirs, server, post);
    case 'layers':
      return layersFeed(state.runDirs, server, post);
    case 'attention':
      return attentionFeed(state.runDirs[0], server, post);
    case 'compare':
      return compareFeed(state.runDirs, server, post);
  }
}

function dashboardFeed(runDirs: string[], server: ServerConnection, post: Post): Feed {
  const sendAll = async (runDir: string) => {
    const r = await server.sendRequest(GetScalarsRequest.type, { runDir, maxPoints: dashboardPoints });
    const series: Record<string, ScalarArrays> = {};
    for (const [key, s] of Object.entries(r.series)) series[key] = toArrays(s);
    post({ type: 'scalars', runDir, replace: true, series, marks: { resumedAt: r.resumedAt, ...(r.stepsPerEpoch ? { stepsPerEpoch: r.stepsPerEpoch } : {}) } });
  };
  return {
    start: async () => void (await Promise.all(runDirs.map(sendAll))),
    async eventsAppended({ runDir, events, reset }) {
      if (!runDirs.includes(runDir)) return;
      if (reset) return sendAll(runDir);
      const columns = new Map<string, { step: number[]; value: number[] }>();
      const resumedAt: number[] = [];
      for (const e of events) {
        const resumed = resumedAtStep(e);
        if (resumed !== undefined) resumedAt.push(resumed);
        for (const [key, value] of Object.entries(scalarsOfEvent(e))) {
          let c = columns.get(key);
          if (!c) columns.set(key, (c = { step: [], value: [] }));
          c.step.push(e.step ?? 0);
          c.value.push(value);
        }
      }
      if (columns.size === 0 && resumedAt.length === 0) return;
      const series = Object.fromEntries([...columns].map(([k, s]) => [k, toArrays(s)]));
      post({ type: 'scalars', runDir, replace: false, series, ...(resumedAt.length ? { marks: { resumedAt } } : {}) });
    },
  };
}

function layersFeed(runDirs: string[], server: ServerConnection, post: Post): Feed {
  const sendAll = async (runDir: string) => {
    const r = await server.sendRequest(GetLayerMetricsRequest.type, { runDir });
    post({ type: 'layers', runDir, replace: true, points: r.points });
  };
  return {
    start: async () => void (await Promise.all(runDirs.map(sendAll))),
    async eventsAppended({ runDir, events, reset }) {
      if (!runDirs.includes(runDir)) return;
      if (reset) return sendAll(runDir);
      const points = events.flatMap((e) => (e.type === 'layers' ? [{ step: e.step, layers: e.layers }] : []));
      if (points.length > 0) post({ type: 'layers', runDir, replace: false, points });
    },
  };
}

function attentionFeed(runDir: string, server: ServerConnection, post: Post): Feed {
  // Follows the newest maps until the user picks an older step.
  let following = true;
  const send = async (step: number) => {
    const r = await server.sendRequest(GetAttentionRequest.type, { runDir, step });
    if (!r) {
      post({ type: 'error', message: 'This run has no attention maps yet (they come with each introspection step).' });
      return;
    }
    following = r.step === r.steps.at(-1);
    const { data, encoding: _encoding, probe, ...meta } = r;
    post({
      type: 'attention',
      ...meta,
      maps: decodeFloat32(data),
      probe: probe ? { images: probe.images, channels: probe.channels, height: probe.height, width: probe.width, data: decodeFloat32(probe.data) } : null,
    });
  };
  return {
    start: () => send(Number.MAX_SAFE_INTEGER),
    async eventsAppended(p) {
      if (p.runDir !== runDir) return;
      if (p.reset || (following && p.events.some((e) => e.type === 'attention'))) await send(Number.MAX_SAFE_INTEGER);
    },
    requestAttention: (_dir, step) => send(step),
  };
}

function compareFeed(runDirs: string[], server: ServerConnection, post: Post): Feed {
  let timer: NodeJS.Timeout | undefined;
  const study = studyFeed(runDirs, server, post);
  const send = async () => post({ type: 'compare', result: await server.sendRequest(CompareRunsRequest.type, { runDirs, maxPoints: comparePoints }) });
  return {
    start: async () => void (await Promise.all([send(), study.start()])),
    studyExport: (table, format) => study.exportText(table, format),
    async eventsAppended(p) {
      const { runDir } = p;
      study.eventsAppended(p);
      if (!runDirs.includes(runDir) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void send().catch(() => undefined);
      }, compareRefreshMs);
    },
    dispose: () => {
      clearTimeout(timer);
      study.dispose();
    },
  };
}
