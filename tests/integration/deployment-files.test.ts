/**
 * The deployment files in infra/deploy cannot run here (no container engine, no Kubernetes),
 * so this checks what can be checked without them: every file parses; every metric and label
 * the Grafana dashboard and the Prometheus rules use is one the server exports; every variable
 * the manifests and the systemd environment set is one the server reads; the paths the
 * container image, the systemd units and the Kubernetes manifests share agree; each role
 * (all, signaling, media) is configured as the server expects it; and, where systemd-analyze
 * exists, every unit verifies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
      'skjerm-signaling',
      'skjerm-media',
      'skjerm-kubernetes',
      'skjerm-kubernetes-media',
    ]);
    for (const job of config.scrape_configs) {
      // Media nodes serve /metrics on the private cluster port, without TLS; the rest HTTPS.
      const scheme = job.job_name.endsWith('media') ? 'http' : 'https';
      expect(job).toMatchObject({ scheme, metrics_path: '/metrics' });
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

/** The Kubernetes objects a kustomization renders (its resources, files or directories). */
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
  spec?: any;
  data?: Record<string, string>;
}
interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  envFrom?: object[];
  ports?: { name: string; containerPort: number; hostPort?: number; protocol: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  startupProbe?: { httpGet: { path: string; port: string; scheme: string } };
  readinessProbe?: { httpGet: { path: string; port: string; scheme: string } };
  livenessProbe?: { httpGet: { path: string; port: string; scheme: string } };
}

const kubernetesDir = 'kubernetes/';

function loadKustomization(dir: string, files = new Set<string>()) {
  const kustomization = parse(read(`${dir}kustomization.yaml`));
  const documents: KubeObject[] = [];
  for (const resource of kustomization.resources as string[]) {
    const path = new URL(`${dir}${resource}`, deployDir).pathname.slice(deployDir.pathname.length);
    if (existsSync(new URL(`${path}/kustomization.yaml`, deployDir))) {
      documents.push(...loadKustomization(`${path}/`, files).documents);
      continue;
    }
    files.add(path);
    for (const document of parseAllDocuments(read(path))) {
      expect(document.errors, path).toEqual([]);
      documents.push(document.toJS());
    }
  }
  return { kustomization, documents, files };
}

/** Every manifest file under kubernetes/, relative to infra/deploy/. */
function manifestFiles(dir = kubernetesDir): string[] {
  return readdirSync(new URL(dir, deployDir), { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return manifestFiles(`${dir}${entry.name}/`);
    return /\.ya?ml$/.test(entry.name) && entry.name !== 'kustomization.yaml'
      ? [`${dir}${entry.name}`]
      : [];
  });
}

const layouts = {
  'single-process': loadKustomization(kubernetesDir),
  cluster: loadKustomization(`${kubernetesDir}cluster/`),
};
const knownVariables = new Set(Object.keys(configSchema.properties));
const secretVariables = [
  'SKJERM_TURN_SECRET',
  'SKJERM_METRICS_TOKEN',
  'SKJERM_CLUSTER_SECRET',
  'SKJERM_REDIS_URL',
];

function find(documents: KubeObject[], kind: string, name: string): KubeObject {
  const found = documents.find((d) => d.kind === kind && d.metadata.name === name);
  expect(found, `${kind} ${name}`).toBeDefined();
  return found as KubeObject;
}
const skjermContainer = (workload: KubeObject): Container =>
  (workload.spec.template.spec.containers as Container[]).find(
    (c) => c.image === 'skjerm',
  ) as Container;
const envValue = (container: Container, name: string) =>
  container.env?.find((variable) => variable.name === name);
const mediaPorts = (container: Container) =>
  (container.ports ?? [])
    .filter((port) => port.name.startsWith('media-'))
    .map((port) => `${port.containerPort}/${port.protocol}`)
    .sort();
const expectedMediaPorts = (config: Record<string, string>) =>
  Array.from({ length: Number(config.SKJERM_MEDIA_WORKERS) }, (_, n) => [
    `${Number(config.SKJERM_MEDIA_PORT) + n}/TCP`,
    `${Number(config.SKJERM_MEDIA_PORT) + n}/UDP`,
  ])
    .flat()
    .sort();
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('Kubernetes manifests', () => {
  it('are each listed in a kustomization, and every listed file exists', () => {
    const listed = new Set([...layouts['single-process'].files, ...layouts.cluster.files]);
    expect(manifestFiles().filter((file) => !listed.has(file))).toEqual([]);
    for (const file of listed) expect(existsSync(new URL(file, deployDir)), file).toBe(true);
  });

  it('are well-formed objects, each with a kind and a name, in both layouts', () => {
    const kinds = (documents: KubeObject[]) => documents.map((d) => d.kind).sort();
    expect(kinds(layouts['single-process'].documents)).toEqual([
      'ConfigMap',
      'Namespace',
      'Service',
      'StatefulSet',
    ]);
    expect(kinds(layouts.cluster.documents)).toEqual([
      'ConfigMap',
      'Deployment',
      'Namespace',
      'NetworkPolicy',
      'NetworkPolicy',
      'Service',
      'Service',
      'Service',
      'StatefulSet',
      'StatefulSet',
    ]);
    for (const { documents, kustomization } of Object.values(layouts)) {
      expect(kustomization.namespace).toBe('skjerm');
      for (const document of documents) {
        expect(document.apiVersion).toMatch(/^(v1|apps\/v1|networking\.k8s\.io\/v1)$/);
        expect(document.metadata.name).toMatch(/^[a-z0-9-]+$/);
      }
    }
  });

  it('set only variables the server reads, and every secret from a Secret', () => {
    for (const { documents } of Object.values(layouts)) {
      const config = find(documents, 'ConfigMap', 'skjerm-config').data ?? {};
      expect(Object.keys(config).filter((name) => !knownVariables.has(name))).toEqual([]);
      for (const secret of secretVariables) expect(Object.keys(config)).not.toContain(secret);
      for (const workload of documents.filter((d) => d.spec?.template)) {
        const container = skjermContainer(workload);
        if (!container) continue;
        const env = container.env ?? [];
        const names = env.map((variable) => variable.name);
        expect(names.filter((name) => !knownVariables.has(name))).toEqual([]);
        for (const variable of env.filter(({ name }) => secretVariables.includes(name))) {
          expect(variable.valueFrom?.secretKeyRef, variable.name).toBeDefined();
        }
      }
    }
  });

  it('run the single process with a UDP and a TCP port on the node for every media worker', () => {
    const { documents } = layouts['single-process'];
    const config = find(documents, 'ConfigMap', 'skjerm-config').data ?? {};
    const workload = find(documents, 'StatefulSet', 'skjerm');
    expect(workload.spec.template.spec.hostNetwork).toBe(true);
    const container = skjermContainer(workload);
    expect(envValue(container, 'SKJERM_ROLE')?.value ?? 'all').toBe('all');
    expect(container.envFrom).toContainEqual({ secretRef: { name: 'skjerm-secrets' } });
    expect(mediaPorts(container)).toEqual(expectedMediaPorts(config));
  });

  describe('the cluster layout', () => {
    const { documents } = layouts.cluster;
    const config = find(documents, 'ConfigMap', 'skjerm-config').data ?? {};
    const signaling = find(documents, 'StatefulSet', 'skjerm-signaling');
    const media = find(documents, 'StatefulSet', 'skjerm-media');
    const signalingContainer = skjermContainer(signaling);
    const mediaContainer = skjermContainer(media);
    const clusterPort = Number(
      envValue(mediaContainer, 'SKJERM_CLUSTER_PORT')?.value ??
        configSchema.properties.SKJERM_CLUSTER_PORT.default,
    );

    it('runs one signaling pod behind the Service skjerm, with no media ports', () => {
      expect(envValue(signalingContainer, 'SKJERM_ROLE')?.value).toBe('signaling');
      // Consultations live in the signaling process: a second replica would split them.
      expect(signaling.spec.replicas).toBe(1);
      expect(mediaPorts(signalingContainer)).toEqual([]);
      expect(signalingContainer.envFrom).toContainEqual({ secretRef: { name: 'skjerm-secrets' } });
      const service = find(documents, 'Service', 'skjerm');
      const selector = service.spec.selector as Record<string, string>;
      expect(selects(selector, signaling.spec.template.metadata.labels)).toBe(true);
      expect(selects(selector, media.spec.template.metadata.labels)).toBe(false);
      expect(signalingContainer.readinessProbe?.httpGet).toMatchObject({
        path: '/readyz',
        scheme: 'HTTPS',
      });
    });

    it('runs media pods with their cluster address from the downward API and their media ports on the node', () => {
      expect(envValue(mediaContainer, 'SKJERM_ROLE')?.value).toBe('media');
      expect(
        envValue(mediaContainer, 'SKJERM_CLUSTER_ADDRESS')?.valueFrom?.fieldRef?.fieldPath,
      ).toMatch(/^status\.(podIP|hostIP)$/);
      expect(envValue(mediaContainer, 'SKJERM_NODE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe(
        'metadata.name',
      );
      expect(mediaPorts(mediaContainer)).toEqual(expectedMediaPorts(config));
      const pod = media.spec.template.spec;
      for (const port of mediaContainer.ports ?? []) {
        if (port.name.startsWith('media-') && !pod.hostNetwork) {
          expect(port.hostPort, port.name).toBe(port.containerPort);
        }
      }
      const cluster = mediaContainer.ports?.find((port) => port.containerPort === clusterPort);
      expect(cluster?.protocol).toBe('TCP');
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        expect(mediaContainer[probe]?.httpGet, probe).toEqual({
          path: '/healthz',
          port: cluster?.name,
          scheme: 'HTTP',
        });
      }
      // The media role serves no HTTPS and needs neither the TURN secret nor the certificate.
      expect(mediaContainer.ports?.map((port) => port.containerPort)).not.toContain(
        Number(config.SKJERM_PORT),
      );
      expect(mediaContainer.envFrom).not.toContainEqual({ secretRef: { name: 'skjerm-secrets' } });
    });

    it('gives Redis the password in SKJERM_REDIS_URL, from the same Secret', () => {
      const redis = find(documents, 'Deployment', 'skjerm-redis');
      const container = redis.spec.template.spec.containers[0] as Container & { args: string[] };
      expect(container.args).toContain('--requirepass');
      const password = envValue(container, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef;
      expect(password).toEqual({ name: 'skjerm-cluster', key: 'REDIS_PASSWORD' });
      for (const workload of [signalingContainer, mediaContainer]) {
        expect(envValue(workload, 'SKJERM_REDIS_URL')?.valueFrom?.secretKeyRef?.name).toBe(
          'skjerm-cluster',
        );
      }
      const service = find(documents, 'Service', 'skjerm-redis');
      expect(selects(service.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    });

    it('lets only signaling pods reach the cluster port, and only Skjerm reach Redis', () => {
      type Rule = {
        from: { podSelector?: { matchLabels: Record<string, string> }; ipBlock?: object }[];
        ports: { protocol: string; port: number; endPort?: number }[];
      };
      const mediaPolicy = find(documents, 'NetworkPolicy', 'skjerm-media');
      expect(
        selects(mediaPolicy.spec.podSelector.matchLabels, media.spec.template.metadata.labels),
      ).toBe(true);
      const rules = mediaPolicy.spec.ingress as Rule[];
      const reaching = (port: number, protocol: string) =>
        rules.filter((rule) =>
          rule.ports.some(
            (p) => p.protocol === protocol && p.port <= port && port <= (p.endPort ?? p.port),
          ),
        );
      const toCluster = reaching(clusterPort, 'TCP');
      expect(toCluster).toHaveLength(1);
      expect(toCluster[0]?.from).toEqual([
        { podSelector: { matchLabels: signaling.spec.template.metadata.labels } },
      ]);
      for (const port of expectedMediaPorts(config)) {
        const [number, protocol] = port.split('/');
        expect(reaching(Number(number), protocol ?? ''), port).not.toEqual([]);
      }
      const redisPolicy = find(documents, 'NetworkPolicy', 'skjerm-redis');
      const redisRules = redisPolicy.spec.ingress as Rule[];
      expect(redisRules.flatMap((rule) => rule.ports)).toEqual([{ protocol: 'TCP', port: 6379 }]);
      expect(redisRules.flatMap((rule) => rule.from).every((from) => from.podSelector)).toBe(true);
    });
  });

  it('run the image as the user and with the paths the Containerfile gives it', () => {
    const containerfile = read('container/Containerfile');
    expect(containerfile).toContain('SKJERM_DATA_DIR=/var/lib/skjerm');
    const stateful = [
      find(layouts['single-process'].documents, 'StatefulSet', 'skjerm'),
      find(layouts.cluster.documents, 'StatefulSet', 'skjerm-signaling'),
    ];
    for (const workload of [
      ...stateful,
      find(layouts.cluster.documents, 'StatefulSet', 'skjerm-media'),
    ]) {
      expect(containerfile).toContain(
        `--uid ${workload.spec.template.spec.securityContext.runAsUser}`,
      );
    }
    for (const workload of stateful) {
      expect(skjermContainer(workload).volumeMounts).toContainEqual({
        name: 'data',
        mountPath: '/var/lib/skjerm',
      });
    }
  });
});

describe('Container image', () => {
  const containerfile = read('container/Containerfile');
  /** Debian packages only the tests use: the image must not carry them. */
  const testOnly = ['chromium', 'coturn', 'redis-server'];

  it('installs the bootstrap packages to build the worker, less the test-only ones', async () => {
    const bootstrapUrl = new URL('../../infra/bootstrap/', import.meta.url).pathname;
    const evaluate = (script: string) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
        .trim()
        .split(' ');
    const all = evaluate(
      `const { debianPackages } = await import('${bootstrapUrl}debian-packages.mjs');
       console.log(Object.keys(debianPackages).join(' '))`,
    );
    for (const name of testOnly) expect(all).toContain(name);
    // Run the build stage's own package expression against this checkout.
    const script = /node --input-type=module -e \\\n\s*"([^"]+)"\)/.exec(containerfile)?.[1];
    expect(script, 'the package expression in the Containerfile').toBeDefined();
    const installed = evaluate(
      (script ?? '').replace(/\\\n/g, '\n').replaceAll('/src/infra/bootstrap/', bootstrapUrl),
    );
    expect(installed.filter((name) => testOnly.includes(name))).toEqual([]);
    expect(installed.sort()).toEqual(all.filter((name) => !testOnly.includes(name)).sort());
    const runtime = containerfile.slice(containerfile.lastIndexOf('FROM '));
    for (const name of testOnly) expect(runtime).not.toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('is one image for every role, which exposes their default ports', () => {
    const instructions = containerfile.replace(/^#.*$/gm, '');
    expect(instructions).not.toMatch(/SKJERM_ROLE/);
    const exposed = /^EXPOSE (.+)$/m.exec(containerfile)?.[1]?.split(' ') ?? [];
    const { properties } = configSchema;
    expect(exposed).toEqual(
      expect.arrayContaining([
        `${properties.SKJERM_PORT.default}/tcp`,
        `${properties.SKJERM_CLUSTER_PORT.default}/tcp`,
        `${properties.SKJERM_MEDIA_PORT.default}/udp`,
        `${properties.SKJERM_MEDIA_PORT.default}/tcp`,
      ]),
    );
  });
});

/** KEY=VALUE lines of an environment file or of a unit's Environment= settings. */
function environment(lines: string[]): Record<string, string> {
  return Object.fromEntries(
    lines
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
const unitSettings = (unit: string, key: string) =>
  unit
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
/** /etc/skjerm/signaling.env is installed from skjerm-signaling.env.example, and so on. */
const exampleOf = (path: string) => {
  const name = basename(path, '.env');
  return `systemd/${name.startsWith('skjerm') ? name : `skjerm-${name}`}.env.example`;
};

describe('systemd units', () => {
  const units = {
    'skjerm.service': 'all',
    'skjerm-signaling.service': 'signaling',
    'skjerm-media.service': 'media',
  } as const;
  const text = (name: string) => read(`systemd/${name}`);
  const hardening = text('skjerm.service')
    .slice(text('skjerm.service').indexOf('# Hardening.'))
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line) && !line.startsWith('WantedBy='));

  it('are all the units there are', () => {
    const files = readdirSync(new URL('systemd/', deployDir)).filter((f) => f.endsWith('.service'));
    expect(files.sort()).toEqual(Object.keys(units).sort());
  });

  it('start the same runtime tree the container image carries', () => {
    const containerfile = read('container/Containerfile');
    const buildScript = read('container/build.mjs');
    for (const name of Object.keys(units)) {
      expect(text(name)).toContain('ExecStart=/opt/skjerm/node/bin/node apps/server/src/main.ts');
    }
    expect(containerfile).toContain(
      'ENTRYPOINT ["/opt/skjerm/node/bin/node", "apps/server/src/main.ts"]',
    );
    for (const file of [text('skjerm.service'), text('skjerm-media.service'), containerfile]) {
      expect(file).toContain('MEDIASOUP_WORKER_BIN=/opt/skjerm/bin/mediasoup-worker');
    }
    expect(buildScript).toContain("join(out, 'bin', 'mediasoup-worker')");
    expect(buildScript).toContain("'apps/server/src'");
  });

  it.each(Object.entries(units))('%s is hardened like the single-process unit', (name) => {
    expect(hardening.length).toBeGreaterThan(20);
    const lines = text(name).split('\n');
    expect(hardening.filter((line) => !lines.includes(line))).toEqual([]);
    expect(unitSettings(text(name), 'User')).toEqual(['skjerm']);
  });

  it.each(Object.entries(units).filter(([, role]) => role !== 'all'))(
    '%s runs its role after a Redis on the same host',
    (name, role) => {
      const unit = text(name);
      expect(environment(unitSettings(unit, 'Environment')).SKJERM_ROLE).toBe(role);
      for (const key of ['After', 'Wants']) {
        expect(unitSettings(unit, key).join(' ').split(/\s+/), key).toContain(
          'redis-server.service',
        );
      }
    },
  );

  it.each(Object.entries(units))(
    '%s has example environment files the server refuses until their placeholder secrets are replaced',
    (name, role) => {
      const unit = text(name);
      const files = unitSettings(unit, 'EnvironmentFile').map(exampleOf);
      expect(files.length).toBeGreaterThan(0);
      const env = {
        ...environment(unitSettings(unit, 'Environment')),
        ...Object.assign({}, ...files.map((file) => environment(read(file).split('\n')))),
      } as Record<string, string>;
      const names = Object.keys(env).filter((key) => key.startsWith('SKJERM_'));
      expect(names.filter((key) => !knownVariables.has(key))).toEqual([]);
      const placeholders = secretVariables.filter((key) => env[key]?.includes('CHANGE-ME'));
      expect(placeholders.length).toBeGreaterThan(0);
      expect(() => loadConfig(env)).toThrow(/SKJERM_(TURN|CLUSTER)_SECRET/);
      const filled = { ...env };
      for (const key of placeholders)
        filled[key] = (env[key] ?? '').replace('CHANGE-ME', 'x'.repeat(44));
      const config = loadConfig(filled);
      expect(config.role).toBe(role);
      if (role === 'signaling' || role === 'all') expect(config.turn?.urls).toHaveLength(2);
    },
  );

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!analyze).each(Object.keys(units))('%s passes systemd-analyze verify', (name) => {
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
      for (const unit of Object.keys(units)) {
        writeFileSync(join(root, 'etc/systemd/system', unit), text(unit));
      }
      const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, name], {
        encoding: 'utf8',
      });
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
