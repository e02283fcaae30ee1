import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { DescriptorIndex } from "./descriptor-index.js";

type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;
type MessageResponse = Response["messageResponse"];

/** Answers one reflection request from the index. */
export function answerReflectionRequest(index: DescriptorIndex, req: Request): Response {
  return create(v1.ServerReflectionResponseSchema, {
    validHost: req.host,
    originalRequest: req,
    messageResponse: answer(index, req),
  });
}

function answer(index: DescriptorIndex, req: Request): MessageResponse {
  const request = req.messageRequest;
  switch (request.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: create(v1.ListServiceResponseSchema, { service: index.serviceNames.map((name) => ({ name })) }),
      };
    case "fileByFilename": {
      const file = index.fileByName(request.value);
      return file ? files(index.fileWithDependencies(file)) : notFound(`file "${request.value}" not found`);
    }
    case "fileContainingSymbol": {
      const file = index.fileContainingSymbol(request.value);
      return file ? files(index.fileWithDependencies(file)) : notFound(`symbol "${request.value}" not found`);
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = request.value;
      const file = index.fileContainingExtension(containingType, extensionNumber);
      return file
        ? files(index.fileWithDependencies(file))
        : notFound(`extension ${extensionNumber} of "${containingType}" not found`);
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(request.value);
      if (!numbers) return notFound(`type "${request.value}" not found`);
      return {
        case: "allExtensionNumbersResponse",
        value: create(v1.ExtensionNumberResponseSchema, { baseTypeName: request.value, extensionNumber: numbers }),
      };
    }
    default:
      return error(Code.InvalidArgument, "empty reflection request");
  }
}

function files(fileDescriptorProto: Uint8Array[]): MessageResponse {
  return { case: "fileDescriptorResponse", value: create(v1.FileDescriptorResponseSchema, { fileDescriptorProto }) };
}

function notFound(message: string): MessageResponse {
  return error(Code.NotFound, message);
}

function error(code: Code, errorMessage: string): MessageResponse {
  // Connect's Code numbers are the gRPC status codes the protocol expects.
  return { case: "errorResponse", value: create(v1.ErrorResponseSchema, { errorCode: code, errorMessage }) };
}

/** grpc.reflection.v1.ServerReflection over the index. */
export function createReflectionServiceV1(index: DescriptorIndex): ServiceImpl<typeof v1.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) yield answerReflectionRequest(index, req);
    },
  };
}

/**
 * grpc.reflection.v1alpha.ServerReflection, which older grpcurl and many
 * clients still use. Its messages are wire-identical to v1, so requests and
 * responses are translated through their binary form.
 */
export function createReflectionServiceV1alpha(
  index: DescriptorIndex,
): ServiceImpl<typeof v1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const alphaReq of requests) {
        const req = fromBinary(v1.ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, alphaReq));
        const res = answerReflectionRequest(index, req);
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(v1.ServerReflectionResponseSchema, res));
      }
    },
  };
}
