/** The feature.skewReport input for "the latest report", shared by the server prefetch and the browser. */
export const LATEST_SKEW_REPORT_INPUT = {} as const;
