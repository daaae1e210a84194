/**
 * Names of the directory's keys (tokens, users, resources and their indexes), relative to a
 * store's prefix. The admin operations write them and both stores' `resolve` reads them, so they
 * are spelled here once.
 */
export const dirKey = {
  token: (id: string) => `tok:${id}`,
  user: (id: string) => `usr:${id}`,
  resource: (id: string) => `res:${id}`,
  tokenName: (lowerName: string) => `tokname:${lowerName}`,
  tokenEmail: (lowerEmail: string) => `tokmail:${lowerEmail}`,
  login: (lowerLogin: string) => `login:${lowerLogin}`,
  resourceName: (name: string) => `resname:${name}`,
  /** The token a user authenticates with on a resource. */
  assignment: (resourceId: string, userId: string) => `asg:${resourceId}:${userId}`,
} as const;

/** Ordered lists in the directory; members sort by plain string order. */
export const dirList = {
  tokens: 'L:tok',
  users: 'L:usr',
  resources: 'L:res',
  /** Members: user ids assigned on the resource. */
  assignments: (resourceId: string) => `L:asg:${resourceId}`,
  /** Members: resource ids the token is assigned on. */
  tokenResources: (tokenId: string) => `L:tokres:${tokenId}`,
  /** Members: token ids the user owns. */
  userTokens: (userId: string) => `L:usrtok:${userId}`,
} as const;
