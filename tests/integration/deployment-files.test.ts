/**
 * The deployment files in infra/deploy cannot run here (no container engine, no Kubernetes),
 * so this checks what can be checked without them: every file parses; every metric and label
 * the Grafana dashboard and the Prometheus rules use is one the server exports; every variable
 * the manifests and the systemd environment set is one the server reads; the paths the
 * container image, the systemd unit and the Kubernetes manifests share agree; and, where
 * systemd-analyze exists, the unit verifies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema, loadConfig } from '../../apps/server/src/config/config.ts';
import type { WorkerPool } from '../../apps/server/src/media/worker-pool.ts';
import type { MediaCensus } from '../../apps/server/src/metrics/metrics.ts';
import { ServerMetrics } from '../../apps/server/src/metrics/metrics.ts';

const deployDir = new URL('../../infra/deploy/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, deployDir), 'utf8');

/** Every metric the server exports, with its labels, from a real ServerMetrics. */
function exportedMetrics(): Map<string, readonly string[]> {
  const pool = { workers: [], probe: async () => [] } as unknown as WorkerPool;
  const census: MediaCensus = {
    rooms: () => 0,
    counts: () => ({ transports: 0, producers: 0, consumers: 0 }),
    bitrates: async () => ({ recv: 0, send: 0 }),
  };
  const { registry } = new ServerMetrics(pool, census);
  return new Map(
    registry
      .getMetricsAsArray()
      .map((metric) => [
        metric.name,
        (metric as unknown as { labelNames: readonly string[] }).labelNames ?? [],
      ]),
  );
}

/** Labels Prometheus adds to every series: the target's, and the ones prometheus.yml sets. */
const targetLabels = ['instance', 'job', 'role', 'pod'];
/** Series Prometheus makes itself. */
const syntheticMetrics = new Map([['up', [] as readonly string[]]]);

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
]);

/** The metric names and the label names one PromQL expression uses. */
function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_match, matchers: string) => {
    for (const [, name] of matchers.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)) {
      labels.push(name ?? '');
    }
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g, (_match, names: string) => {
    labels.push(
      ...names
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const metrics = [...rest.matchAll(/[A-Za-z_:][\w:]*(?!\s*\()/g)]
    .map(([name]) => name)
    .filter((name) => !PROMQL_KEYWORDS.has(name) && !/^\d/.test(name))
    // The lookahead stops a function name one character short; drop those fragments.
    .filter((name) => !new RegExp(`\\b${name}\\w*\\s*\\(`).test(rest));
  return { metrics, labels };
}

function expectKnownNames(expr: string, templateLabels: string[] = []) {
  const exported = exportedMetrics();
  const { metrics, labels } = promqlNames(expr);
  expect(metrics.length, `${expr} names no metric`).toBeGreaterThan(0);
  const allowedLabels = new Set(targetLabels);
  for (const metric of metrics) {
    const known = exported.get(metric) ?? syntheticMetrics.get(metric);
    expect(known, `${metric} (in ${expr}) is not exported by metrics.ts`).toBeDefined();
    for (const label of known ?? []) allowedLabels.add(label);
  }
  for (const label of [...labels, ...templateLabels]) {
    expect(allowedLabels.has(label), `label ${label} (in ${expr}) does not exist`).toBe(true);
  }
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(read('grafana/skjerm-dashboard.json'));
  const targets = (dashboard.panels as { title: string; targets?: object[] }[]).flatMap(
    (panel) => (panel.targets ?? []) as { expr: string; legendFormat?: string }[],
  );

  it('queries only metrics and labels the server exports', () => {
    expect(targets.length).toBeGreaterThan(10);
    for (const { expr, legendFormat = '' } of targets) {
      const legendLabels = [...legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map(
        ([, l]) => l ?? '',
      );
      expectKnownNames(expr, legendLabels);
    }
    const instances = dashboard.templating.list.find(
      (v: { name: string }) => v.name === 'instance',
    );
    expect(instances.definition).toBe('label_values(skjerm_media_workers, instance)');
    expect(exportedMetrics().has('skjerm_media_workers')).toBe(true);
  });

  it('shows every metric the server exports somewhere', () => {
    const used = new Set(targets.flatMap(({ expr }) => promqlNames(expr).metrics));
    expect([...exportedMetrics().keys()].filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('Prometheus configuration', () => {
  it('parses and points at a rules file that exists', () => {
    const config = parse(read('prometheus/prometheus.yml'));
    expect(config.scrape_configs.map((job: { job_name: string }) => job.job_name)).toEqual([
      'skjerm',
      'skjerm-kubernetes',
    ]);
    for (const job of config.scrape_configs) {
      expect(job).toMatchObject({ scheme: 'https', metrics_path: '/metrics' });
    }
    for (const file of config.rule_files) {
      expect(existsSync(new URL(`prometheus/${file}`, deployDir))).toBe(true);
    }
  });

  it('alerts only on metrics and labels the server exports', () => {
    const rules = parse(read('prometheus/skjerm-rules.yml'));
    const all = rules.groups.flatMap((group: { rules: object[] }) => group.rules) as {
      expr: string;
      annotations: { summary: string };
    }[];
    expect(all.length).toBeGreaterThan(3);
    for (const { expr, annotations } of all) {
      const used = [...annotations.summary.matchAll(/\$labels\.(\w+)/g)].map(([, l]) => l ?? '');
      expectKnownNames(expr, used);
    }
  });
});

describe('Kubernetes manifests', () => {
  const kustomization = parse(read('kubernetes/kustomization.yaml'));
  const documents = (kustomization.resources as string[]).flatMap((file) =>
    parseAllDocuments(read(`kubernetes/${file}`)).map((document) => {
      expect(document.errors, file).toEqual([]);
      return document.toJS();
    }),
  );
  const byKind = (kind: string) => documents.find((document) => document.kind === kind);

  it('are well-formed objects, each with a kind and a name', () => {
    expect(documents.map((document) => document.kind).sort()).toEqual([
      'ConfigMap',
      'Namespace',
      'Service',
      'StatefulSet',
    ]);
    for (const document of documents) {
      expect(document.apiVersion).toMatch(/^(v1|apps\/v1)$/);
      expect(document.metadata.name).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('set only variables the server reads, and keep the TURN secret out of the ConfigMap', () => {
    const known = new Set(Object.keys(configSchema.properties));
    const config = byKind('ConfigMap').data as Record<string, string>;
    const container = byKind('StatefulSet').spec.template.spec.containers[0];
    const names = [
      ...Object.keys(config),
      ...container.env.map((variable: { name: string }) => variable.name),
    ];
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    expect(Object.keys(config)).not.toContain('SKJERM_TURN_SECRET');
    expect(container.envFrom).toContainEqual({ secretRef: { name: 'skjerm-secrets' } });
  });

  it('open a UDP and a TCP port on the node for every media worker', () => {
    const config = byKind('ConfigMap').data as Record<string, string>;
    const pod = byKind('StatefulSet').spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    const first = Number(config.SKJERM_MEDIA_PORT);
    const workers = Number(config.SKJERM_MEDIA_WORKERS);
    const declared = pod.containers[0].ports
      .filter((port: { name: string }) => port.name.startsWith('media-'))
      .map(
        (port: { containerPort: number; protocol: string }) =>
          `${port.containerPort}/${port.protocol}`,
      )
      .sort();
    const expected = Array.from({ length: workers }, (_, n) => [
      `${first + n}/TCP`,
      `${first + n}/UDP`,
    ]).flat();
    expect(declared).toEqual(expected.sort());
  });

  it('run the image as the user and with the paths the Containerfile gives it', () => {
    const containerfile = read('container/Containerfile');
    const pod = byKind('StatefulSet').spec.template.spec;
    expect(containerfile).toContain(`--uid ${pod.securityContext.runAsUser}`);
    expect(containerfile).toContain('SKJERM_DATA_DIR=/var/lib/skjerm');
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'data',
      mountPath: '/var/lib/skjerm',
    });
  });
});

describe('systemd unit', () => {
  const unit = read('systemd/skjerm.service');

  it('starts the same runtime tree the container image carries', () => {
    const containerfile = read('container/Containerfile');
    const buildScript = read('container/build.mjs');
    expect(unit).toContain('ExecStart=/opt/skjerm/node/bin/node apps/server/src/main.ts');
    expect(containerfile).toContain(
      'ENTRYPOINT ["/opt/skjerm/node/bin/node", "apps/server/src/main.ts"]',
    );
    for (const text of [unit, containerfile]) {
      expect(text).toContain('MEDIASOUP_WORKER_BIN=/opt/skjerm/bin/mediasoup-worker');
    }
    expect(buildScript).toContain("join(out, 'bin', 'mediasoup-worker')");
    expect(buildScript).toContain("'apps/server/src'");
  });

  it('has an example environment the server refuses until its placeholder secret is replaced', () => {
    const env = Object.fromEntries(
      read('systemd/skjerm.env.example')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const known = new Set(Object.keys(configSchema.properties));
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(() => loadConfig(env)).toThrow(/SKJERM_TURN_SECRET/);
    const config = loadConfig({ ...env, SKJERM_TURN_SECRET: 'x'.repeat(44) });
    expect(config.turn?.urls).toHaveLength(2);
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!analyze)('passes systemd-analyze verify', () => {
    // verify checks that ExecStart exists: give it a root with a stand-in for the node binary
    // and the system's own units (for the targets the unit orders itself against).
    const root = mkdtempSync(join(tmpdir(), 'skjerm-systemd-'));
    try {
      const node = join(root, 'opt/skjerm/node/bin/node');
      mkdirSync(join(node, '..'), { recursive: true });
      writeFileSync(node, '#!/bin/sh\n');
      chmodSync(node, 0o755);
      for (const dir of ['lib/systemd/system', 'usr/lib/systemd/system']) {
        if (existsSync(`/${dir}`))
          cpSync(`/${dir}`, join(root, dir), { recursive: true, verbatimSymlinks: true });
      }
      mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
      writeFileSync(join(root, 'etc/systemd/system/skjerm.service'), unit);
      const output = execFileSync(
        'systemd-analyze',
        ['verify', `--root=${root}`, 'skjerm.service'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(output).toBe('');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
