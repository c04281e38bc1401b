// Typed client for the Cascade engine API (filled in with the OpenAPI work of issue 5).
export {};
