package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.l7.acl.Word;

import java.util.List;

/** Reads one action's arguments; reports problems and returns null on error, leaving the condition unread. */
@FunctionalInterface
interface ActionParser {
    RequestAction parse(Word keyword, Args args, List<ConfigError> errors);
}
