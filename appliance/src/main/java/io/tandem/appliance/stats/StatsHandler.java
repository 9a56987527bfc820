package io.tandem.appliance.stats;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.tandem.core.config.StatsConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * Answers one stats request: GET (or HEAD) of the metrics path (Prometheus text, or OpenMetrics when the scraper
 * asks for it), the page, or the page's JSON; 404 for any other path, 405 for another method on these, 400 for
 * a request that does not parse, 401 without the configured basic-auth credentials.
 */
final class StatsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final System.Logger LOG = System.getLogger(StatsHandler.class.getName());
    private static final ExpositionFormatWriter PROMETHEUS = PrometheusTextFormatWriter.create();
    private static final ExpositionFormatWriter OPENMETRICS = OpenMetricsTextFormatWriter.create();
    /** The page may run its own inline script and talk to this endpoint, and load nothing from anywhere else. */
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; connect-src 'self'; img-src data:";

    private final Supplier<Settings> settings;
    private final Supplier<LiveView> view;
    private final StatsPage page;

    /** {@code settings} is read at each request, so that a reload's paths and credentials apply to the next one. */
    StatsHandler(Supplier<Settings> settings, Supplier<LiveView> view, StatsPage page) {
        this.settings = settings;
        this.view = view;
        this.page = page;
    }

    /** The endpoint's settings with the {@code Authorization} header they expect (null without auth), made once. */
    record Settings(StatsConfig config, byte[] expectedAuthorization) {
        static Settings of(StatsConfig config) {
            return new Settings(config, config.auth() == null ? null : ("Basic " + Base64.getEncoder()
                    .encodeToString((config.auth().user() + ":" + config.auth().password())
                            .getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Settings current = settings.get();
        if (current == null) {
            // A reload removed admin.stats: a connection accepted before gets no answer any more.
            ctx.close();
            return;
        }
        StatsConfig config = current.config();
        if (request.decoderResult().isFailure()) {
            FullHttpResponse response = text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String uri = request.uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        boolean known = path.equals(config.metricsPath()) || path.equals(config.pagePath())
                || path.equals(config.jsonPath());
        FullHttpResponse response;
        if (!known) {
            response = text(HttpResponseStatus.NOT_FOUND, "not found: the stats endpoint serves "
                    + config.metricsPath() + ", " + config.pagePath() + " and " + config.jsonPath() + "\n");
        } else if (!authorized(request, current.expectedAuthorization())) {
            response = text(HttpResponseStatus.UNAUTHORIZED, "authentication required\n");
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"tandem stats\", charset=\"UTF-8\"");
        } else if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        } else {
            response = answer(config, path, request);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (request.method().equals(HttpMethod.HEAD)) {
            FullHttpResponse head = response.replace(Unpooled.EMPTY_BUFFER);
            response.release();
            response = head;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse answer(StatsConfig config, String path, FullHttpRequest request) {
        LiveView live = view.get();
        if (path.equals(config.metricsPath())) {
            return metrics(live, request.headers().get(HttpHeaderNames.ACCEPT));
        }
        if (path.equals(config.jsonPath())) {
            FullHttpResponse response = bytes(StatsJson.of(live, System.currentTimeMillis())
                    .getBytes(StandardCharsets.UTF_8), "application/json");
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            return response;
        }
        FullHttpResponse response = bytes(page.html(), "text/html; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("Content-Security-Policy", PAGE_POLICY);
        return response;
    }

    private static FullHttpResponse metrics(LiveView live, String accept) {
        ExpositionFormatWriter writer = accept != null && OPENMETRICS.accepts(accept) ? OPENMETRICS : PROMETHEUS;
        ByteBuf body = Unpooled.buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            writer.write(out, TandemMetrics.collect(live));
        } catch (IOException | RuntimeException e) {
            body.release();
            LOG.log(System.Logger.Level.ERROR, "metrics could not be written: " + e, e);
            return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "metrics could not be written: " + e + "\n");
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
        return response;
    }

    /** Constant-time, so the comparison's duration tells nothing about the password. */
    private static boolean authorized(FullHttpRequest request, byte[] expectedAuthorization) {
        if (expectedAuthorization == null) {
            return true;
        }
        String given = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        return given != null && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse text(HttpResponseStatus status, String text) {
        FullHttpResponse response = bytes(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
        response.setStatus(status);
        return response;
    }

    private static FullHttpResponse bytes(byte[] body, String contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return response;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client that resets or sends garbage past the codec: nothing to answer, only to close.
        ctx.close();
    }
}
