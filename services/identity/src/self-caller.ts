/** The end user behind a self-service call, from their verified access token. */
export interface SelfCaller {
  readonly userId: string;
  readonly sessionId: string;
  readonly deviceId: string;
  readonly amr: readonly string[];
  readonly authTime: Date;
}
