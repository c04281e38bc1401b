export * from "./itemFields.ts";
export * from "./expressionSyntax.ts";
export { parseExpression, EXPRESSION_LIMITS } from "./expressionParser.ts";
export type { ItemPredicate } from "./expressionCompiler.ts";
export * from "./filterExpression.ts";
export * from "./surfaceConfig.ts";
export * from "./defaultSurfaceConfigs.ts";
export * from "./rulesChangedChannel.ts";
