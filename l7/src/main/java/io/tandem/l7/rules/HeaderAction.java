package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.acl.RequestFacts;

/** {@code set-header NAME FMT}, {@code add-header NAME FMT} and {@code del-header NAME}, for requests and responses. */
public record HeaderAction(Operation operation, String name, Format value) implements RequestAction {

    /** The three header edits. */
    public enum Operation {
        /** Replace every occurrence with one. */
        SET,
        /** Add one occurrence after the existing ones. */
        ADD,
        /** Remove every occurrence. */
        DEL
    }

    @Override
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        switch (operation) {
            case SET -> headers.set(name, value.render(request));
            case ADD -> headers.add(name, value.render(request));
            case DEL -> headers.remove(name);
        }
        return RuleResult.CONTINUE;
    }
}
