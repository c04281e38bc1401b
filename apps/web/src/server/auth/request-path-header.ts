/**
 * Request header in which the proxy passes the requested path and query down to server
 * components: layouts are not told their URL, and the login redirect wants to come back to it.
 */
export const REQUEST_PATH_HEADER = "x-cascade-request-path";
