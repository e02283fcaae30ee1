export { invalidTextProblem, isStorableText } from "./invalid-text.js";
export { findInvalidText, type FindInvalidTextOptions, type TextViolation } from "./find-invalid-text.js";
export { createTextHygieneInterceptor, invalidTextError, INVALID_TEXT_REASON, PLATFORM_ERROR_DOMAIN } from "./text-hygiene-interceptor.js";
