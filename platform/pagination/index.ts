export { pageSize, type PageSizeLimits } from "./page-size.js";
export { decodePageToken, encodePageToken, type PageTokenFields } from "./page-token.js";
export { createPageParser, type PageParser, type PageRequestFields, type PageRules } from "./page-request.js";
export { fetchLimit, takePage, type Page } from "./take-page.js";
