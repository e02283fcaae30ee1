import amqp, { type ChannelModel } from "amqplib";
import { testInfrastructure } from "./infrastructure.js";
import { useResource } from "./use-resource.js";
import { randomSuffix, testFileSlug } from "./unique-name.js";

/** A RabbitMQ connection and a namespace of exchange/queue names for one test file. */
export interface TestAmqp {
  readonly url: string;
  readonly connection: ChannelModel;
  /**
   * `test.<file>.<random>.<suffix>`: the same suffix always gives the same
   * name within this instance, and no other instance gets it. Every name
   * handed out is deleted (as queue and as exchange) by `cleanup()`.
   */
  name(suffix: string): string;
  /** Deletes the queues and exchanges named through `name()` and closes the connection. */
  cleanup(): Promise<void>;
}

/** Connects to the test RabbitMQ and starts a fresh name namespace. */
export async function createTestAmqp(): Promise<TestAmqp> {
  const infra = await testInfrastructure();
  const connection = await amqp.connect(infra.amqpUrl);
  connection.on("error", () => {});
  const namespace = `test.${testFileSlug()}.${randomSuffix()}`;
  const names = new Set<string>();

  // Each delete gets its own channel: a failing AMQP operation closes its channel.
  const attempt = async (op: (channel: amqp.Channel) => Promise<unknown>) => {
    const channel = await connection.createChannel();
    channel.on("error", () => {});
    try {
      await op(channel);
    } catch {
      // Deleting what was never declared is fine.
    } finally {
      await channel.close().catch(() => {});
    }
  };

  return {
    url: infra.amqpUrl,
    connection,
    name: (suffix) => {
      const name = `${namespace}.${suffix}`;
      names.add(name);
      return name;
    },
    cleanup: async () => {
      try {
        for (const name of names) {
          await attempt((ch) => ch.deleteQueue(name));
          await attempt((ch) => ch.deleteExchange(name));
        }
      } finally {
        await connection.close().catch(() => {});
      }
    },
  };
}

/** Registers hooks around {@link createTestAmqp}; returns an async accessor. */
export function useTestAmqp(): () => Promise<TestAmqp> {
  return useResource(createTestAmqp, (amqp) => amqp.cleanup());
}
