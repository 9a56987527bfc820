package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The short responses the proxy answers itself: errors (plain text, or gRPC's form), denials and redirects. */
public final class ErrorResponses {
    private static final Map<Integer, String> EXPLANATIONS = Map.ofEntries(
            Map.entry(400, "Your browser sent an invalid request."),
            Map.entry(403, "Request forbidden by administrative rules."),
            Map.entry(405, "Method not allowed."),
            Map.entry(408, "Your browser didn't send a complete request in time."),
            Map.entry(414, "The request line is too long."),
            Map.entry(429, "You have sent too many requests in a given amount of time."),
            Map.entry(431, "The request header fields are too large."),
            Map.entry(500, "An internal server error occurred."),
            Map.entry(501, "Not implemented."),
            Map.entry(502, "The server returned an invalid or incomplete response."),
            Map.entry(503, "No server is available to handle this request."),
            Map.entry(504, "The server didn't respond in time."),
            Map.entry(505, "HTTP version not supported."));

    private ErrorResponses() {
    }

    /** A complete response for {@code status}; {@code close} adds {@code Connection: close}. */
    public static FullHttpResponse of(int status, boolean close) {
        HttpResponseStatus responseStatus = HttpResponseStatus.valueOf(status);
        String text = status + " " + responseStatus.reasonPhrase() + "\n"
                + EXPLANATIONS.getOrDefault(status, "") + "\n";
        ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, responseStatus, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /**
     * The error {@code status} as gRPC says it, for a gRPC request: HTTP 200, no body, {@code grpc-status} and
     * {@code grpc-message} in the head (a trailers-only response, which an HTTP/2 client reads as one HEADERS frame
     * that ends the stream). gRPC clients read no HTML; they retry or fail by the code.
     */
    public static FullHttpResponse grpc(int status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        setGrpcStatus(response.headers(), status);
        return response;
    }

    /**
     * The trailers that end a gRPC response the server cut ({@code status} 502) or stopped sending in time (504)
     * after it had started: gRPC clients then report that status (UNAVAILABLE, DEADLINE_EXCEEDED) with its message,
     * where a reset would read as CANCELLED.
     */
    public static HttpHeaders grpcTrailers(int status) {
        HttpHeaders trailers = new DefaultHttpHeaders();
        setGrpcStatus(trailers, status);
        return trailers;
    }

    private static void setGrpcStatus(HttpHeaders headers, int status) {
        String message = EXPLANATIONS.getOrDefault(status, HttpResponseStatus.valueOf(status).reasonPhrase());
        headers.set("grpc-status", grpcCode(status)).set("grpc-message", message);
    }

    /**
     * gRPC's code for an HTTP error of the proxy: gRPC's own HTTP mapping (doc/http-grpc-status-mapping.md), but
     * a server timeout is DEADLINE_EXCEEDED, not UNAVAILABLE, and a rate limit RESOURCE_EXHAUSTED, as HAProxy's
     * users expect of {@code timeout server} and {@code deny deny_status 429}.
     */
    static int grpcCode(int status) {
        return switch (status) {
            case 400, 500 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404, 405, 501 -> 12; // UNIMPLEMENTED
            case 408, 504 -> 4; // DEADLINE_EXCEEDED
            case 413, 429, 431 -> 8; // RESOURCE_EXHAUSTED
            case 502, 503 -> 14; // UNAVAILABLE
            default -> 2; // UNKNOWN
        };
    }

    /** True when {@code contentType} (of a request) is gRPC's: {@code application/grpc}, {@code +proto} etc. */
    public static boolean isGrpc(String contentType) {
        return contentType != null && contentType.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    /** The response of an {@code http-request return} rule: a status and an optional typed body. */
    public static FullHttpResponse fixed(int status, String contentType, String body) {
        ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), content);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (contentType != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        return response;
    }

    /** A redirect to {@code location} with an empty body. */
    public static FullHttpResponse redirect(int code, String location, boolean close) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(code), Unpooled.EMPTY_BUFFER);
        response.headers()
                .set(HttpHeaderNames.LOCATION, location)
                .set(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
