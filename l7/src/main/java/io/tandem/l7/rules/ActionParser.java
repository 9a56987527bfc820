package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.l7.acl.StickScope;
import io.tandem.l7.acl.Word;

import java.util.List;

/**
 * Reads one action's arguments; reports problems and returns null on error, leaving the condition unread.
 * {@code stick} holds the section's stick tables, for {@code track-scN}.
 */
@FunctionalInterface
interface ActionParser {
    RequestAction parse(Word keyword, Args args, StickScope stick, List<ConfigError> errors);
}
