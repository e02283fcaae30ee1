import { scrubProviderMessage } from "../delivery-error.js";
import { ProviderError, type DeliveryProvider, type OutgoingNotification, type ProviderName, type ProviderReceipt } from "./provider.js";
import { signatureHeaders } from "./request-signature.js";

/** Options for {@link createHttpProvider}. */
export interface HttpProviderOptions {
  readonly name: ProviderName;
  /** The gateway endpoint, POSTed JSON. */
  readonly url: string;
  /** Bearer key; no authorization header without one. */
  readonly apiKey?: string | undefined;
  /** HMAC key of the request signature. */
  readonly signingSecret: string;
  readonly timeoutMs: number;
  /** The JSON body for one notification; throws a permanent ProviderError when there is nothing to send to. */
  readonly body: (notification: OutgoingNotification) => Promise<unknown>;
  readonly clock?: () => Date;
}

/** Statuses that mean "try again later" although they are 4xx. */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 429]);

/** The gateway's message id from a JSON body `{ "id": ... }`, if any. */
async function messageIdOf(response: Response): Promise<string | null> {
  try {
    const json = (await response.json()) as { id?: unknown };
    return typeof json.id === "string" || typeof json.id === "number" ? String(json.id) : null;
  } catch {
    return null;
  }
}

/**
 * An SMS or push gateway over HTTP: a signed JSON POST with the notification
 * id as `idempotency-key`, so a gateway can drop the duplicate sent after a
 * lost response. 2xx is accepted; other 4xx (except 408 and 429) are
 * permanent; 5xx, 408, 429, network errors and timeouts are retried.
 */
export function createHttpProvider(options: HttpProviderOptions): DeliveryProvider {
  const clock = options.clock ?? (() => new Date());

  async function send(notification: OutgoingNotification, signal: AbortSignal): Promise<ProviderReceipt> {
    const rawBody = JSON.stringify(await options.body(notification));
    const response = await fetch(options.url, {
      method: "POST",
      body: rawBody,
      signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
      headers: {
        "content-type": "application/json",
        "idempotency-key": notification.id,
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        ...signatureHeaders(options.signingSecret, rawBody, clock()),
      },
    });
    if (response.ok) return { providerMessageId: await messageIdOf(response) };
    const text = scrubProviderMessage((await response.text().catch(() => "")).slice(0, 500));
    const permanent = response.status >= 400 && response.status < 500 && !RETRYABLE_CLIENT_STATUSES.has(response.status);
    throw new ProviderError(`gateway refused the request${text ? `: ${text}` : ""}`, permanent, response.status);
  }

  return { name: options.name, send };
}
