package io.tandem.l7.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One HTTP/1.1 response read byte by byte from a socket (Content-Length, chunked or close-delimited). */
record RawResponse(int status, List<String> headerLines, byte[] body) {

    String header(String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        for (String line : headerLines) {
            if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Reads one final response, skipping 1xx interim responses. */
    static RawResponse read(InputStream in) throws IOException {
        return read(in, false);
    }

    static RawResponse read(InputStream in, boolean headRequest) throws IOException {
        while (true) {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("connection closed before a response");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            List<String> headers = new ArrayList<>();
            String line;
            while (!(line = line(in)).isEmpty()) {
                headers.add(line);
            }
            if (status < 200) {
                continue;
            }
            RawResponse head = new RawResponse(status, headers, new byte[0]);
            if (headRequest || status == 204 || status == 304) {
                return head;
            }
            String length = head.header("Content-Length");
            String encoding = head.header("Transfer-Encoding");
            byte[] body;
            if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = chunked(in);
            } else if (length != null) {
                body = in.readNBytes(Integer.parseInt(length));
            } else {
                body = in.readAllBytes();
            }
            return new RawResponse(status, headers, body);
        }
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return out.toByteArray();
            }
            out.write(in.readNBytes(size));
            line(in);
        }
    }

    /** A CRLF-terminated line without its terminator; null at end of stream before any byte. */
    static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int last = line.length() - 1;
                if (last >= 0 && line.charAt(last) == '\r') {
                    line.setLength(last);
                }
                return line.toString();
            }
            line.append((char) b);
        }
        return line.length() == 0 ? null : line.toString();
    }
}
