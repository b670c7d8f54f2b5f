/** A config file that cannot be used: the message is one line, `FILE:LINE: KEY: what is wrong`. */
export class ConfigError extends Error {}

/** Where each key was written: its path joined with NUL (`ignore␀1␀reason`) → its 1-based line. */
export type KeyLines = Map<string, number>;
