import { ProtectimusError } from './errors';

/** Any failure that is not already a decision (a Redis error, a timeout) becomes STORE_UNAVAILABLE. */
export function asDecision(err: unknown): ProtectimusError {
  return err instanceof ProtectimusError ? err : new ProtectimusError('STORE_UNAVAILABLE', 'the store is unreachable', {}, { cause: err });
}

/**
 * Wraps every method of `target` so that it fails closed with a `ProtectimusError`: callers
 * (the guard, the admin API) then never see a raw backend error, and never mistake one for a pass.
 */
export function failClosed<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const out: unknown = value.apply(obj, args);
          return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(asDecision(err))) : out;
        } catch (err) {
          throw asDecision(err);
        }
      };
    },
  });
}
