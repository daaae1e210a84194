import { ProtectimusError } from '../../src/errors';

/** The `ProtectimusError` a promise rejects with; fails the test if it resolves (a pass where a refusal was due). */
export async function refusal(p: Promise<unknown>): Promise<ProtectimusError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProtectimusError);
    return err as ProtectimusError;
  }
  throw new Error('expected a refusal, got a pass');
}
