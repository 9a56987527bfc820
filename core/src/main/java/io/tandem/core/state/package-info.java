/**
 * The runtime state that outlives a compile: servers, pools, stick tables, counters and health checks under
 * qualified keys, and the {@link io.tandem.core.state.Recompile} that compiles a config against them, reusing
 * what the config still names and retiring the rest when it is committed.
 */
package io.tandem.core.state;
