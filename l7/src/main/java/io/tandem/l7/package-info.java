/**
 * The L7 tier's entry point: {@link io.tandem.l7.L7Compiler} turns a loaded config into the immutable snapshot the
 * proxy runs on, adding every compile error (ACLs, rules, unresolvable servers) at its position.
 */
package io.tandem.l7;
