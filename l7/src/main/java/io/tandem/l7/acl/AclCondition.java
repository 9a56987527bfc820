package io.tandem.l7.acl;

import java.util.List;

/** A compiled condition: OR of AND-groups of possibly negated ACLs, the whole possibly inverted by {@code unless}. */
final class AclCondition implements Condition {

    /** One term: an ACL, negated by {@code !}. */
    record Term(Acl acl, boolean negated) {
    }

    private final Term[][] groups;
    private final boolean unless;

    AclCondition(List<List<Term>> groups, boolean unless) {
        this.groups = groups.stream().map(g -> g.toArray(Term[]::new)).toArray(Term[][]::new);
        this.unless = unless;
    }

    @Override
    public boolean test(RequestFacts request) {
        return anyGroupHolds(request) != unless;
    }

    private boolean anyGroupHolds(RequestFacts request) {
        for (Term[] group : groups) {
            if (allHold(group, request)) {
                return true;
            }
        }
        return false;
    }

    private static boolean allHold(Term[] group, RequestFacts request) {
        for (Term term : group) {
            if (term.acl().test(request) == term.negated()) {
                return false;
            }
        }
        return true;
    }
}
