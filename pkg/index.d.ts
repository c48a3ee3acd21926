// Types of the paragon-connect npm entry (hand-written, kept precise: no `any`).

/** Options of `paragon.configureGlobal`. */
export interface GlobalOptions {
  /**
   * The platform's base URL: scheme, host, port and optional path prefix,
   * e.g. `"http://127.0.0.1:8080"` or `"https://connect.example.com"`.
   */
  host: string;
}

/** What the platform's `GET /healthz` answers. */
export interface Health {
  status: "ok";
  /** The server's version. */
  version: string;
}

/** The stable codes of `ParagonError.code`. */
export type ParagonErrorCode =
  | "INVALID_HOST"
  | "NOT_CONFIGURED"
  | "INVALID_ARGUMENT"
  | "NETWORK_ERROR"
  | "SERVER_ERROR"
  | "INVALID_RESPONSE";

/** Every error the SDK throws or rejects with. */
export interface ParagonError extends Error {
  name: "ParagonError";
  code: ParagonErrorCode;
  /** The HTTP status, when the platform answered with an error. */
  status?: number;
}

/** The SDK object. */
export interface Paragon {
  /** Points the SDK at a platform. Throws a `ParagonError` (`INVALID_HOST`) on a bad URL. */
  configureGlobal(options: GlobalOptions): void;
  /** The SDK's version, e.g. `"0.1.0"`. */
  getVersion(): string;
}

export declare const paragon: Paragon;
export default paragon;

/** Checks that the configured platform is reachable from this page's origin. */
export declare function checkHealth(): Promise<Health>;

declare global {
  interface Window {
    /** Set when the package is loaded in a browser page. */
    paragon: Paragon;
  }
}
