package dev.coroner.store.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of a real server that keeps a copy of what clients send, so a test can see
 * which headers went on the wire. It changes nothing: bytes pass through both ways as they are.
 */
final class HeaderTap implements AutoCloseable {
  private final ServerSocket server;
  private final URI target;
  private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  HeaderTap(URI target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "header-tap");
    accept.setDaemon(true);
    accept.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Header lines clients sent, lower-cased, e.g. {@code x-amz-server-side-encryption: aes256}. */
  List<String> headerLines() {
    String all;
    synchronized (sent) {
      all = sent.toString(StandardCharsets.ISO_8859_1);
    }
    return all.lines()
        .filter(l -> l.matches("(?i)[a-z0-9-]+: .*"))
        .map(l -> l.toLowerCase(Locale.ROOT))
        .toList();
  }

  /** Request lines clients sent, e.g. {@code HEAD /crashes/prod/x.zip HTTP/1.1}. */
  List<String> requestLines() {
    String all;
    synchronized (sent) {
      all = sent.toString(StandardCharsets.ISO_8859_1);
    }
    return all.lines()
        .filter(l -> l.matches("(GET|HEAD|PUT|POST|DELETE) \\S+ HTTP/1\\.1"))
        .toList();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(target.getHost(), target.getPort());
        sockets.add(client);
        sockets.add(upstream);
        pump(client.getInputStream(), upstream.getOutputStream(), true);
        pump(upstream.getInputStream(), client.getOutputStream(), false);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(InputStream in, OutputStream out, boolean record) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 << 10];
              try (in;
                  out) {
                for (int n; (n = in.read(buf)) > 0; ) {
                  if (record) {
                    synchronized (sent) {
                      sent.write(buf, 0, n);
                    }
                  }
                  out.write(buf, 0, n);
                }
              } catch (IOException e) {
                // the other side closed; so does this direction
              }
            },
            "header-tap-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
