package io.tandem.core.health;

import io.tandem.core.balance.Server;
import io.tandem.core.config.CheckConfig;

import java.time.Duration;

/** A server to check, how, and the connect timeout of its backend or service ({@code timeout connect}). */
public record CheckTarget(Server server, CheckConfig check, Duration connectTimeout) {
}
