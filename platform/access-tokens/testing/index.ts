export { createTestSigningKey, signTestAccessToken, type TestSigningKey, type TestAccessTokenOptions } from "./test-signing-key.js";
export { startTestJwksServer, type TestJwksServer } from "./jwks-server.js";
