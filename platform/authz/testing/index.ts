export { ACCESS_TEST_SERVICE, createAccessTestService } from "./access-test-service.js";
