/**
 * {@code tandem setup}: the console wizard that asks a node's questions (or reads them from an answers file),
 * builds its config, checks and diffs it, and applies it atomically with the pair's secret, the network settings
 * and the service.
 */
package io.tandem.appliance.setup;
