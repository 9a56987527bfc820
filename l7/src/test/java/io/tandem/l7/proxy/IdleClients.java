package io.tandem.l7.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds N idle keep-alive connections to 127.0.0.1:PORT, each after one answered request; prints "ready N", then
 * closes them all when stdin ends. Runs in a process of its own so that its sockets are not in the heap that
 * {@link MemoryBudgetTest} measures.
 */
final class IdleClients {
    private IdleClients() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        byte[] request = "GET / HTTP/1.1\r\nHost: idle\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        List<Socket> sockets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            RawResponse.read(socket.getInputStream());
            sockets.add(socket);
        }
        System.out.println("ready " + sockets.size());
        System.out.flush();
        InputStream stdin = System.in;
        while (stdin.read() >= 0) {
            // Waits for the parent to close stdin (or exit).
        }
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
