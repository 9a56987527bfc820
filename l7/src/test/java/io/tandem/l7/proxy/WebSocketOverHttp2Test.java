package io.tandem.l7.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket over HTTP/2 (RFC 8441): a Netty HTTP/2 client sends extended CONNECT ({@code :protocol websocket}) to a
 * {@code proto h2} bind, the proxy routes it by its rules as the upgrade it stands for and relays it to a real
 * WebSocket server (Netty's RFC 6455 server handler, HTTP/1.1), and WebSocket frames then flow both ways in the
 * stream's DATA frames.
 */
class WebSocketOverHttp2Test {
    private final EventLoops loops = EventLoops.start(1);

    @AfterEach
    void stop() {
        loops.close();
    }

    /** TunnelTest's frontend (WebSockets by the article's ACL, hdr(Upgrade), to ws_cluster) on an HTTP/2 bind. */
    private static ProxyHarness proxy(String ws, TestHttpBackend plain) throws Exception {
        return ProxyHarness.start(TunnelTest.config("30s").replace("${PORT}", "${PORT} proto h2"),
                Map.of("WS", ws, "PLAIN", plain.hostPort().toString()));
    }

    @Test
    void extendedConnectBecomesAWebSocketToAnHttp11ServerWithFramesBothWaysAndAClose() throws Exception {
        try (TestHttpBackend plain = TestHttpBackend.start("plain");
             ProxyHarness proxy = proxy(echoServer(), plain)) {
            Client client = new Client(proxy.port);
            assertEquals(Boolean.TRUE, client.settings.get(5, TimeUnit.SECONDS).connectProtocolEnabled(),
                    "SETTINGS_ENABLE_CONNECT_PROTOCOL advertised");
            Recorder ws = client.webSocket("/chat");
            assertEquals("200", ws.head.get(5, TimeUnit.SECONDS).status().toString());

            ws.stream.writeAndFlush(new TextWebSocketFrame("hello over h2"));
            assertEquals("hello over h2", ws.next());
            byte[] payload = {0, 1, 2, (byte) 0xff};
            ws.stream.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
            assertArrayEquals(payload, assertInstanceOf(byte[].class, ws.next()));

            // An ordinary request on another stream of the same connection goes its own way meanwhile.
            Recorder get = client.get("/other");
            assertEquals("200", get.head.get(5, TimeUnit.SECONDS).status().toString());
            assertEquals("GET /other", plain.lastRequestLine());

            ws.stream.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
            assertEquals(1000, ws.next(), "the server's close");
            // The server closed its connection after the closing handshake: the stream ends.
            ws.closed.get(5, TimeUnit.SECONDS);
            String line = logLineOf(proxy, "/chat");
            assertTrue(line.contains("web ws_cluster/ws-01") && line.contains(" 200 ")
                    && line.contains("\"GET /chat HTTP/2.0\""), line);
            client.close();
        }
    }

    @Test
    void anUpgradeTheServerRefusesGetsTheServersStatus() throws Exception {
        try (TestHttpBackend plain = TestHttpBackend.start("plain");
             ProxyHarness proxy = proxy(echoServer(), plain)) {
            Client client = new Client(proxy.port);
            Recorder ws = client.webSocket("/not-a-socket");
            assertEquals("404", ws.head.get(5, TimeUnit.SECONDS).status().toString());
            ws.closed.get(5, TimeUnit.SECONDS);
            client.close();
        }
    }

    @Test
    void aServerThatAnswers200WithoutSwitchingGives502NotAnOpenTunnel() throws Exception {
        // ws_cluster's server is an ordinary HTTP server: it answers the upgrade with 200 and a body.
        try (TestHttpBackend plain = TestHttpBackend.start("plain");
             ProxyHarness proxy = proxy(plain.hostPort().toString(), plain)) {
            Client client = new Client(proxy.port);
            Recorder ws = client.webSocket("/chat");
            assertEquals("502", ws.head.get(5, TimeUnit.SECONDS).status().toString());
            assertEquals("websocket", plain.lastRequestHeader("Upgrade"));
            client.close();
        }
    }

    @Test
    void anUpgradeWhoseServerIsDownGets503() throws Exception {
        try (TestHttpBackend plain = TestHttpBackend.start("plain");
             ProxyHarness proxy = proxy("127.0.0.1:" + TestPorts.freePort(), plain)) {
            Client client = new Client(proxy.port);
            Recorder ws = client.webSocket("/chat");
            assertEquals("503", ws.head.get(5, TimeUnit.SECONDS).status().toString());
            client.close();
        }
    }

    private static String logLineOf(ProxyHarness proxy, String path) throws InterruptedException {
        while (true) {
            String line = proxy.nextLogLine();
            if (line.contains(path)) {
                return line;
            }
        }
    }

    /**
     * A WebSocket echo server (Netty's RFC 6455 handshake and framing on {@code /chat}, over HTTP/1.1): text and
     * binary frames come back as they went; the handler answers a close with a close and closes the connection.
     * Any other path gets 404. Returns its address.
     */
    private String echoServer() throws InterruptedException {
        Channel server = new ServerBootstrap().group(loops.group()).channel(loops.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/chat"),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        DefaultFullHttpResponse response = new DefaultFullHttpResponse(
                                                HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
                                        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                                        ctx.writeAndFlush(response);
                                    }
                                },
                                new SimpleChannelInboundHandler<WebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                                        ctx.writeAndFlush(frame.retain());
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** An HTTP/2 client connection with prior knowledge; its streams are opened with Netty's stream bootstrap. */
    private final class Client {
        final CompletableFuture<Http2Settings> settings = new CompletableFuture<>();
        final Channel channel;

        Client(int port) throws InterruptedException {
            channel = new Bootstrap().group(loops.group()).channel(loops.socketChannelClass())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof Http2SettingsFrame frame) {
                                                settings.complete(frame.settings());
                                            }
                                            ctx.fireChannelRead(msg);
                                        }
                                    },
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect("127.0.0.1", port).sync().channel();
        }

        /** Extended CONNECT for a WebSocket on {@code path}; after the 200, the stream speaks RFC 6455 frames. */
        Recorder webSocket(String path) throws Exception {
            settings.get(5, TimeUnit.SECONDS);
            Recorder recorder = new Recorder();
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new DataFrames(), new WebSocket13FrameEncoder(true),
                                    new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                                            .expectMaskedFrames(false).build()), recorder);
                        }
                    }).open().get(5, TimeUnit.SECONDS);
            recorder.stream = stream;
            Http2Headers headers = new DefaultHttp2Headers().method("CONNECT").scheme("http").authority("localhost")
                    .path(path);
            headers.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
            headers.set("sec-websocket-version", "13");
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false));
            return recorder;
        }

        /** A plain GET on a stream of its own. */
        Recorder get(String path) throws Exception {
            Recorder recorder = new Recorder();
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel).handler(recorder).open()
                    .get(5, TimeUnit.SECONDS);
            recorder.stream = stream;
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").scheme("http")
                    .authority("localhost").path(path), true));
            return recorder;
        }

        void close() {
            channel.close().syncUninterruptibly();
        }
    }

    /** The stream's DATA frames as bytes in, bytes out as DATA frames: the WebSocket codec's transport. */
    private static final class DataFrames extends MessageToMessageCodec<Http2DataFrame, ByteBuf> {
        @Override
        protected void decode(ChannelHandlerContext ctx, Http2DataFrame frame, List<Object> out) {
            out.add(frame.content().retain());
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, ByteBuf bytes, List<Object> out) {
            out.add(new DefaultHttp2DataFrame(bytes.retain()));
        }
    }

    /**
     * What a stream received: its response head, its WebSocket frames (a text frame as its String, a binary one as
     * its bytes, a close as its status code), and its end.
     */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Http2Headers> head = new CompletableFuture<>();
        final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        Http2StreamChannel stream;

        Object next() throws InterruptedException {
            Object frame = frames.poll(5, TimeUnit.SECONDS);
            assertTrue(frame != null, "a WebSocket frame within 5 s");
            return frame;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame frame) {
                head.complete(frame.headers());
            } else if (msg instanceof TextWebSocketFrame text) {
                frames.add(text.text());
            } else if (msg instanceof BinaryWebSocketFrame binary) {
                frames.add(ByteBufUtil.getBytes(binary.content()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                frames.add(close.statusCode());
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(null);
        }
    }
}
