import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry<T> {
  value: T;
  /** Milliseconds since the epoch; Infinity when the artifact has no expiry. */
  expiresAt: number;
}

/** Artifacts that belong to a grant and die with it (oidc-provider's revokeByGrantId). */
const grantBound = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * The embedded IdP's storage of sessions, interactions, grants and codes: in memory, one store
 * per IdP (oidc-provider's own memory adapter shares one module-wide). Survives the provider
 * being rebuilt on key rotation, so sign-ins in progress carry on; a restart ends them all, which
 * for a test IdP is fine.
 */
export class IdpStore {
  readonly #entries = new Map<string, Entry<AdapterPayload>>();
  readonly #indexes = new Map<string, Entry<string>>();
  readonly #grants = new Map<string, Set<string>>();
  #writesSinceSweep = 0;

  /** oidc-provider's `adapter` option: one adapter per model name. */
  readonly adapterFor = (model: string): Adapter => new StoreAdapter(this, model);

  get size(): number {
    return this.#entries.size;
  }

  put(key: string, value: AdapterPayload, expiresInSeconds: number | undefined): void {
    this.#entries.set(key, { value, expiresAt: expiryOf(expiresInSeconds) });
    if (++this.#writesSinceSweep >= 100) this.#sweep();
  }

  get(key: string): AdapterPayload | undefined {
    return live(this.#entries, key);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  putIndex(key: string, id: string, expiresInSeconds: number | undefined): void {
    this.#indexes.set(key, { value: id, expiresAt: expiryOf(expiresInSeconds) });
  }

  getIndex(key: string): string | undefined {
    return live(this.#indexes, key);
  }

  addToGrant(grantId: string, key: string): void {
    let members = this.#grants.get(grantId);
    if (!members) {
      members = new Set();
      this.#grants.set(grantId, members);
    }
    members.add(key);
  }

  revokeGrant(grantId: string): void {
    for (const key of this.#grants.get(grantId) ?? []) this.#entries.delete(key);
    this.#grants.delete(grantId);
  }

  #sweep(): void {
    this.#writesSinceSweep = 0;
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [key, entry] of this.#indexes) if (entry.expiresAt <= now) this.#indexes.delete(key);
    for (const [grantId, members] of this.#grants) {
      for (const key of members) if (!this.#entries.has(key)) members.delete(key);
      if (members.size === 0) this.#grants.delete(grantId);
    }
  }
}

class StoreAdapter implements Adapter {
  readonly #store: IdpStore;
  readonly #model: string;

  constructor(store: IdpStore, model: string) {
    this.#store = store;
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    this.#store.put(key, payload, expiresIn);
    if (this.#model === 'Session' && payload.uid) {
      this.#store.putIndex(`sessionUid:${payload.uid}`, id, expiresIn);
    }
    if (payload.userCode) this.#store.putIndex(`userCode:${payload.userCode}`, id, expiresIn);
    if (grantBound.has(this.#model) && payload.grantId)
      this.#store.addToGrant(payload.grantId, key);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.getIndex(`sessionUid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.getIndex(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#store.revokeGrant(grantId);
  }
}

function expiryOf(expiresInSeconds: number | undefined): number {
  return typeof expiresInSeconds === 'number' ? Date.now() + expiresInSeconds * 1000 : Infinity;
}

function live<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
  const entry = map.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    map.delete(key);
    return undefined;
  }
  return entry.value;
}
