package io.tandem.l7.proxy;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server (h2c, or TLS with ALPN h2) on loopback with one test service of byte-array messages, as no
 * protoc runs in the build: {@code Unary} answers the server's name, {@code Download} streams the number of
 * messages asked for, {@code Upload} answers the count and size of what it was sent, {@code Echo} echoes each
 * message as it comes, {@code Hang} never answers, and {@code Partial} sends one message and never ends.
 */
final class GrpcBackend implements AutoCloseable {
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> DOWNLOAD = method("Download",
            MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<byte[], byte[]> UPLOAD = method("Upload",
            MethodDescriptor.MethodType.CLIENT_STREAMING);
    static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodDescriptor.MethodType.BIDI_STREAMING);
    static final MethodDescriptor<byte[], byte[]> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> FLOOD = method("Flood",
            MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<byte[], byte[]> PARTIAL = method("Partial",
            MethodDescriptor.MethodType.SERVER_STREAMING);

    final String name;
    final AtomicInteger unaryCalls = new AtomicInteger();
    final AtomicInteger hangCalls = new AtomicInteger();
    /** Bytes {@code Flood} sent, and whether its stream ever stopped taking more (flow control pushed back). */
    final java.util.concurrent.atomic.AtomicLong floodBytes = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicBoolean floodBlocked = new java.util.concurrent.atomic.AtomicBoolean();
    private final Server server;

    private GrpcBackend(String name, Path certificate, Path key, int maxStreams) throws IOException {
        this.name = name;
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .maxConcurrentCallsPerConnection(maxStreams)
                .addService(service());
        if (certificate != null) {
            builder.sslContext(GrpcSslContexts.forServer(certificate.toFile(), key.toFile()).build());
        }
        server = builder.build().start();
    }

    /** A plain-text (h2c) server. */
    static GrpcBackend start(String name) throws IOException {
        return new GrpcBackend(name, null, null, Integer.MAX_VALUE);
    }

    /** A plain-text server whose SETTINGS_MAX_CONCURRENT_STREAMS is {@code maxStreams}. */
    static GrpcBackend startLimited(String name, int maxStreams) throws IOException {
        return new GrpcBackend(name, null, null, maxStreams);
    }

    /** A server over TLS with {@code certificate} and {@code key} (PEM); it requires ALPN h2, as gRPC servers do. */
    static GrpcBackend startTls(String name, Path certificate, Path key) throws IOException {
        return new GrpcBackend(name, certificate, key, Integer.MAX_VALUE);
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("tandem.Test", name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder("tandem.Test")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
                    unaryCalls.incrementAndGet();
                    response.onNext(name.getBytes(StandardCharsets.UTF_8));
                    response.onCompleted();
                }))
                .addMethod(DOWNLOAD, ServerCalls.asyncServerStreamingCall((request, response) -> {
                    int count = Integer.parseInt(new String(request, StandardCharsets.UTF_8));
                    for (int i = 0; i < count; i++) {
                        response.onNext(message(i));
                    }
                    response.onCompleted();
                }))
                .addMethod(UPLOAD, ServerCalls.asyncClientStreamingCall(
                        (StreamObserver<byte[]> response) -> new StreamObserver<byte[]>() {
                    private int count;
                    private long bytes;

                    @Override
                    public void onNext(byte[] value) {
                        count++;
                        bytes += value.length;
                    }

                    @Override
                    public void onError(Throwable t) {
                        // The client went away: nothing to answer.
                    }

                    @Override
                    public void onCompleted() {
                        response.onNext((count + " " + bytes).getBytes(StandardCharsets.UTF_8));
                        response.onCompleted();
                    }
                }))
                .addMethod(ECHO, ServerCalls.asyncBidiStreamingCall(
                        (StreamObserver<byte[]> response) -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        response.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        // The client went away: nothing to answer.
                    }

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                }))
                .addMethod(FLOOD, ServerCalls.asyncServerStreamingCall((request, response) -> {
                    // Sends while the stream takes more, as a well-behaved streaming server does; never ends.
                    io.grpc.stub.ServerCallStreamObserver<byte[]> stream =
                            (io.grpc.stub.ServerCallStreamObserver<byte[]>) response;
                    byte[] chunk = new byte[16 * 1024];
                    stream.setOnReadyHandler(() -> {
                        while (stream.isReady()) {
                            stream.onNext(chunk);
                            floodBytes.addAndGet(chunk.length);
                        }
                        floodBlocked.set(true);
                    });
                }))
                .addMethod(PARTIAL, ServerCalls.asyncServerStreamingCall((request, response) -> {
                    // One message, then nothing: the response has started, and only a kill ends it.
                    response.onNext(message(0));
                }))
                .addMethod(HANG, ServerCalls.asyncUnaryCall((request, response) -> {
                    // Never answers: the proxy's timeout.server has to, or the client's deadline.
                    hangCalls.incrementAndGet();
                }))
                .build();
    }

    /** Message {@code i} of a stream: its number, padded to 1000 bytes so a stream spans many DATA frames. */
    static byte[] message(int i) {
        byte[] message = new byte[1000];
        byte[] number = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
        java.util.Arrays.fill(message, (byte) '.');
        System.arraycopy(number, 0, message, 0, number.length);
        return message;
    }

    /** Stops gracefully: GOAWAY on its connections, the calls in flight finish, no new connection is taken. */
    void shutdown() {
        server.shutdown();
    }

    /** Stops at once, as a killed server: open connections close, calls in flight end. */
    void kill() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
