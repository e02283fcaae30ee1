export { createDescriptorIndex, type DescriptorIndex } from "./descriptor-index.js";
export {
  answerReflectionRequest,
  createReflectionServiceV1,
  createReflectionServiceV1alpha,
} from "./reflection-service.js";
export { registerReflection, reflectionServices } from "./register-reflection.js";
