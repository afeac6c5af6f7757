import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import type { BookingResponse, JoinedResult } from '@skjerm/protocol';
import { PROTOCOL_VERSION } from '@skjerm/protocol';
import { getSupportedRtpCapabilities } from 'mediasoup';
import type { ControlPlane, RoomControl, RoomSpec } from './control-plane.ts';
import { LoopbackIssuer, type PersonClaims } from './loopback-issuer.ts';
import { SignalingClient } from './signaling-client.ts';
import { SkjermProcess } from './skjerm-process.ts';
import { SkjermSession } from './skjerm-session.ts';
import { type MemberRole, syntheticPerson } from './synthetic-people.ts';

/** What the plane needs of the Skjerm it drives: one server, or a cluster behind a signaling node. */
export interface SkjermEndpoint {
  /** https://127.0.0.1:<port> of the server clients talk to. */
  readonly url: string;
  /** Its self-signed certificate. */
  readonly certificate: string;
  /** The Node process clients talk to. */
  readonly pid: number;
  /** The (first) mediasoup worker forwarding the media. */
  readonly workerPid: number;
  stop(): Promise<void>;
}

/**
 * Skjerm as a client sees it: rooms are consultations booked over REST, members sign in with
 * tokens from the loopback issuer, clinicians enter by id and everyone else waits until the
 * host admits them, and all media setup goes through the signaling protocol, the SFrame check
 * included.
 */
export class SkjermPlane<Server extends SkjermEndpoint = SkjermProcess> implements ControlPlane {
  readonly name = 'skjerm';
  readonly mediaPorts = new Set<number>();
  readonly server: Server;
  readonly issuer: LoopbackIssuer;
  readonly #capabilities = getSupportedRtpCapabilities() as unknown as Record<string, unknown>;
  #rooms = 0;
  #patients = 0;

  private constructor(server: Server, issuer: LoopbackIssuer) {
    this.server = server;
    this.issuer = issuer;
  }

  /** Starts the issuer and the server process (extra server settings in `env`). */
  static start(env: Record<string, string> = {}): Promise<SkjermPlane> {
    return SkjermPlane.over((issuerEnv) => SkjermProcess.start({ ...issuerEnv, ...env }));
  }

  /** Starts the issuer, then whatever `launch` starts with the issuer's settings in its env. */
  static async over<S extends SkjermEndpoint>(
    launch: (env: Record<string, string>) => Promise<S>,
  ): Promise<SkjermPlane<S>> {
    const issuer = await LoopbackIssuer.start();
    try {
      const server = await launch({ SKJERM_OIDC_ISSUER: issuer.issuer });
      return new SkjermPlane(server, issuer);
    } catch (error) {
      await issuer.close();
      throw error;
    }
  }

  get workerPid(): number {
    return this.server.workerPid;
  }

  get controlPid(): number {
    return this.server.pid;
  }

  async openRoom(spec: RoomSpec): Promise<SkjermRoom> {
    const room = ++this.#rooms;
    const people = spec.members.map((role, i) =>
      syntheticPerson(role, `r${room}-${role}${i}`, role === 'patient' ? this.#patients++ : 0),
    );
    const host = people[0];
    if (!host || spec.members[0] !== 'host') throw new Error('a room starts with its host');
    const ofRole = (role: MemberRole) => people.filter((_, i) => spec.members[i] === role);
    const booking = (await this.rest(host, 'POST', '/api/consultations', {
      title: `Bench room ${room}`,
      startsAt: '2030-01-01T10:00:00Z',
      mode: spec.mode,
      interpreter: spec.members.includes('interpreter'),
      patients: ofRole('patient').map((p) => ({ name: p.name, nationalId: p.pid })),
      relatives: ofRole('relative').map((p) => ({ name: p.name })),
      coClinicians: ofRole('clinician').map((p) => ({
        subject: p.sub,
        name: p.name,
        role: 'clinician',
      })),
    })) as BookingResponse;
    return new SkjermRoom(this, spec, people, booking);
  }

  /** Signs in and says hello. */
  async connect(person: PersonClaims): Promise<SignalingClient> {
    const client = await SignalingClient.connect(this.server.url, this.server.certificate);
    await client.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      token: await this.issuer.token(person),
    });
    return client;
  }

  joinParams() {
    const key = () => randomBytes(32).toString('base64url');
    return {
      e2ee: { boxPublicKey: key(), signPublicKey: key() },
      rtpCapabilities: this.#capabilities,
    };
  }

  /** From the server's /metrics, which asks the worker for getResourceUsage() when scraped. */
  async workerResourceUsageMs(): Promise<number> {
    const text = await this.#https('GET', '/metrics', {});
    const seconds = /^skjerm_worker_cpu_seconds_total\{[^}]*\} (\S+)$/m.exec(text)?.[1];
    return seconds === undefined ? Number.NaN : Number(seconds) * 1000;
  }

  async rest(person: PersonClaims, method: 'POST', path: string, body: unknown): Promise<unknown> {
    const token = await this.issuer.token(person);
    const text = await this.#https(
      method,
      path,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify(body),
    );
    return JSON.parse(text);
  }

  #https(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    payload?: string,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.server.url}${path}`,
        { method, ca: this.server.certificate, headers },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
            } else resolve(text);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    await this.server.stop();
    await this.issuer.close();
  }
}

/** A booked consultation; its host admits every invitee who arrives. */
export class SkjermRoom implements RoomControl {
  readonly #plane: SkjermPlane<SkjermEndpoint>;
  readonly #spec: RoomSpec;
  readonly #people: PersonClaims[];
  readonly #booking: BookingResponse;
  readonly #sessions: SkjermSession[] = [];
  readonly #hostJoined: Promise<void>;
  #resolveHost!: () => void;

  constructor(
    plane: SkjermPlane<SkjermEndpoint>,
    spec: RoomSpec,
    people: PersonClaims[],
    booking: BookingResponse,
  ) {
    this.#plane = plane;
    this.#spec = spec;
    this.#people = people;
    this.#booking = booking;
    this.#hostJoined = new Promise((resolve) => {
      this.#resolveHost = resolve;
    });
  }

  async join(index: number): Promise<SkjermSession> {
    const role = this.#spec.members[index];
    const person = this.#people[index];
    if (!role || !person) throw new Error(`no member ${index}`);
    const client = await this.#plane.connect(person);
    const consultationId = this.#booking.consultation.id;
    let joined: JoinedResult;
    if (role === 'host' || role === 'clinician') {
      const result = await client.request('join', { consultationId, ...this.#plane.joinParams() });
      if (result.status !== 'joined') throw new Error('a clinician should enter directly');
      joined = result;
      if (role === 'host') {
        admitEveryone(client);
        this.#resolveHost();
      }
    } else {
      await this.#hostJoined;
      // The booking names patients and relatives as given; the interpreter's invite is generic.
      const invite = this.#booking.invites.find(
        (i) => i.role === role && (role === 'interpreter' || i.name === person.name),
      );
      if (!invite) throw new Error(`no invite for ${person.name}`);
      const admitted = client.next('admitted', 30_000);
      await client.request('join', {
        invite: new URL(invite.url).hash.slice(1),
        ...(this.#spec.mode === 'group' && role === 'patient' ? { confirmGroup: true } : {}),
        ...this.#plane.joinParams(),
      });
      joined = await admitted;
    }
    const session = new SkjermSession(client, joined, (port) => this.#plane.mediaPorts.add(port));
    this.#sessions.push(session);
    return session;
  }

  async close(): Promise<void> {
    await Promise.all(this.#sessions.map((session) => session.leave()));
  }
}

/** The host's part: admit each waiting invitee once, as soon as they appear. */
function admitEveryone(host: SignalingClient): void {
  const admitted = new Set<string>();
  host.on('waitingListChanged', ({ waiting }) => {
    for (const { waitingId } of waiting) {
      if (admitted.has(waitingId)) continue;
      admitted.add(waitingId);
      host.request('admit', { waitingId }).catch(() => undefined); // they may have left
    }
  });
}
