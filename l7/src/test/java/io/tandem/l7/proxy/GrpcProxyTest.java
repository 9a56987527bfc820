package io.tandem.l7.proxy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tandem.core.testing.TestCertificates;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC through the proxy with grpc-java on both sides: servers with {@code proto: h2}, a client on a {@code proto h2}
 * bind. Every RPC is balanced on its own, streams pass whole both ways, and the proxy's own errors reach the client
 * as gRPC status codes, never as an HTML page or a hang.
 */
class GrpcProxyTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    /** The frontend's bind options: gRPC clients speak HTTP/2 with prior knowledge. */
    private String bindOptions = "proto h2";

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T opened(T resource) {
        open.add(resource);
        return resource;
    }

    private ProxyHarness proxy(String backend, Map<String, String> servers) throws Exception {
        return proxy(backend, servers, "");
    }

    /**
     * The proxy in front of {@code servers} ({@code name: address} pairs), each with {@code proto: h2} and the
     * server keys {@code more} (", ssl: ..." or nothing), in a roundrobin backend with the keys {@code backend}.
     */
    private ProxyHarness proxy(String backend, Map<String, String> servers, String more) throws Exception {
        StringBuilder lines = new StringBuilder();
        servers.forEach((name, address) -> lines.append("        ").append(name).append(": { address: \"")
                .append(address).append("\", proto: h2").append(more).append(" }\n"));
        return opened(ProxyHarness.start("""
                defaults:
                  timeout: { connect: 2s, client: 30s, server: 30s }
                  retries: 2
                l7:
                  frontends:
                    grpc:
                      bind: 127.0.0.1:${PORT} %s
                      default-backend: app
                  backends:
                    app:
                      balance: roundrobin
                      %s
                      servers:
                %s""".formatted(bindOptions, backend, lines), Map.of()));
    }

    private ManagedChannel channel(ProxyHarness proxy) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port).usePlaintext().build();
        open.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
        });
        return channel;
    }

    private static CallOptions deadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static String unary(ManagedChannel channel) {
        return new String(ClientCalls.blockingUnaryCall(channel, GrpcBackend.UNARY, deadline(), new byte[]{1}),
                StandardCharsets.UTF_8);
    }

    private List<GrpcBackend> backends(String... names) throws Exception {
        List<GrpcBackend> backends = new ArrayList<>();
        for (String name : names) {
            backends.add(opened(GrpcBackend.start(name)));
        }
        return backends;
    }

    private static Map<String, String> servers(List<GrpcBackend> backends) {
        Map<String, String> servers = new java.util.LinkedHashMap<>();
        for (GrpcBackend backend : backends) {
            servers.put(backend.name, backend.address());
        }
        return servers;
    }

    @Test
    void threeHundredUnaryRpcsOnOneChannelSpreadEvenlyOverThreeServers() throws Exception {
        List<GrpcBackend> abc = backends("a", "b", "c");
        ManagedChannel channel = channel(proxy("", servers(abc)));
        Map<String, Integer> answers = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            answers.merge(unary(channel), 1, Integer::sum);
        }
        for (GrpcBackend backend : abc) {
            int got = backend.unaryCalls.get();
            assertTrue(got >= 80 && got <= 120, backend.name + " got " + got + " of 300: " + answers);
            assertEquals(got, answers.get(backend.name));
        }
    }

    @Test
    void serverClientAndBidiStreamsPassWhole() throws Exception {
        ManagedChannel channel = channel(proxy("", servers(backends("a"))));

        Iterator<byte[]> download = ClientCalls.blockingServerStreamingCall(channel, GrpcBackend.DOWNLOAD,
                deadline(), "5000".getBytes(StandardCharsets.UTF_8));
        int received = 0;
        while (download.hasNext()) {
            assertArrayEquals(GrpcBackend.message(received), download.next(), "message " + received);
            received++;
        }
        assertEquals(5000, received);

        CompletableFuture<String> uploaded = new CompletableFuture<>();
        StreamObserver<byte[]> upload = ClientCalls.asyncClientStreamingCall(
                channel.newCall(GrpcBackend.UPLOAD, deadline()), completing(uploaded));
        for (int i = 0; i < 5000; i++) {
            upload.onNext(GrpcBackend.message(i));
        }
        upload.onCompleted();
        assertEquals("5000 5000000", uploaded.get(30, TimeUnit.SECONDS));

        List<byte[]> echoed = new ArrayList<>();
        CompletableFuture<String> echoDone = new CompletableFuture<>();
        StreamObserver<byte[]> echo = ClientCalls.asyncBidiStreamingCall(channel.newCall(GrpcBackend.ECHO,
                deadline()), new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        synchronized (echoed) {
                            echoed.add(value);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        echoDone.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        echoDone.complete("done");
                    }
                });
        for (int i = 0; i < 1000; i++) {
            echo.onNext(GrpcBackend.message(i));
        }
        echo.onCompleted();
        echoDone.get(30, TimeUnit.SECONDS);
        assertEquals(1000, echoed.size());
        for (int i = 0; i < 1000; i++) {
            assertArrayEquals(GrpcBackend.message(i), echoed.get(i), "echo " + i);
        }
    }

    /** Starts {@code n} calls that the servers never answer; each future ends only if the call fails. */
    private static List<CompletableFuture<String>> hangingCalls(ManagedChannel channel, int n) {
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CompletableFuture<String> call = new CompletableFuture<>();
            ClientCalls.asyncUnaryCall(channel.newCall(GrpcBackend.HANG, deadline()), new byte[]{1},
                    completing(call));
            calls.add(call);
        }
        return calls;
    }

    @Test
    void aClientThatStopsReadingStopsTheServerThroughFlowControl() throws Exception {
        GrpcBackend flood = backends("flood").get(0);
        ProxyHarness proxy = proxy("", servers(List.of(flood)));
        ManagedChannel channel = channel(proxy);
        io.grpc.ClientCall<byte[], byte[]> call = channel.newCall(GrpcBackend.FLOOD, deadline());
        call.start(new io.grpc.ClientCall.Listener<>() {
        }, new io.grpc.Metadata());
        // One message asked for, none more: the client's window fills, then the proxy's stream to the server.
        call.request(1);
        call.sendMessage(new byte[]{1});
        call.halfClose();
        io.tandem.core.testing.Await.until("the server's stream stopped taking more", flood.floodBlocked::get);
        // Meanwhile other calls to that server, on the same server connection, go on: the stalled stream holds
        // only its own window. Without back-pressure the flood would pass hundreds of MB in the time they take.
        ManagedChannel other = channel(proxy);
        for (int i = 0; i < 300; i++) {
            assertEquals("flood", unary(other));
        }
        long sent = flood.floodBytes.get();
        assertTrue(sent < 32L * 1024 * 1024, "the proxy read " + sent + " bytes for a client that reads nothing");
        call.cancel("done", null);
    }

    private static StreamObserver<byte[]> completing(CompletableFuture<String> result) {
        return new StreamObserver<>() {
            private String value;

            @Override
            public void onNext(byte[] next) {
                value = new String(next, StandardCharsets.UTF_8);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.complete(value);
            }
        };
    }

    @Test
    void aKilledServerGivesUnavailableAtOnceThenItsRpcsGoToTheOthers() throws Exception {
        List<GrpcBackend> abc = backends("a", "b", "c");
        ManagedChannel channel = channel(proxy("", servers(abc)));
        for (int i = 0; i < 30; i++) {
            unary(channel);
        }
        // One call in flight on each server: the one on the killed server ends with its connection, at once.
        List<CompletableFuture<String>> hangs = hangingCalls(channel, 3);
        io.tandem.core.testing.Await.until("a call on each server",
                () -> abc.stream().allMatch(server -> server.hangCalls.get() == 1));
        abc.get(1).kill();
        CompletableFuture<Object> first = CompletableFuture.anyOf(hangs.toArray(CompletableFuture[]::new));
        java.util.concurrent.ExecutionException ended = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> first.get(10, TimeUnit.SECONDS), "the call on the killed server did not end within 10s");
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(ended.getCause()).getCode(), ended.toString());
        Map<String, Integer> after = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            after.merge(unary(channel), 1, Integer::sum);
        }
        assertEquals(60, after.getOrDefault("a", 0) + after.getOrDefault("c", 0), after.toString());
    }

    @Test
    void aServerGoingAwayFinishesItsStreamAndTheNextCallsGoToTheOthers() throws Exception {
        List<GrpcBackend> ab = backends("a", "b");
        ManagedChannel channel = channel(proxy("", servers(ab)));
        assertEquals("a", unary(channel));
        assertEquals("b", unary(channel));
        // A server stream opened on a's connection, then a sends GOAWAY: the stream still runs to its end.
        Iterator<byte[]> download = ClientCalls.blockingServerStreamingCall(channel, GrpcBackend.DOWNLOAD,
                deadline(), "3000".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(GrpcBackend.message(0), download.next());
        ab.get(0).shutdown();
        int received = 1;
        while (download.hasNext()) {
            assertArrayEquals(GrpcBackend.message(received), download.next(), "message " + received);
            received++;
        }
        assertEquals(3000, received);
        // New calls open no stream on a's connection; a takes no new connection, so b serves them all (one sent
        // in the round trip before a's final GOAWAY may still be a's).
        Map<String, Integer> after = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            after.merge(unary(channel), 1, Integer::sum);
        }
        assertTrue(after.getOrDefault("b", 0) >= 19, after.toString());
    }

    @Test
    void noServerToTakeTheRpcIsUnavailableNotAnHtmlPage() throws Exception {
        int closed = TestPorts.freePort();
        ManagedChannel channel = channel(proxy("", Map.of("gone", "127.0.0.1:" + closed)));
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> unary(channel));
        assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode(), error.toString());
        assertEquals("No server is available to handle this request.", error.getStatus().getDescription());
    }

    @Test
    void aServerSlowerThanTimeoutServerIsDeadlineExceeded() throws Exception {
        ManagedChannel channel = channel(proxy("timeout: { server: 500ms }", servers(backends("a"))));
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, GrpcBackend.HANG, deadline(), new byte[]{1}));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode(), error.toString());
        assertEquals("a", unary(channel), "the proxy and its server connection serve on");
    }

    @Test
    void httpChecksOfAnH2ServerGoAsHttp2StreamsAndAreJudgedByTheirStatus() throws Exception {
        GrpcBackend a = opened(GrpcBackend.start("a"));
        // A gRPC server answers a GET without a gRPC content-type 415: over HTTP/1.1 it would only close.
        ProxyHarness proxy = proxy("check: { http: GET /healthz, expect: status 415, inter: 200ms, fall: 1, rise: 1 }",
                servers(List.of(a)));
        io.tandem.core.balance.Server checked = proxy.snapshot.backends().get("app").servers().get(0);
        io.tandem.core.testing.Await.until("a check ran",
                () -> proxy.state.healthChecks().check(checked).lastResult() != null);
        io.tandem.core.health.CheckResult result = proxy.state.healthChecks().check(checked).lastResult();
        assertTrue(checked.isUp() && result.passed(), result.toString());
        assertEquals("HTTP 415", result.detail());
        assertEquals("a", unary(channel(proxy)));
        a.kill();
        io.tandem.core.testing.Await.until("app/a DOWN once its server is gone", () -> !checked.isUp());
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> unary(channel(proxy)));
        assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode(), error.toString());
    }

    @Test
    void streamsBeyondTheServersConcurrentStreamLimitGoOnAnotherConnection() throws Exception {
        GrpcBackend limited = opened(GrpcBackend.startLimited("limited", 4));
        ManagedChannel channel = channel(proxy("", servers(List.of(limited))));
        List<CompletableFuture<String>> calls = hangingCalls(channel, 10);
        // Over one connection the server would refuse six of them (RST_STREAM REFUSED_STREAM).
        io.tandem.core.testing.Await.until("all ten calls at the server", () -> limited.hangCalls.get() == 10);
        assertTrue(calls.stream().noneMatch(CompletableFuture::isDone), "no call failed");
        assertEquals("limited", unary(channel));
    }

    @Test
    void anHttp11ClientReachesAnH2cServerAndGetsItsTrailersChunked() throws Exception {
        bindOptions = "";
        ProxyHarness proxy = proxy("", servers(backends("a")));
        byte[] message = {0, 0, 0, 0, 1, 7};
        try (java.net.Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, "POST /tandem.Test/Unary HTTP/1.1\r\nHost: grpc.test\r\n"
                    + "Content-Type: application/grpc\r\nContent-Length: 6\r\nConnection: close\r\n\r\n"
                    + new String(message, StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
            assertTrue(response.contains("transfer-encoding: chunked\r\n"), response);
            // One gRPC message, the server's name "a", then the trailers after the last chunk.
            assertTrue(response.contains("\u0000\u0000\u0000\u0000\u0001a"), response);
            assertTrue(response.endsWith("0\r\ngrpc-status: 0\r\n\r\n"), response);
        }
    }

    @Test
    void grpcOverTlsReachesAServerThatRequiresAlpnH2() throws Exception {
        TestCertificates certs = opened(TestCertificates.create());
        certs.leaf("grpc", TestCertificates.Kind.RSA, "DNS:grpc.test.example", "IP:127.0.0.1");
        GrpcBackend secure = opened(GrpcBackend.startTls("secure", certs.dir().resolve("grpc.crt"),
                certs.dir().resolve("grpc.key")));
        ProxyHarness proxy = proxy("", Map.of("secure", secure.address()), ", ssl: { ca: \""
                + certs.ca(TestCertificates.Kind.RSA) + "\", sni: grpc.test.example }");
        assertEquals("secure", unary(channel(proxy)));
    }

    /** A backend of a refusing server first and the grpc-java server {@code b} second, roundrobin. */
    private Map<String, String> refuserThenB(RefusingH2Server refuser) throws Exception {
        Map<String, String> servers = new java.util.LinkedHashMap<>();
        servers.put("refuser", refuser.address());
        servers.putAll(servers(backends("b")));
        return servers;
    }

    /** One client-streaming call of {@code n} messages of 1000 bytes; the server answers "COUNT BYTES". */
    private static String upload(ManagedChannel channel, int n) throws Exception {
        CompletableFuture<String> uploaded = new CompletableFuture<>();
        StreamObserver<byte[]> upload = ClientCalls.asyncClientStreamingCall(
                channel.newCall(GrpcBackend.UPLOAD, deadline()), completing(uploaded));
        for (int i = 0; i < n; i++) {
            upload.onNext(GrpcBackend.message(i));
        }
        upload.onCompleted();
        return uploaded.get(30, TimeUnit.SECONDS);
    }

    private void refusedCallsGoToTheOtherServerWithTheirBodies(RefusingH2Server.Mode mode) throws Exception {
        RefusingH2Server refuser = opened(new RefusingH2Server(mode));
        ManagedChannel channel = channel(proxy("", refuserThenB(refuser)));
        for (int i = 0; i < 10; i++) {
            assertEquals("20 20000", upload(channel, 20), "call " + i);
        }
        assertTrue(refuser.refused.get() >= 5, "the refusing server saw " + refuser.refused + " of the calls");
    }

    @Test
    void aStreamTheServerRefusesIsSentWithItsBodyToAnotherServer() throws Exception {
        refusedCallsGoToTheOtherServerWithTheirBodies(RefusingH2Server.Mode.RESET);
    }

    @Test
    void aStreamAboveTheLastStreamIdOfAServersGoawayIsSentWithItsBodyToAnotherServer() throws Exception {
        refusedCallsGoToTheOtherServerWithTheirBodies(RefusingH2Server.Mode.GOAWAY);
    }

    @Test
    void aRefusalTheProxyDoesNotRetryReachesTheGrpcClientAsRefusedStreamAndItSendsTheCallAgain() throws Exception {
        RefusingH2Server refuser = opened(new RefusingH2Server(RefusingH2Server.Mode.RESET));
        ManagedChannel channel = channel(proxy("retries: 0", refuserThenB(refuser)));
        // Each call the balancer gives the refusing server comes back REFUSED_STREAM: grpc-java sends it again
        // (transparent retry), and the balancer's next server answers.
        for (int i = 0; i < 10; i++) {
            assertEquals("b", unary(channel), "call " + i);
        }
        assertTrue(refuser.refused.get() >= 5, "the refusing server saw " + refuser.refused + " of the calls");
    }

    @Test
    void aRefusedRequestWhoseBodyIsTooBigToHoldIsNotSentAgain() throws Exception {
        RefusingH2Server refuser = opened(new RefusingH2Server(RefusingH2Server.Mode.RESET_AT_END));
        ProxyHarness proxy = proxy("", Map.of("refuser", refuser.address()));
        java.nio.file.Path body = java.nio.file.Files.createTempFile("refused", ".bin");
        open.add(() -> java.nio.file.Files.delete(body));
        // Refused once the server has read it all: 100 kB were sent, more than the proxy holds, so no retry. curl
        // hears REFUSED_STREAM and sends the request again itself, a few times: one stream at the server each.
        java.nio.file.Files.write(body, new byte[100_000]);
        assertRefusedToCurl(postWithCurl(proxy, body, "--http2-prior-knowledge"));
        int attempts = refuser.refused.get();
        // 1 kB is held: each of curl's attempts is sent again twice (retries: 2) before curl hears the refusal.
        java.nio.file.Files.write(body, new byte[1000]);
        refuser.refused.set(0);
        assertRefusedToCurl(postWithCurl(proxy, body, "--http2-prior-knowledge"));
        assertEquals(3 * attempts, refuser.refused.get(), "three streams for each of curl's " + attempts + " attempts");
    }

    /** curl failed on the refusal: it retries REFUSED_STREAM itself ("tried N times"), or names it. */
    private static void assertRefusedToCurl(Http2ProxyTest.Result result) {
        assertTrue(result.exit() != 0 && (result.out().contains("REFUSED_STREAM") || result.out().contains("tried")),
                result.toString());
    }

    @Test
    void anHttp1ClientWhoseRequestEveryServerRefusesGets502() throws Exception {
        bindOptions = "";
        RefusingH2Server refuser = opened(new RefusingH2Server(RefusingH2Server.Mode.RESET_AT_END));
        ProxyHarness proxy = proxy("", Map.of("refuser", refuser.address()));
        java.nio.file.Path body = java.nio.file.Files.createTempFile("refused", ".bin");
        open.add(() -> java.nio.file.Files.delete(body));
        java.nio.file.Files.write(body, new byte[1000]);
        Http2ProxyTest.Result result = postWithCurl(proxy, body, "--http1.1", "-o", "/dev/null", "-w",
                "%{http_code}");
        assertEquals("502", result.out(), result.toString());
        assertEquals(3, refuser.refused.get(), "the first attempt and two retries");
    }

    private static Http2ProxyTest.Result postWithCurl(ProxyHarness proxy, java.nio.file.Path body, String... options)
            throws Exception {
        io.tandem.core.testing.Prerequisites.requireExecutable(java.nio.file.Path.of("/usr/bin/curl"), "curl");
        List<String> command = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--max-time", "30"));
        command.addAll(List.of(options));
        command.addAll(List.of("--data-binary", "@" + body, Http2ProxyTest.url(proxy, "/upload")));
        return Http2ProxyTest.run(command);
    }

    @Test
    void aResponseTheServerCutsEndsWithUnavailableInItsTrailersNotACancel() throws Exception {
        GrpcBackend a = backends("a").get(0);
        ManagedChannel channel = channel(proxy("", servers(List.of(a))));
        Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, GrpcBackend.PARTIAL, deadline(),
                new byte[]{1});
        assertArrayEquals(GrpcBackend.message(0), stream.next());
        a.kill();
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class, stream::hasNext);
        // From the trailers the proxy ended the stream with; a reset would read CANCELLED.
        assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode(), error.toString());
        assertEquals("The server returned an invalid or incomplete response.", error.getStatus().getDescription());
    }

    @Test
    void aResponseThatStopsForLongerThanTimeoutServerEndsWithDeadlineExceededInItsTrailers() throws Exception {
        ManagedChannel channel = channel(proxy("timeout: { server: 500ms }", servers(backends("a"))));
        Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, GrpcBackend.PARTIAL, deadline(),
                new byte[]{1});
        assertArrayEquals(GrpcBackend.message(0), stream.next());
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class, stream::hasNext);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode(), error.toString());
        assertEquals("The server didn't respond in time.", error.getStatus().getDescription());
    }
}
