export { mapErrors } from "./map-errors.js";
export { errorInfoDetail } from "./error-info.js";
