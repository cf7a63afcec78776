package dev.coroner.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.coroner.base.threads.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** /healthz (the process runs) and /readyz (configured and connected), for the probes. */
final class Health implements AutoCloseable {
  private final HttpServer server;
  private volatile boolean ready;

  private Health(HttpServer server) {
    this.server = server;
  }

  static Health start(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 8);
    Health h = new Health(server);
    server.createContext("/healthz", ex -> reply(ex, 200, "ok\n"));
    server.createContext(
        "/readyz", ex -> reply(ex, h.ready ? 200 : 503, h.ready ? "ready\n" : "starting\n"));
    server.setExecutor(Executors.newSingleThreadExecutor(DaemonThreads.named("coroner-http")));
    server.start();
    return h;
  }

  void ready() {
    ready = true;
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
