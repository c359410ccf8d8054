/** A command line the command cannot run: the command exits 2 with the message. */
export class UsageError extends Error {}
