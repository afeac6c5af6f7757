import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from './audit/audit-log.ts';
import { RefusalAudit } from './audit/refusal-audit.ts';
import { type EmbeddedIdp, registerEmbeddedIdp } from './auth/embedded-idp.ts';
import { webClientId, webClientScope } from './auth/idp-provider-config.ts';
import { RemoteKeySource } from './auth/remote-key-source.ts';
import { type KeySource, TokenVerifier } from './auth/token-verifier.ts';
import { ClusterMediaRoom } from './cluster/cluster-media-room.ts';
import { MediaCluster } from './cluster/media-cluster.ts';
import { MediaNodeDirectory } from './cluster/media-registry.ts';
import { closeRedis, connectRedis } from './cluster/redis-client.ts';
import { SharedState } from './cluster/shared-state.ts';
import { SignalingBus } from './cluster/signaling-bus.ts';
import { SignalingCluster } from './cluster/signaling-cluster.ts';
import type { ServerConfig } from './config/config.ts';
import { ConsultationRegistry, type OpenMedia } from './consultations/consultation-registry.ts';
import { consultationRoutes } from './http/consultation-routes.ts';
import { healthRoutes } from './http/health-routes.ts';
import { metricsRoutes } from './http/metrics-routes.ts';
import { loadTlsMaterial } from './http/tls.ts';
import { webAppRoutes } from './http/web-app-routes.ts';
import type { FrameTapListener } from './media/frame-tap.ts';
import { MediaRoom } from './media/media-room.ts';
import { defaultSFrameGuardOptions } from './media/sframe-guard.ts';
import { WorkerPool } from './media/worker-pool.ts';
import { ServerMetrics } from './metrics/metrics.ts';
import { type SessionContext, SignalingSession } from './signaling/session.ts';
import { signalingRoutes } from './signaling/websocket-route.ts';
import { SkjermDatabase } from './storage/database.ts';
import { TurnCredentials } from './turn/turn-credentials.ts';

/**
 * fastify's request logger, logging the path without the query: OAuth codes, states and
 * hints travel in query strings and must not reach logs. (Serializers of the logger fastify
 * is given win over fastify's own.)
 */
export function httpLogger(log: Logger): FastifyBaseLogger {
  const child = log.child(
    { component: 'http' },
    {
      serializers: {
        req: (request: { id?: unknown; method?: string; url?: string }) => ({
          id: request.id,
          method: request.method,
          path: request.url?.split('?')[0],
        }),
      },
    },
  );
  // pino's Logger is FastifyBaseLogger at run time; its type is only wider.
  return child as FastifyBaseLogger;
}

/** How often ended consultations are checked against the retention period. */
const RETENTION_CHECK_MS = 60 * 60 * 1000;

/** apps/web/dist next to this server's sources; `npm start` builds it. */
const defaultWebDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface ServerDependencies {
  /**
   * Where token signing keys come from, instead of the configured issuer (tests use a local
   * issuer's key set). Default: the embedded IdP, or the configured issuer's JWKS.
   */
  keySource?: KeySource;
  /** The built web app to serve (default: apps/web/dist of this checkout). */
  webDir?: string;
  /**
   * TEST ONLY: called with every encoded frame the server forwards (media/frame-tap.ts), for
   * browser tests that prove the server sees only ciphertext. Deliberately not a setting:
   * main.ts never passes it, so no deployment can turn it on. Absent, nothing is tapped.
   */
  frameTap?: FrameTapListener;
}

/**
 * The media under a server: its own workers (role `all`), or the media nodes of a cluster
 * found through Redis (role `signaling`).
 */
async function startMedia(config: ServerConfig, log: Logger) {
  const { cluster } = config;
  if (config.role === 'all' || !cluster) {
    const workers = await WorkerPool.start({
      size: config.mediaWorkers,
      log: log.child({ component: 'media' }),
      webRtc: config.media,
    });
    return { workers };
  }
  const redis = connectRedis(cluster.redisUrl, log.child({ component: 'redis' }));
  const directory = new MediaNodeDirectory({ redis, log: log.child({ component: 'cluster' }) });
  const mediaCluster = new MediaCluster({
    nodes: directory,
    secret: cluster.secret,
    nodeId: cluster.nodeId,
    log: log.child({ component: 'cluster' }),
  });
  return { cluster: mediaCluster, directory, redis, closeRedis: () => closeRedis(redis) };
}

/**
 * One Skjerm server process: the HTTPS/WSS front and the media workers behind it. Owns their
 * start and their shutdown order (stop accepting, then close workers).
 */
export class SkjermServer {
  readonly config: ServerConfig;
  readonly log: Logger;
  /** This process's media workers; undefined on a signaling node (media on media nodes). */
  readonly workers: WorkerPool | undefined;
  /** The media nodes a signaling node places media on; undefined for role `all`. */
  readonly mediaCluster: MediaCluster | undefined;
  readonly http: FastifyInstance;
  readonly consultations: ConsultationRegistry;
  readonly database: SkjermDatabase;
  readonly audit: AuditLog;
  readonly metrics: ServerMetrics;
  readonly refusals: RefusalAudit;
  readonly #sessions = new Set<SignalingSession>();
  readonly #resumable = new Map<string, SignalingSession>();
  #draining = false;
  #embeddedIdp: EmbeddedIdp | undefined;
  #retentionTimer: NodeJS.Timeout | undefined;
  #closed = false;

  readonly #closeRedis: (() => Promise<void>) | undefined;

  private constructor(
    config: ServerConfig,
    log: Logger,
    media: { workers: WorkerPool } | { cluster: MediaCluster; closeRedis: () => Promise<void> },
    http: FastifyInstance,
    frameTap: FrameTapListener | undefined,
  ) {
    this.config = config;
    this.log = log;
    this.workers = 'workers' in media ? media.workers : undefined;
    this.mediaCluster = 'cluster' in media ? media.cluster : undefined;
    this.#closeRedis = 'closeRedis' in media ? media.closeRedis : undefined;
    this.http = http;
    this.database = SkjermDatabase.open(join(config.dataDir, 'skjerm.db'));
    this.audit = this.database.audit;
    const mediaLog = log.child({ component: 'media' });
    let openMedia: OpenMedia;
    if ('workers' in media) {
      const options = {
        pool: media.workers,
        guard: { ...defaultSFrameGuardOptions, resampleIntervalMs: config.sframeRecheckMs },
        plainRtpIp: config.media.plainRtp ? config.media.listenIp : undefined,
      };
      openMedia = (consultationId) =>
        MediaRoom.create({
          ...options,
          log: mediaLog.child({ consultationId }),
          ...(frameTap ? { frameTap: (frame) => frameTap({ consultationId, ...frame }) } : {}),
        });
    } else {
      const { cluster } = media;
      openMedia = (consultationId) =>
        ClusterMediaRoom.create({ cluster, consultationId, log: mediaLog });
    }
    this.consultations = new ConsultationRegistry(this.database.consultations, openMedia, mediaLog);
    this.metrics = new ServerMetrics(this.workers, this.consultations);
    this.refusals = new RefusalAudit(this.audit);
    this.consultations.onDroppedAfterTakeover = (consultation, dropped) => {
      // Their sessions died with another signaling node: their leaving is written here.
      const reason = 'did-not-resume-after-takeover';
      const entries = [
        ...dropped.participants.map((participantId) => ({
          type: 'left',
          detail: { participantId, reason },
        })),
        ...dropped.waiting.map((waitingId) => ({
          type: 'stopped-waiting',
          detail: { waitingId, reason },
        })),
      ];
      for (const { type, detail } of entries) {
        this.audit.record({ type, consultationId: consultation.id, outcome: 'success', detail });
      }
    };
    this.consultations.onProducerRejected = (consultation, participantId, reason) => {
      this.metrics.rejectedProducers.inc({ reason });
      this.audit.record({
        type: 'producer-rejected',
        consultationId: consultation.id,
        outcome: 'refused',
        detail: { participantId, reason },
      });
      log.warn(
        { consultationId: consultation.id, participantId, reason },
        'producer rejected: not SFrame',
      );
    };
  }

  static async start(
    config: ServerConfig,
    log: Logger,
    dependencies: ServerDependencies = {},
  ): Promise<SkjermServer> {
    if (config.role === 'media') {
      throw new Error('a media node runs as MediaNode (cluster/media-node.ts), not SkjermServer');
    }
    const tls = await loadTlsMaterial(config, log);
    const media = await startMedia(config, log);
    const workers = 'workers' in media ? media.workers : undefined;
    const http = fastify({
      https: { key: tls.key, cert: tls.cert },
      // pino's Logger is FastifyBaseLogger at run time; its type is only wider.
      loggerInstance: httpLogger(log),
      // Signaling messages are small; anything larger is a mistake or an attack.
      bodyLimit: 256 * 1024,
    });
    const server = new SkjermServer(config, log, media, http, dependencies.frameTap);
    try {
      const keySource = dependencies.keySource ?? (await server.#identityProvider(http));
      const verifier = new TokenVerifier(config.auth, keySource);
      await http.register(consultationRoutes, {
        store: server.database.consultations,
        audit: server.audit,
        verifier,
        publicUrl: () => server.url,
        onAuthFailure: (code) => server.metrics.authFailures.inc({ code }),
        refusals: server.refusals,
      });
      await http.register(webAppRoutes, {
        webDir: dependencies.webDir ?? defaultWebDir,
        signIn: () => server.#signInSettings(),
        verifier,
        refusals: server.refusals,
        onAuthFailure: (code) => server.metrics.authFailures.inc({ code }),
        strictTransportSecurity: !tls.selfSigned,
      });
      const directory = 'directory' in media ? media.directory : undefined;
      await http.register(healthRoutes, {
        workers,
        isDraining: () => server.#draining,
        ...(directory
          ? {
              mediaNodes: async () =>
                (await directory.list()).filter(
                  (node) => !node.draining && node.load.participants < node.capacity,
                ).length,
            }
          : {}),
      });
      await http.register(metricsRoutes, {
        metrics: server.metrics,
        token: config.metricsToken,
      });
      const context: SessionContext = {
        registry: server.consultations,
        authenticator: verifier,
        audit: server.audit,
        refusals: server.refusals,
        metrics: server.metrics,
        log: log.child({ component: 'signaling' }),
        plainRtp: config.media.plainRtp,
        turn: new TurnCredentials(config.turn),
        messagesPerSecond: config.wsMessagesPerSecond,
        resumable: server.#resumable,
      };
      if ('redis' in media && config.cluster) {
        context.cluster = await server.#joinSignalingNodes(
          media.redis,
          config.cluster.nodeId,
          context,
        );
      }
      await http.register(signalingRoutes, { sessions: server.#sessions, context });
      await http.listen({ host: config.host, port: config.port });
    } catch (error) {
      workers?.close();
      await server.#leaveSignalingNodes?.();
      server.mediaCluster?.close();
      await server.#closeRedis?.();
      server.database.close();
      await http.close().catch(() => undefined);
      throw error;
    }
    server.#enforceRetention();
    server.#retentionTimer = setInterval(() => server.#enforceRetention(), RETENTION_CHECK_MS);
    server.#retentionTimer.unref();
    log.info({ url: server.url, selfSignedCertificate: tls.selfSigned }, 'Skjerm is listening');
    return server;
  }

  /**
   * Cluster mode: consultations shared with the other signaling nodes through Redis (see
   * cluster/signaling-cluster.ts); sessions relayed from them run here like local ones.
   */
  async #joinSignalingNodes(redis: Redis, nodeId: string, context: SessionContext) {
    const log = this.log.child({ component: 'cluster' });
    const bus = new SignalingBus({ redis, nodeId, log });
    const shared = new SharedState({
      redis,
      nodeId,
      log,
      onLost: (consultationId) => this.consultations.abandon(consultationId),
      isLive: (consultationId) => this.consultations.isLiveOrOpening(consultationId),
    });
    this.consultations.share(shared);
    const cluster = new SignalingCluster({
      bus,
      shared,
      registry: this.consultations,
      log,
      createSession: (socket, options) => {
        const session = new SignalingSession(socket, context, options);
        this.#sessions.add(session);
        socket.on('close', () => this.#sessions.delete(session));
        return session;
      },
      sessions: () => new Set([...this.#sessions, ...this.#resumable.values()]),
    });
    await bus.start();
    await cluster.start();
    this.#moveOut = async () => {
      // Gone from the cluster first, leases given back, so the others take over at once.
      shared.close();
      await shared.giveUpLeases();
      await bus.stop();
      cluster.close();
    };
    this.#leaveSignalingNodes = async () => {
      cluster.close();
      shared.close();
      await bus.stop();
    };
    return cluster;
  }

  #leaveSignalingNodes: (() => Promise<void>) | undefined;
  #moveOut: (() => Promise<void>) | undefined;

  /** Deletes the personal data of consultations that ended more than the retention ago. */
  #enforceRetention(): void {
    const purged = this.database.consultations.purgeExpired(this.config.retentionDays, new Date());
    if (purged > 0) {
      this.audit.record({
        type: 'retention-purge',
        outcome: 'success',
        detail: { consultations: purged },
      });
      this.log.info({ consultations: purged }, 'deleted personal data past the retention period');
    }
  }

  /** The embedded OpenID provider under /idp, or the configured issuer's published keys. */
  async #identityProvider(http: FastifyInstance): Promise<KeySource> {
    const { auth } = this.config;
    if (auth.identityProvider.kind === 'external')
      return new RemoteKeySource(auth.identityProvider);
    this.log.warn(
      'no SKJERM_OIDC_ISSUER set: the embedded test identity provider signs people in (never use it in production)',
    );
    this.#embeddedIdp = await registerEmbeddedIdp(http, {
      // Known only after listen() when SKJERM_PORT=0.
      issuer: () => `${this.url}/idp`,
      audience: auth.audience,
      redirectUris: auth.identityProvider.redirectUris.length
        ? auth.identityProvider.redirectUris
        : () => [`${this.url}/`],
      keyRotationIntervalMs: auth.identityProvider.keyRotationIntervalMs,
      claims: auth.claims,
      log: this.log.child({ component: 'idp' }),
    });
    return this.#embeddedIdp;
  }

  /** What the web app signs in with: the configured issuer, or the embedded one. */
  #signInSettings(): { issuer: string; clientId: string; scope: string } {
    const { identityProvider } = this.config.auth;
    if (identityProvider.kind === 'external') {
      const { issuer, clientId, scope } = identityProvider;
      return { issuer, clientId, scope };
    }
    return { issuer: `${this.url}/idp`, clientId: webClientId, scope: webClientScope };
  }

  get embeddedIdp(): EmbeddedIdp | undefined {
    return this.#embeddedIdp;
  }

  /** The HTTPS origin clients use: the public port, else the port actually bound. */
  get url(): string {
    const { publicHostname, publicPort } = this.config;
    if (publicPort === 443) return `https://${publicHostname}`;
    if (publicPort !== undefined) return `https://${publicHostname}:${publicPort}`;
    const address = this.http.server.address();
    const port = typeof address === 'object' && address ? address.port : this.config.port;
    return `https://${publicHostname}:${port}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Graceful shutdown: refuse new work, let requests finish, then stop the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#draining = true;
    this.log.info('shutting down');
    clearInterval(this.#retentionTimer);
    const sessions = new Set([...this.#sessions, ...this.#resumable.values()]);
    if (this.#moveOut) {
      // Cluster: the others take over what this node held; its clients resume there.
      await this.#moveOut();
      for (const session of sessions) session.moveOut();
    } else {
      for (const session of sessions) session.shutdown();
    }
    await this.http.close();
    this.consultations.closeAll();
    await this.#leaveSignalingNodes?.();
    this.#embeddedIdp?.close();
    this.workers?.close();
    this.mediaCluster?.close();
    await this.#closeRedis?.();
    this.refusals.flush();
    this.database.close();
    this.log.info('stopped');
  }
}
