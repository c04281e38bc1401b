/**
 * PostgreSQL NOTIFY channel a rule-set publish or rollback signals in its transaction (payload: the
 * surface id); every engine LISTENs on it and reloads that surface's published config.
 */
export const RULES_CHANGED_CHANNEL = "cascade_rules_changed";
