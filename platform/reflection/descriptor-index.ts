import { toBinary, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * Everything reflection can answer about the services a server hosts: the
 * files declaring them and every file those import, transitively.
 */
export interface DescriptorIndex {
  /** Fully-qualified names of the served services, sorted. */
  readonly serviceNames: readonly string[];
  /** The file declaring a symbol: message, field, enum, enum value, service, method or extension. */
  fileContainingSymbol(symbol: string): DescFile | undefined;
  /** A file by its path, e.g. "grpc/health/v1/health.proto". */
  fileByName(name: string): DescFile | undefined;
  /** The file declaring extension `number` of message `typeName`. */
  fileContainingExtension(typeName: string, number: number): DescFile | undefined;
  /** The extension numbers known for a message, or undefined for an unknown message. */
  extensionNumbersOf(typeName: string): number[] | undefined;
  /** Serialized FileDescriptorProtos of `file` followed by all its transitive imports. */
  fileWithDependencies(file: DescFile): Uint8Array[];
}

/**
 * Indexes the files of `services`. protoc-gen-es embeds descriptors without
 * json_name and source info, and restores json names and the import list
 * when loading them, so `file.proto` is a complete FileDescriptorProto that
 * grpcurl and buf can link.
 */
export function createDescriptorIndex(services: readonly DescService[]): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messages = new Map<string, DescMessage>();
  const extensionsByExtendee = new Map<string, Map<number, DescFile>>();
  const encoded = new Map<DescFile, Uint8Array>();

  const addFile = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    indexFile(file);
    file.dependencies.forEach(addFile);
  };

  const addExtension = (ext: { typeName: string; number: number; extendee: DescMessage; file: DescFile }) => {
    symbols.set(ext.typeName, ext.file);
    let byNumber = extensionsByExtendee.get(ext.extendee.typeName);
    if (!byNumber) extensionsByExtendee.set(ext.extendee.typeName, (byNumber = new Map()));
    byNumber.set(ext.number, ext.file);
  };

  const indexMessage = (message: DescMessage) => {
    symbols.set(message.typeName, message.file);
    messages.set(message.typeName, message);
    for (const field of message.fields) symbols.set(`${message.typeName}.${field.name}`, message.file);
    for (const oneof of message.oneofs) symbols.set(`${message.typeName}.${oneof.name}`, message.file);
    message.nestedMessages.forEach(indexMessage);
    for (const nested of message.nestedEnums) indexEnum(nested, message.typeName);
    message.nestedExtensions.forEach(addExtension);
  };

  const indexEnum = (desc: DescFile["enums"][number], scope: string) => {
    symbols.set(desc.typeName, desc.file);
    // Enum values are scoped next to their enum, not inside it (C++ rules).
    for (const value of desc.values) symbols.set(scope ? `${scope}.${value.name}` : value.name, desc.file);
  };

  function indexFile(file: DescFile) {
    const pkg = file.proto.package;
    file.messages.forEach(indexMessage);
    for (const desc of file.enums) indexEnum(desc, pkg);
    file.extensions.forEach(addExtension);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
  }

  for (const service of services) addFile(service.file);

  const encode = (file: DescFile): Uint8Array => {
    let bytes = encoded.get(file);
    if (!bytes) encoded.set(file, (bytes = toBinary(FileDescriptorProtoSchema, file.proto)));
    return bytes;
  };

  return {
    serviceNames: [...new Set(services.map((s) => s.typeName))].sort(),
    fileContainingSymbol: (symbol) => symbols.get(symbol.replace(/^\./, "")),
    fileByName: (name) => files.get(name),
    fileContainingExtension: (typeName, number) => extensionsByExtendee.get(typeName.replace(/^\./, ""))?.get(number),
    extensionNumbersOf(typeName) {
      const name = typeName.replace(/^\./, "");
      if (!messages.has(name)) return undefined;
      return [...(extensionsByExtendee.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
    fileWithDependencies(file) {
      const ordered: DescFile[] = [];
      const seen = new Set<string>();
      const visit = (f: DescFile) => {
        if (seen.has(f.name)) return;
        seen.add(f.name);
        ordered.push(f);
        f.dependencies.forEach(visit);
      };
      visit(file);
      return ordered.map(encode);
    },
  };
}
