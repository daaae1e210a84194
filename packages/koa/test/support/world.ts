// The Express tests' helpers over core's test world (a real SMTP server, Redis); shared, not copied.
export { freshUser, nextCode, wrongCode } from '../../../express/test/support/world';
export { startWorld, seedUser, SECRET, REDIS_URL, deleteByPrefix } from '../../../core/test/support/protectimus';
export type { World } from '../../../core/test/support/protectimus';
