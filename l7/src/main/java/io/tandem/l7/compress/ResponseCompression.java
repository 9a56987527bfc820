package io.tandem.l7.compress;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.core.config.CompressionConfig;

import java.util.List;
import java.util.Locale;

/**
 * HAProxy's rules for when a response is compressed. The backend's {@code algo} and {@code type} lists win over
 * the frontend's, each on its own; {@code offload} from either applies. The request picks the algorithm
 * ({@link #negotiate}), the response's head decides whether its body is compressed ({@link #start}).
 */
public final class ResponseCompression {

    private ResponseCompression() {
    }

    /**
     * The algorithm the request's Accept-Encoding selects among the configured ones — the highest q-value, the
     * first on a tie, {@code *} taking the first configured — else {@code identity} when configured, else null.
     * With {@code offload}, a request that selected one loses its Accept-Encoding so that servers send identity.
     */
    public static Algorithm negotiate(CompressionConfig frontend, CompressionConfig backend, HttpRequest request) {
        List<String> algos = algos(frontend, backend);
        // HTTP/1.0 clients get identity, as from HAProxy 2.6 (they may not decode, and cannot take chunks).
        if (algos.isEmpty() || HttpMethod.HEAD.equals(request.method())
                || request.protocolVersion().compareTo(HttpVersion.HTTP_1_1) < 0
                || oldMozilla(request.headers().get(HttpHeaderNames.USER_AGENT))) {
            return null;
        }
        Algorithm chosen = null;
        int bestQ = 0;
        for (String header : request.headers().getAll(HttpHeaderNames.ACCEPT_ENCODING)) {
            for (String element : header.split(",")) {
                int semicolon = element.indexOf(';');
                String token = (semicolon < 0 ? element : element.substring(0, semicolon)).trim();
                int q = semicolon < 0 ? 1000 : qValue(element.substring(semicolon + 1));
                if (q <= bestQ || token.isEmpty()) {
                    continue;
                }
                for (String name : algos) {
                    Algorithm algorithm = Algorithm.named(name);
                    if (token.equals("*") || token.equalsIgnoreCase(algorithm.token())) {
                        chosen = algorithm;
                        bestQ = q;
                        break;
                    }
                }
            }
        }
        if (chosen != null) {
            if (offload(frontend) || offload(backend)) {
                request.headers().remove(HttpHeaderNames.ACCEPT_ENCODING);
            }
            return chosen;
        }
        return algos.contains("identity") ? Algorithm.IDENTITY : null;
    }

    /**
     * When the response to a request that selected {@code algorithm} may be compressed, rewrites its head
     * (Content-Encoding, Vary, no Content-Length, a strong ETag made weak) and returns the body's compressor;
     * otherwise null and the response is untouched.
     */
    public static BodyCompressor start(Algorithm algorithm, CompressionConfig frontend, CompressionConfig backend,
                                       HttpResponse response, ByteBufAllocator alloc) {
        if (algorithm == null || algorithm == Algorithm.IDENTITY || !compressible(response, types(frontend, backend))) {
            return null;
        }
        HttpHeaders headers = response.headers();
        String etag = headers.get(HttpHeaderNames.ETAG);
        if (etag != null && etag.startsWith("\"")) {
            // The compressed body is not byte-identical to what the server tagged: at most weakly equal.
            headers.set(HttpHeaderNames.ETAG, "W/" + etag);
        }
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.set(HttpHeaderNames.CONTENT_ENCODING, algorithm.token());
        headers.add(HttpHeaderNames.VARY, "Accept-Encoding");
        return new BodyCompressor(algorithm, alloc);
    }

    /** HAProxy's "Compression is disabled when" list, for the response's side. */
    private static boolean compressible(HttpResponse response, List<String> types) {
        int status = response.status().code();
        if (status < 200 || status > 203 || response.protocolVersion().compareTo(HttpVersion.HTTP_1_1) < 0) {
            return false;
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        if (!chunked && (!HttpUtil.isContentLengthSet(response) || HttpUtil.getContentLength(response, 0L) == 0)) {
            // A close-delimited body, or none (HAProxy 2.6 leaves an empty one as it is).
            return false;
        }
        HttpHeaders headers = response.headers();
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && startsWithIgnoreCase(type, "multipart")) {
            return false;
        }
        if (!types.isEmpty() && (type == null || types.stream().noneMatch(t -> startsWithIgnoreCase(type, t)))) {
            return false;
        }
        for (String cacheControl : headers.getAll(HttpHeaderNames.CACHE_CONTROL)) {
            if (cacheControl.toLowerCase(Locale.ROOT).contains("no-transform")) {
                return false;
            }
        }
        if (headers.contains(HttpHeaderNames.CONTENT_ENCODING)) {
            return false;
        }
        List<String> etags = headers.getAll(HttpHeaderNames.ETAG);
        return etags.isEmpty() || (etags.size() == 1 && validEtag(etags.get(0)));
    }

    private static boolean validEtag(String etag) {
        String opaque = etag.startsWith("W/") ? etag.substring(2) : etag;
        return opaque.length() >= 2 && opaque.startsWith("\"") && opaque.endsWith("\"");
    }

    /**
     * Netscape 4 mishandles compressed responses: HAProxy compresses for a "Mozilla/4" agent only when it is
     * MSIE 6 with XP SP2 ("SV1") or MSIE 7 and later.
     */
    private static boolean oldMozilla(String agent) {
        if (agent == null || !agent.startsWith("Mozilla/4")) {
            return false;
        }
        int msie = agent.indexOf("MSIE ");
        if (msie < 0 || msie + 5 >= agent.length()) {
            return true;
        }
        char major = agent.charAt(msie + 5);
        boolean twoDigits = msie + 6 < agent.length() && Character.isDigit(agent.charAt(msie + 6));
        return major < '6' && !twoDigits || major == '6' && !agent.contains("SV1");
    }

    /** The q-value among the parameters after a token, in thousandths; 1000 without one, 0 when unreadable. */
    private static int qValue(String parameters) {
        for (String parameter : parameters.split(";")) {
            String p = parameter.trim();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    return (int) Math.round(Math.min(1.0, Double.parseDouble(p.substring(2))) * 1000);
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1000;
    }

    private static List<String> algos(CompressionConfig frontend, CompressionConfig backend) {
        if (backend != null && !backend.algos().isEmpty()) {
            return backend.algos();
        }
        return frontend == null ? List.of() : frontend.algos();
    }

    private static List<String> types(CompressionConfig frontend, CompressionConfig backend) {
        if (backend != null && !backend.types().isEmpty()) {
            return backend.types();
        }
        return frontend == null ? List.of() : frontend.types();
    }

    private static boolean offload(CompressionConfig config) {
        return config != null && config.offload();
    }

    private static boolean startsWithIgnoreCase(String value, String prefix) {
        return value.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
