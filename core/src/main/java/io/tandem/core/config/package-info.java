/** The config model: immutable records loaded from YAML, with every error reported at its file position. */
package io.tandem.core.config;
