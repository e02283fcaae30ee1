import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import type { Logger } from "pino";
import type { ChannelName } from "../storage/notification.table.js";
import { isPermanent } from "./delivery-error.js";

/** Options for {@link createProviderBreakers}. */
export interface ProviderBreakerOptions {
  /** Consecutive transient failures of one provider that open its circuit. */
  readonly failures: number;
  /** How long an open circuit rests before one trial send (half-open). */
  readonly halfOpenAfterMs: number;
}

/** One circuit breaker per channel's provider. */
export interface ProviderBreakers {
  /** How long an open circuit rests: a notification of its channel waits that long. */
  readonly restMs: number;
  /** True while the channel's circuit is open and resting: sending now would only burn an attempt. */
  isOpen(channel: ChannelName): boolean;
  /** True when the channel's next send is the trial of a half-open circuit. */
  isTrialDue(channel: ChannelName): boolean;
  /** Runs a send through the channel's breaker; throws BrokenCircuitError when it may not run now. */
  execute<T>(channel: ChannelName, send: () => Promise<T>): Promise<T>;
}

export { BrokenCircuitError };

/**
 * A provider that is down fails every send until it is back. Without a
 * breaker each queued message spends an attempt per retry, and an outage
 * longer than the retry schedule dead-letters everything queued. With one,
 * after `failures` consecutive transient failures (timeouts, 5xx, refused
 * connections; a permanent refusal of one message says nothing about the
 * provider) the channel rests for `halfOpenAfterMs`: its messages are
 * postponed without an attempt counted, then a single trial send decides
 * whether the circuit closes or rests again (a failed trial counts no attempt
 * either: it only confirms the outage). One channel's outage never holds
 * back the others.
 */
export function createProviderBreakers(options: ProviderBreakerOptions, logger: Logger): ProviderBreakers {
  const transient = handleWhen((err) => !isPermanent(err));
  const breakers = new Map<ChannelName, { policy: CircuitBreakerPolicy; openedAt: number }>();
  const breakerOf = (channel: ChannelName) => {
    let breaker = breakers.get(channel);
    if (!breaker) {
      const policy = circuitBreaker(transient, { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failures) });
      const entry = { policy, openedAt: 0 };
      policy.onStateChange((state) => {
        if (state === CircuitState.Open) {
          entry.openedAt = Date.now();
          logger.warn({ channel, halfOpenAfterMs: options.halfOpenAfterMs }, "provider circuit opened; sends paused");
        }
        if (state === CircuitState.Closed) logger.info({ channel }, "provider circuit closed; sends resumed");
      });
      breakers.set(channel, (breaker = entry));
    }
    return breaker;
  };
  // cockatiel moves from open to half-open only inside execute(), once the rest is over: until then its state still reads Open.
  const resting = (channel: ChannelName) => {
    const { policy, openedAt } = breakerOf(channel);
    return policy.state === CircuitState.Open && Date.now() - openedAt < options.halfOpenAfterMs;
  };
  return {
    restMs: options.halfOpenAfterMs,
    isOpen: resting,
    isTrialDue: (channel) => {
      const { state } = breakerOf(channel).policy;
      return state === CircuitState.HalfOpen || (state === CircuitState.Open && !resting(channel));
    },
    execute: (channel, send) => breakerOf(channel).policy.execute(send),
  };
}
