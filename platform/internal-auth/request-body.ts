import { ConnectError, Code, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { EMPTY_BODY_DIGEST, messageDigest } from "./signature.js";

/**
 * Digest of a request's body, and the request to pass on (server-streaming
 * input is read to digest it, then handed on as a fresh iterable).
 *
 * Unary and server-streaming calls carry exactly one request message, which
 * is digested. Client- and bidi-streaming calls sign {@link EMPTY_BODY_DIGEST}:
 * their messages arrive over time, after the headers are sent.
 */
export async function digestRequest<R extends UnaryRequest | StreamRequest>(req: R): Promise<{ digest: string; req: R }> {
  if (!req.stream) return { digest: messageDigest(req.method.input, req.message), req };
  if (req.method.methodKind !== "server_streaming") return { digest: EMPTY_BODY_DIGEST, req };
  const messages = [];
  for await (const message of req.message) {
    messages.push(message);
    if (messages.length > 1) throw new ConnectError("server-streaming call with more than one request message", Code.InvalidArgument);
  }
  const [single] = messages;
  if (single === undefined) throw new ConnectError("server-streaming call without a request message", Code.InvalidArgument);
  return { digest: messageDigest(req.method.input, single), req: { ...req, message: createAsyncIterable(messages) } };
}
