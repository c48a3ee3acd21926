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
  | "INVALID_RESPONSE"
  | "PROVIDER_ERROR"
  | "NOT_AUTHENTICATED"
  | "INVALID_TOKEN"
  | "TOKEN_EXPIRED"
  | "TOKEN_PROVIDER_FAILED"
  | "UNKNOWN_INTEGRATION"
  | "OAUTH_BLOCKED"
  | "OAUTH_TIMEOUT"
  | "OAUTH_CANCELLED"
  | "OAUTH_DENIED"
  | "OAUTH_FAILED"
  | "OUTBOX_FULL"
  | "STORAGE_FULL"
  | "EVENT_DISCARDED";

/** Every error the SDK throws or rejects with; branch on `code` (or on the subclass). */
export declare class ParagonError extends Error {
  name: "ParagonError" | "AuthenticationError" | "OAuthBlockedError" | "OAuthTimeoutError";
  code: ParagonErrorCode;
  /** The HTTP status, when the platform (or, for `PROVIDER_ERROR`, the provider) answered with an error. */
  status?: number;
  /**
   * The answer: for `PROVIDER_ERROR` the provider's, as `request()` would have resolved with
   * it; for `SERVER_ERROR` from `workflow()`, the workflow's own or the platform's
   * (`{ message, code, … }`).
   */
  body?: unknown;
}

/** The options of `request()`. */
export interface ProxyRequestInit {
  /** `GET` (the default), `POST`, `PUT`, `PATCH` or `DELETE`. */
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | (string & {});
  /** An object or array is sent as JSON; a string, Blob, FormData, URLSearchParams or ArrayBuffer as it is. */
  body?: BodyInit | object | null;
  /** Headers for the provider (the platform sets `Authorization` and drops the ones it must not forward). */
  headers?: Record<string, string>;
  /** Which of the user's credentials of the integration to use. */
  selectedCredentialId?: string;
}

/** The options of `workflow()`. */
export interface WorkflowRequest {
  /** Sent as JSON, whatever it is (`{}` when absent; a string becomes a JSON string). */
  body?: JsonValue | object;
  /** Added to the URL's query, as `URLSearchParams` writes it. */
  query?: Record<string, string>;
  /** Headers for the workflow (`Authorization` is always the user token). */
  headers?: Record<string, string>;
  /** Which of the user's credentials of the integration to use. */
  selectedCredentialId?: string;
}

/** `workflow()`'s answer when the workflow did not answer within its time budget (202). */
export interface WorkflowExecution {
  /** The run, which goes on in the background; the app's backend finds it in Task History. */
  executionId: string;
}

/**
 * The user token is missing (`NOT_AUTHENTICATED`), not a JWT (`INVALID_TOKEN`), expired
 * (`TOKEN_EXPIRED`, found locally before any request), refused by the platform
 * (`SERVER_ERROR` with `status` 401), or the `tokenProvider` failed
 * (`TOKEN_PROVIDER_FAILED`): sign a new one and authenticate again.
 */
export declare class AuthenticationError extends ParagonError {
  name: "AuthenticationError";
}

/** The browser blocked the popup of `installIntegration` (`OAUTH_BLOCKED`). */
export declare class OAuthBlockedError extends ParagonError {
  name: "OAuthBlockedError";
}

/** The user did not finish connecting within `oauthTimeout` (`OAUTH_TIMEOUT`). */
export declare class OAuthTimeoutError extends ParagonError {
  name: "OAuthTimeoutError";
}

/** Options of `paragon.installIntegration`. */
export interface InstallOptions {
  /** Milliseconds the user has to finish the provider's consent (default 300000). */
  oauthTimeout?: number;
}

/** A JSON value, as the platform stores user metadata and integration state. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Options of `paragon.authenticate`. */
export interface AuthenticateOptions {
  /** Merged into the user's metadata (`null` removes a key), as `setUserMetadata` does. */
  metadata?: Record<string, JsonValue>;
  /**
   * Called when the token expires within 30 s or the platform refuses it (401): resolves with
   * a new user token from the app's backend, for the same user; the SDK retries the call once
   * with it. Without it, such a call rejects with an `AuthenticationError`.
   */
  tokenProvider?: () => Promise<string> | string;
  /**
   * The most events the user's outbox holds (default 500): `event()` rejects with
   * `OUTBOX_FULL` past it, and stores nothing.
   */
  maxPendingEvents?: number;
  /**
   * The most bytes of JSON the user's outbox holds in `localStorage` (default 1000000):
   * `event()` rejects with `OUTBOX_FULL` past it, and stores nothing.
   */
  maxPendingBytes?: number;
}

/** Options of `paragon.logout`. */
export interface LogoutOptions {
  /**
   * Keep the user's undelivered events in `localStorage`, to be sent after the same user's
   * next `authenticate` (default `false`: they are discarded, their payloads may hold personal
   * data on a shared computer).
   */
  keepPendingEvents?: boolean;
}

/** The user's values of settings: setting id to value. */
export type SettingValues = Record<string, JsonValue>;

/** The user's state of one integration, from `GET /sdk/me`. */
export interface UserIntegration {
  enabled: boolean;
  credentialId?: string;
  /** `"VALID"` while the platform can use the credential. */
  credentialStatus?: string;
  providerId?: string;
  providerData?: Record<string, JsonValue>;
  allCredentials?: JsonValue[];
  /** The user's values of the integration's own settings. */
  sharedSettings?: SettingValues;
  /** Per workflow id: whether it is on for the user, and the user's values of its settings. */
  workflowSettings?: Record<string, { enabled: boolean; settings: SettingValues }>;
  [key: string]: JsonValue | undefined;
}

/** A user setting as the portal shows it (Paragon's serialized Connect input). */
export interface UserSettingInput {
  id: string;
  title: string;
  /** `TEXT_NO_VARS`, `NUMBER`, `BOOLEAN_INPUT`, `ENUM`, `DYNAMIC_ENUM` or `FIELD_MAPPER`. */
  type: "TEXT_NO_VARS" | "NUMBER" | "BOOLEAN_INPUT" | "ENUM" | "DYNAMIC_ENUM" | "FIELD_MAPPER";
  tooltip?: string | null;
  required: boolean;
  defaultValue?: JsonValue;
  /** An `ENUM`'s choices. */
  values?: { value: string; label: string }[];
  /** A `DYNAMIC_ENUM`'s or `FIELD_MAPPER`'s source, for `getFieldOptions`. */
  sourceType?: string;
  /** A `FIELD_MAPPER`'s fields of the app, each mapped to one of the source's options. */
  fields?: { id: string; label: string }[];
}

/** A workflow as `getIntegrationConfig` lists it. */
export interface IntegrationWorkflowMeta {
  id: string;
  description: string;
  infoText?: string | null;
  defaultEnabled: boolean;
  /** The workflow's own settings. */
  inputs: UserSettingInput[];
}

/** What `getIntegrationConfig` returns (Paragon's `IntegrationConfig`). */
export interface IntegrationConfig {
  shortDescription?: string | null;
  /** Markdown. */
  longDescription?: string | null;
  availableUserSettings: UserSettingInput[];
  availableWorkflows: IntegrationWorkflowMeta[];
  hiddenWorkflows: IntegrationWorkflowMeta[];
}

/** What the settings' setters resolve with. */
export interface UserSettingsUpdate {
  /** The user after the update, as `getUser()` returns it. */
  userState: ParagonUser;
  /** Why the platform refused the values (nothing was saved then); empty when saved. */
  errors: string[];
}

/** The options of the settings' setters. */
export interface UserSettingsOptions {
  /** The user's credential to update (by default, the one of the integration). */
  selectedCredentialId?: string;
}

/** The parameters of `getFieldOptions`. */
export interface FieldOptionsParams {
  /** The integration type, e.g. `"hubspot"`. */
  integration: string;
  /** The setting's `sourceType`, e.g. `"owners"`. */
  source: string;
  /** Only options whose label contains this. */
  search?: string;
  /** The `nextPageCursor` of the page before. */
  cursor?: string;
}

/** A page of a dynamic dropdown's options. */
export interface FieldOptions {
  data: { value: string; label: string }[];
  /** The `cursor` of the next page, or `null` on the last. */
  nextPageCursor: string | null;
}

/** What `getUser()` returns: never the token. */
export type ParagonUser =
  | { authenticated: false }
  | {
      authenticated: true;
      /** The token's `sub`. */
      userId: string;
      /** Per integration type (`"hubspot"`), the user's state of it. */
      integrations: Record<string, UserIntegration>;
      /** The metadata the app attached to the user. */
      meta: Record<string, JsonValue>;
    };

/** What `getIntegrationMetadata` returns for one integration. */
export interface IntegrationMetadata {
  /** The provider type, e.g. `"hubspot"`. */
  type: string;
  /** A name for people. */
  name: string;
  /** The integration's icon, an SVG served by the platform (`{host}/ui/icons/{type}.svg`). */
  icon: string;
}

/** Sent when the user connected an integration. */
export interface IntegrationInstallEvent {
  integrationId: string;
  integrationType: string;
  credentialId: string;
}

/** Sent when the user disconnected an integration. */
export interface IntegrationUninstallEvent {
  integrationId: string;
  integrationType: string;
}

/** Sent when the user turned a workflow on or off in the portal. */
export interface WorkflowChangeEvent {
  integrationId: string;
  workflowId: string;
  workflowStateChange: { enabled: boolean };
}

/** The payload of each event `subscribe` listens to. */
export interface SdkEvents {
  onIntegrationInstall: IntegrationInstallEvent;
  onIntegrationUninstall: IntegrationUninstallEvent;
  onWorkflowChange: WorkflowChangeEvent;
  onPortalOpen: undefined;
  onPortalClose: undefined;
}

/** The callbacks of `paragon.connect`; each gets the user (as `getUser()`) second. */
export interface ConnectOptions {
  /** The portal's theme for this opening; the project's appearance by default. */
  theme?: "light" | "dark" | "auto";
  onOpen?: (event: undefined, user: ParagonUser) => void;
  onClose?: (event: undefined, user: ParagonUser) => void;
  onSuccess?: (event: IntegrationInstallEvent, user: ParagonUser) => void;
  onInstall?: (event: IntegrationInstallEvent, user: ParagonUser) => void;
  onUninstall?: (event: IntegrationUninstallEvent, user: ParagonUser) => void;
  onWorkflowChange?: (event: WorkflowChangeEvent, user: ParagonUser) => void;
  onError?: (error: ParagonError, user: ParagonUser) => void;
}

/** The SDK object. */
export interface Paragon {
  /** Points the SDK at a platform. Throws a `ParagonError` (`INVALID_HOST`) on a bad URL. */
  configureGlobal(options: GlobalOptions): void;
  /** The SDK's version, e.g. `"0.1.0"`. */
  getVersion(): string;
  /**
   * Checks the token's `exp` locally, validates it with the platform and loads the user and
   * the project's integrations. The token is kept in memory only.
   */
  authenticate(projectId: string, token: string, options?: AuthenticateOptions): Promise<void>;
  /** The user, synchronously (`{ authenticated: false }` before `authenticate`). */
  getUser(): ParagonUser;
  /** Merges `meta` into the user's metadata (`null` removes a key); resolves with the user. */
  setUserMetadata(meta: Record<string, JsonValue>): Promise<ParagonUser>;
  /**
   * Integration `type`'s descriptions, user settings and workflows, as the portal shows them.
   * Throws `NOT_AUTHENTICATED` before `authenticate`, `UNKNOWN_INTEGRATION` for another type.
   */
  getIntegrationConfig(type: string): IntegrationConfig;
  /**
   * Saves the user's values of `type`'s settings (merged into the saved ones; `null` clears
   * one), all checked before any is saved. Rejects with `INVALID_ARGUMENT` before the user
   * connected `type`.
   */
  updateIntegrationUserSettings(type: string, values: SettingValues, options?: UserSettingsOptions): Promise<UserSettingsUpdate>;
  /** As `updateIntegrationUserSettings`, for the settings of workflow `workflowId`. */
  updateWorkflowUserSettings(type: string, workflowId: string, values: SettingValues, options?: UserSettingsOptions): Promise<UserSettingsUpdate>;
  /** A page of the options of a `DYNAMIC_ENUM` or `FIELD_MAPPER` setting, from the user's account. */
  getFieldOptions(params: FieldOptionsParams): Promise<FieldOptions>;
  /** Every integration of the project. Throws `NOT_AUTHENTICATED` before `authenticate`. */
  getIntegrationMetadata(): IntegrationMetadata[];
  /** One integration; throws `UNKNOWN_INTEGRATION` when the project has none of that type. */
  getIntegrationMetadata(type: string): IntegrationMetadata;
  /**
   * Forgets the user and the token, and closes the portal. The user's undelivered events are
   * removed from this browser, their `event()` promises reject with `EVENT_DISCARDED`, and
   * they are returned (oldest first); with `{ keepPendingEvents: true }` they stay and nothing
   * is returned (`[]`). Call `pendingEvents()` first to look, or `flush()` to send them.
   */
  logout(options?: LogoutOptions): PendingEvent[];
  /** Calls `listener` on every `name` event; returns the function that unsubscribes it. */
  subscribe<K extends keyof SdkEvents>(name: K, listener: (event: SdkEvents[K]) => void): () => void;
  /** Stops calling `listener` on `name` events. */
  unsubscribe<K extends keyof SdkEvents>(name: K, listener: (event: SdkEvents[K]) => void): void;
  /**
   * Opens the Connect Portal for integration `type` in an overlay; resolves with the install
   * event when the user connects it, or with `undefined` when the portal closes first.
   */
  connect(type: string, options?: ConnectOptions): Promise<IntegrationInstallEvent | undefined>;
  /** Closes the Connect Portal, if open. */
  closePortal(): void;
  /**
   * Connects integration `type` without the portal. Call it inside a click handler: the popup
   * opens synchronously (`OAuthBlockedError` if the browser blocks it). Resolves with the
   * install event; rejects with `OAuthTimeoutError` after `oauthTimeout`, or `OAUTH_CANCELLED`
   * when the user closes the popup.
   */
  installIntegration(type: string, options?: InstallOptions): Promise<IntegrationInstallEvent>;
  /**
   * Disconnects the user's integration `type` (its token is revoked at the provider), then
   * refreshes the user and calls the `onIntegrationUninstall` listeners.
   */
  uninstallIntegration(type: string): Promise<void>;
  /**
   * Calls the integration's API with the user's credential through the platform's proxy.
   * Resolves with the answer (JSON with the platform's `{ output }` unwrapped, text, or
   * `undefined` when empty); an error status of the provider rejects with a ParagonError
   * `PROVIDER_ERROR` carrying `status` and `body`.
   */
  request<T = unknown>(integrationType: string, path: string, init?: ProxyRequestInit): Promise<T | undefined>;
  /**
   * Runs the request-triggered workflow `workflowId` (its UUID or deploy id) for the user and
   * resolves with its answer as the workflow gave it (`undefined` when empty), or with
   * `{ executionId }` when the workflow did not answer within its time budget and goes on in
   * the background. Any other status rejects with a ParagonError `SERVER_ERROR` carrying
   * `status` and `body` (404: no such workflow; 422: not request-triggered, or not connected
   * or enabled by the user; 500: the run failed, `body.code` `WORKFLOW_FAILED`). An id that is
   * not one path segment rejects with `INVALID_ARGUMENT` before any request.
   */
  workflow<T = unknown>(workflowId: string, request?: WorkflowRequest): Promise<T | WorkflowExecution | undefined>;
  /** Turns a deployed workflow on for the user; calls the `onWorkflowChange` listeners. */
  enableWorkflow(workflowId: string): Promise<void>;
  /** Turns a deployed workflow off for the user; calls the `onWorkflowChange` listeners. */
  disableWorkflow(workflowId: string): Promise<void>;
  /**
   * Sends an App Event through the durable outbox (stored in `localStorage` before the first
   * send, retried with backoff, again after `authenticate`, on `online` and on page show).
   * Resolves once the platform has it; rejects with a `ParagonError` when the platform refuses
   * it for good (a 4xx other than 401: the event is dropped). After a 401 the event waits for
   * the next `authenticate`. Rejects at once, storing nothing, when the outbox is full
   * (`OUTBOX_FULL`: `maxPendingEvents` or `maxPendingBytes`) or `localStorage` refuses the
   * event (`STORAGE_FULL`); with `EVENT_DISCARDED` when `logout()` discards it.
   */
  event(name: string, payload?: Record<string, JsonValue>): Promise<EventReceipt>;
  /** Sends the pending events now; resolves when the outbox is empty or a send must wait. */
  flush(): Promise<void>;
  /** The user's events not delivered yet, oldest first (`[]` before `authenticate`). */
  pendingEvents(): PendingEvent[];
}

/** The platform's answer to an App Event. */
export interface EventReceipt {
  /** The platform's id of the event. */
  id: string;
  /** How many workflow runs the event started. */
  runs: number;
}

/** An event in the outbox. */
export interface PendingEvent {
  /** The event's UUID, sent as its `Idempotency-Key`. */
  id: string;
  name: string;
  payload: Record<string, JsonValue>;
  /** When `event()` was called, in milliseconds since the epoch. */
  createdAt: number;
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
