import { type Static, Type } from '@sinclair/typebox';
import type { ErrorCode, ProtocolErrorBody } from './errors.ts';
import { MAX_MESSAGE_BYTES } from './limits.ts';
import {
  type NotificationData,
  type NotificationName,
  notifications,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  requests,
} from './messages.ts';
import { type SchemaChecker, schemaChecker } from './schema-checker.ts';

type Checkers = Record<string, SchemaChecker>;

/** A request frame: `{ id, method, params }`. The id is echoed in the response. */
const RequestFrame = Type.Object(
  {
    id: Type.Integer({ minimum: 0, maximum: 0xffff_ffff }),
    method: Type.String({ minLength: 1, maxLength: 64 }),
    params: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const requestFrame = schemaChecker(RequestFrame);

const utf8 = new TextEncoder();

export type ResponseFrame =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: ProtocolErrorBody };

export interface NotificationFrame<N extends NotificationName = NotificationName> {
  notification: N;
  data: NotificationData<N>;
}

export type ServerFrame = ResponseFrame | NotificationFrame;

const paramCheckers: Checkers = Object.fromEntries(
  Object.entries(requests).map(([name, { params }]) => [name, schemaChecker(params)]),
);

const resultCheckers: Checkers = Object.fromEntries(
  Object.entries(requests).map(([name, { result }]) => [name, schemaChecker(result)]),
);

const notificationCheckers: Checkers = Object.fromEntries(
  Object.entries(notifications).map(([name, schema]) => [name, schemaChecker(schema)]),
);

export type ParsedRequest = {
  [M in RequestMethod]: { id: number; method: M; params: RequestParams<M> };
}[RequestMethod];

/** Why a frame was refused, with the request id when one could be read. */
export interface FrameRejection {
  id: number | null;
  error: ProtocolErrorBody;
}

function reject(id: number | null, code: ErrorCode, message: string): FrameRejection {
  return { id, error: { code, message } };
}

function isMethod(name: string): name is RequestMethod {
  return Object.hasOwn(requests, name);
}

/**
 * Parses and validates one client frame. Never throws: anything that is not a well-formed
 * request of this protocol version comes back as a rejection carrying the error to send.
 */
export function parseRequestFrame(
  raw: string | Uint8Array,
): { ok: true; request: ParsedRequest } | ({ ok: false } & FrameRejection) {
  const size = typeof raw === 'string' ? utf8.encode(raw).byteLength : raw.byteLength;
  if (size > MAX_MESSAGE_BYTES) {
    return {
      ok: false,
      ...reject(null, 'too-large', `messages are limited to ${MAX_MESSAGE_BYTES} bytes`),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(
      typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw),
    );
  } catch {
    return { ok: false, ...reject(null, 'bad-request', 'a message must be one JSON object') };
  }
  if (!requestFrame.Check(value)) {
    const id = readableId(value);
    return {
      ok: false,
      ...reject(id, 'bad-request', 'a request is { id, method, params } with an integer id'),
    };
  }
  const frame = value as Static<typeof RequestFrame>;
  if (!isMethod(frame.method)) {
    return {
      ok: false,
      ...reject(frame.id, 'unknown-method', `unknown method "${printable(frame.method)}"`),
    };
  }
  const params = frame.params ?? {};
  if (depthExceeds(params, MAX_PARAMS_DEPTH)) {
    return {
      ok: false,
      ...reject(frame.id, 'bad-request', `params nest deeper than ${MAX_PARAMS_DEPTH} levels`),
    };
  }
  const checker = paramCheckers[frame.method] as SchemaChecker;
  if (!checkWithoutThrowing(checker, params)) {
    const first = firstError(checker, params);
    const where = first?.path ? ` at ${first.path}` : '';
    return {
      ok: false,
      ...reject(
        frame.id,
        'bad-request',
        `invalid params for ${frame.method}${where}: ${first?.message ?? 'schema mismatch'}`,
      ),
    };
  }
  return { ok: true, request: { id: frame.id, method: frame.method, params } as ParsedRequest };
}

/**
 * No message of this protocol nests deeper than this (RTP parameters reach about 6). Opaque
 * parts are handed to mediasoup, whose copies of absurdly deep values would overflow.
 */
const MAX_PARAMS_DEPTH = 16;

/** Whether a parsed JSON value nests deeper than `limit` (iterative: no stack to exhaust). */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Absurdly deep JSON can exhaust the checker's stack: that is a bad request, not a crash. */
function checkWithoutThrowing(checker: SchemaChecker, value: unknown): boolean {
  try {
    return checker.Check(value);
  } catch {
    return false;
  }
}

function firstError(checker: SchemaChecker, value: unknown) {
  try {
    return checker.Errors(value).First();
  } catch {
    return { path: '', message: 'nested too deeply' };
  }
}

function readableId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return Number.isInteger(id) && (id as number) >= 0 && (id as number) <= 0xffff_ffff
    ? (id as number)
    : null;
}

/** Echo untrusted names in messages only as short, plain text. */
function printable(text: string): string {
  return text.replace(/[^\w.-]/g, '?').slice(0, 40);
}

export function errorResponse(id: number | null, error: ProtocolErrorBody): ResponseFrame {
  return { id, ok: false, error };
}

export function successResponse<M extends RequestMethod>(
  id: number,
  _method: M,
  result: RequestResult<M>,
): ResponseFrame {
  return { id, ok: true, result };
}

export function notificationFrame<N extends NotificationName>(
  notification: N,
  data: NotificationData<N>,
): NotificationFrame<N> {
  return { notification, data };
}

/** Client side: checks a server result against its schema (a server bug must not pass). */
export function isValidResult<M extends RequestMethod>(
  method: M,
  result: unknown,
): result is RequestResult<M> {
  return resultCheckers[method]?.Check(result) === true;
}

export function isValidNotification(frame: unknown): frame is NotificationFrame {
  if (typeof frame !== 'object' || frame === null) return false;
  const { notification, data } = frame as { notification?: unknown; data?: unknown };
  return (
    typeof notification === 'string' &&
    Object.hasOwn(notifications, notification) &&
    notificationCheckers[notification]?.Check(data) === true
  );
}
