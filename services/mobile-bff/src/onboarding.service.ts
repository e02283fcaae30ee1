/**
 * Onboarding (public) and Bootstrap: sign-up followed by the first wallet,
 * and everything the app needs on start, including a second chance to open
 * that wallet when Onboard could not.
 */
import type { Logger } from "pino";
import type { DeviceInfo } from "#gen/wallet/identity/v1/device_pb.js";
import type { MfaStatus, User } from "#gen/wallet/identity/v1/user_pb.js";
import { listWallets, openWallet, parseCurrency, type Wallet } from "./accounts.service.js";
import type { UpstreamCall } from "./caller.js";
import type { MobileBffDeps, Upstreams } from "./context.js";

/** Input of {@link onboard}. */
export interface OnboardInput {
  readonly email: string;
  readonly phone: string;
  readonly password: string;
  readonly device: DeviceInfo | undefined;
  readonly displayName: string;
  readonly locale: string;
  readonly currency: string;
}

/** What onboarding and bootstrap need beyond the upstreams. */
type Deps = Pick<MobileBffDeps, "onboarding" | "logger" | "config">;

/** A failure that should not fail the whole request: logged, then ignored. */
async function bestEffort<T>(logger: Logger, what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    logger.warn({ err }, what);
    return undefined;
  }
}

/**
 * Signs the user up with identity (its rules and refusals pass through), then
 * opens their first wallet in `currency`. The currency is checked before
 * sign-up, so a bad one creates no user. When the account cannot be opened
 * the answer still carries the user id without an account, and the currency
 * is remembered for Bootstrap to open it. `asUser` gives the upstream options
 * signed for the new user.
 */
export async function onboard(
  deps: Deps,
  up: Upstreams,
  on: UpstreamCall,
  asUser: (userId: string) => UpstreamCall,
  input: OnboardInput,
): Promise<{ userId: string; wallet?: Wallet }> {
  const currency = parseCurrency(input.currency, "currency");
  const { userId } = await up.identity.signUp(
    {
      email: input.email,
      phone: input.phone,
      password: input.password,
      device: input.device,
      displayName: input.displayName,
      locale: input.locale,
    },
    on(),
  );
  await bestEffort(deps.logger, "could not remember the onboarding currency", () => deps.onboarding.remember(userId, currency));
  const opened = await bestEffort(deps.logger, "could not open the first wallet; Bootstrap will retry", () => openWallet(up, asUser(userId), userId, currency));
  if (opened) await bestEffort(deps.logger, "could not forget the onboarding currency", () => deps.onboarding.forget(userId));
  return { userId, wallet: opened };
}

/**
 * The caller's user record (identity GetCurrentUser with the forwarded
 * bearer token) and wallets; a user without any wallet gets one opened in the
 * currency remembered from Onboard (else the default currency), as Onboard
 * promised. A failure to open it leaves the list empty, for the next Bootstrap.
 */
export async function bootstrap(deps: Deps, up: Upstreams, on: UpstreamCall, userId: string): Promise<{ user: User; mfa: MfaStatus | undefined; wallets: Wallet[] }> {
  const [me, wallets] = await Promise.all([up.identity.getCurrentUser({}, on({ withBearer: true })), listWallets(up, on, userId)]);
  if (wallets.length === 0) {
    const currency = (await bestEffort(deps.logger, "could not recall the onboarding currency", () => deps.onboarding.recall(userId))) ?? deps.config.defaultCurrency;
    const opened = await bestEffort(deps.logger, "could not open the first wallet at bootstrap", () => openWallet(up, on, userId, currency));
    if (opened) {
      wallets.push(opened);
      await bestEffort(deps.logger, "could not forget the onboarding currency", () => deps.onboarding.forget(userId));
    }
  }
  return { user: me.user!, mfa: me.user?.mfa, wallets };
}
