/**
 * Errors that carry what an API client needs: an HTTP status, a stable problem type and, for validation, the failing
 * paths. The API layer renders them as RFC 9457 problem+json; other layers throw them without knowing about HTTP.
 */
export interface ProblemFieldError {
  /** Dotted path of the failing field, e.g. `body.path.input_dirs.0.path` or `representation_variation.foo`. */
  path: string;
  message: string;
}

export type ProblemKind =
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'unauthorized'
  | 'payload-too-large'
  | 'uri-too-long'
  | 'unsupported-media-type'
  | 'method-not-allowed'
  | 'not-acceptable'
  | 'range-not-satisfiable'
  | 'unprocessable'
  | 'internal'
  | 'unavailable';

export const problemStatus: Record<ProblemKind, number> = {
  validation: 400,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  'payload-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  'range-not-satisfiable': 416,
  unprocessable: 422,
  internal: 500,
  unavailable: 503,
};

export class ServiceError extends Error {
  readonly kind: ProblemKind;
  readonly errors: ProblemFieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;
  constructor(
    kind: ProblemKind,
    message: string,
    options?: { errors?: ProblemFieldError[]; extra?: Record<string, unknown> },
  ) {
    super(message);
    this.name = 'ServiceError';
    this.kind = kind;
    this.errors = options?.errors;
    this.extra = options?.extra;
  }
  get status(): number {
    return problemStatus[this.kind];
  }
}

export const notFound = (what: string, id: string) => new ServiceError('not-found', `${what} ${id} does not exist`);

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
