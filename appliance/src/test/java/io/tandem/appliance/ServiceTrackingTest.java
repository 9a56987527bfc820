package io.tandem.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.core.config.ConfigLoader;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What VRRP's {@code track.services} sees of an L7 frontend: healthy while a routable backend has a usable server. */
class ServiceTrackingTest {
    private static CheckedConfig checked() {
        CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse("t.yaml", """
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:18080
                      acl: { is_api: path_beg /api/ }
                      use-backend: [ "api if is_api" ]
                      default-backend: app
                    drained:
                      bind: 127.0.0.1:18081
                      default-backend: app
                  backends:
                    api: { servers: { a1: 127.0.0.1:9001 } }
                    app: { servers: { b1: { address: 127.0.0.1:9002, weight: 0 } } }
                """, Map.of()));
        assertTrue(checked.ok(), checked.errors().toString());
        return checked;
    }

    @Test
    void frontendRoutesToItsDefaultBackendAndEveryUseBackendTarget() {
        assertEquals(List.of("app", "api"),
                List.copyOf(ServiceTracking.routedBackends(checked().config().l7().frontends().get("web"))));
    }

    @Test
    void frontendIsHealthyWhileAnyRoutableServerIsUsable() {
        CheckedConfig c = checked();
        assertTrue(ServiceTracking.of(c.snapshot(), "web").healthy(), "api's a1 is usable");
        assertFalse(ServiceTracking.of(c.snapshot(), "drained").healthy(), "app's only server has weight 0");
        assertNull(ServiceTracking.of(c.snapshot(), "nosuch"));
    }
}
