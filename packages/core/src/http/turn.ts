import type { GuardEngine } from './engine';
import type { GuardRequest } from './types';

/** Which of the guard's endpoints a request is for. */
export type GuardRoute = 'page' | 'verify' | 'resend';

/** One request's facts, worked out once and shared by the steps that answer it. */
export interface Turn {
  engine: GuardEngine;
  req: GuardRequest;
  resource: string;
  route: GuardRoute;
  /** `''` or `/billing`, never with a trailing slash. */
  mount: string;
  verifyUrl: string;
  resendUrl: string;
  /** Answer with a page rather than JSON. */
  html: boolean;
}
