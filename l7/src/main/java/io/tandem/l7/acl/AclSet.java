package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The named ACLs a frontend or backend's rules can refer to: its own, plus HAProxy's predefined ones. */
public final class AclSet {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]+");

    /** HAProxy's predefined ACLs, minus those that need a buffered body; always available. */
    private static final Map<String, Acl> PREDEFINED = predefined();

    /** Only the predefined ACLs, for a proxy without {@code acl} entries. */
    public static final AclSet PREDEFINED_ONLY = new AclSet(PREDEFINED, StickScope.none());

    private final Map<String, Acl> acls;
    private final StickScope stick;

    private AclSet(Map<String, Acl> acls, StickScope stick) {
        this.acls = Collections.unmodifiableMap(acls);
        this.stick = stick;
    }

    /**
     * Compiles the {@code acl} entries (name to expression). Every bad expression, bad name or attempt to
     * redefine a predefined ACL is reported; the set holds the ACLs that compiled.
     */
    public static AclSet compile(Map<String, Located<String>> definitions, List<ConfigError> errors) {
        return compile(definitions, StickScope.none(), errors);
    }

    /**
     * Compiles the {@code acl} entries of a section whose stick tables are {@code stick}; anonymous ACLs in the
     * section's conditions use the same tables.
     */
    public static AclSet compile(Map<String, Located<String>> definitions, StickScope stick, List<ConfigError> errors) {
        Map<String, Acl> acls = new LinkedHashMap<>(PREDEFINED);
        definitions.forEach((name, expression) -> {
            SourcePos pos = expression.pos();
            if (!NAME.matcher(name).matches()) {
                errors.add(new ConfigError(pos, "invalid ACL name '" + name
                        + "': use letters, digits, '_', '-', '.' and ':'"));
            } else if (PREDEFINED.containsKey(name)) {
                errors.add(new ConfigError(pos, "'" + name + "' is a predefined ACL and cannot be redefined"));
            } else {
                Acl acl = Acl.compile(Words.split(expression.value(), pos, errors), pos, stick, errors);
                if (acl != null) {
                    acls.put(name, acl);
                }
            }
        });
        return new AclSet(acls, stick);
    }

    /** The ACL called {@code name}, or null. */
    public Acl get(String name) {
        return acls.get(name);
    }

    /** The stick tables of the section these ACLs belong to. */
    public StickScope stickScope() {
        return stick;
    }

    /** Every name this set knows, its own and the predefined. */
    public Set<String> names() {
        return acls.keySet();
    }

    private static Map<String, Acl> predefined() {
        Map<String, String> expressions = new LinkedHashMap<>();
        expressions.put("TRUE", "always_true");
        expressions.put("FALSE", "always_false");
        expressions.put("HTTP", "req.proto_http");
        expressions.put("HTTP_1.0", "req.ver 1.0");
        expressions.put("HTTP_1.1", "req.ver 1.1");
        expressions.put("HTTP_2.0", "req.ver 2.0");
        expressions.put("HTTP_CONTENT", "hdr(content-length) -m int gt 0");
        expressions.put("HTTP_URL_ABS", "url_reg ^[^/:]*://");
        expressions.put("HTTP_URL_SLASH", "url_beg /");
        expressions.put("HTTP_URL_STAR", "url *");
        expressions.put("LOCALHOST", "src 127.0.0.1/8 ::1");
        for (String method : List.of("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE")) {
            // HAProxy's METH_GET also accepts HEAD, since a HEAD is a GET without the body.
            expressions.put("METH_" + method, method.equals("GET") ? "method GET HEAD" : "method " + method);
        }
        List<ConfigError> errors = new ArrayList<>();
        Map<String, Acl> acls = new LinkedHashMap<>();
        expressions.forEach((name, text) -> acls.put(name, Acl.compile(text, new SourcePos("<predefined>", 1, 1), errors)));
        if (!errors.isEmpty()) {
            throw new IllegalStateException("predefined ACLs do not compile: " + errors);
        }
        return Collections.unmodifiableMap(acls);
    }
}
