export { startTestConsumer, type TestConsumer } from "./start-test-consumer.js";
