import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/**
 * An independent gRPC client (grpc-js + proto-loader, not Connect) for health
 * checks and server reflection, so tests prove that any gRPC stack can talk to
 * our servers.
 */

const thirdParty = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto/third_party");

function loadPackage(file: string): grpc.GrpcObject {
  const definition = protoLoader.loadSync(file, { includeDirs: [thirdParty], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(definition);
}

type ClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

function clientFor(file: string, servicePath: string[], address: string): grpc.Client {
  let node: unknown = loadPackage(file);
  for (const part of servicePath) node = (node as Record<string, unknown>)[part];
  const Client = node as ClientConstructor;
  return new Client(address, grpc.credentials.createInsecure());
}

/** `grpc.health.v1.Health/Check` over grpc-js; resolves with the status name, e.g. "SERVING". */
export async function grpcJsHealthCheck(address: string, service = ""): Promise<string> {
  const client = clientFor("grpc/health/v1/health.proto", ["grpc", "health", "v1", "Health"], address);
  try {
    return await new Promise<string>((resolve, reject) => {
      (client as unknown as { Check: Function }).Check({ service }, { deadline: Date.now() + 5_000 }, (err: grpc.ServiceError | null, res: { status: string }) =>
        err ? reject(err) : resolve(res.status),
      );
    });
  } finally {
    client.close();
  }
}

/** Lists the services a server exposes through reflection (v1, or v1alpha) over grpc-js. */
export async function grpcJsListServices(address: string, version: "v1" | "v1alpha" = "v1"): Promise<string[]> {
  const client = clientFor(`grpc/reflection/${version}/reflection.proto`, ["grpc", "reflection", version, "ServerReflection"], address);
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = (client as unknown as { ServerReflectionInfo: Function }).ServerReflectionInfo({ deadline: Date.now() + 5_000 }) as grpc.ClientDuplexStream<object, Record<string, any>>;
      call.on("data", (response) => {
        call.end();
        if (response.error_response) reject(new Error(response.error_response.error_message));
        else resolve((response.list_services_response?.service ?? []).map((s: { name: string }) => s.name));
      });
      call.on("error", reject);
      call.write({ host: "", list_services: "" });
    });
  } finally {
    client.close();
  }
}
