package dev.coroner.agent.trigger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's mock API server in CRUD mode, which stands in for Kubernetes' API server (none can run
 * on this machine), with the one thing it lacks for the triggers: it matches field selectors on
 * {@code metadata.name} and {@code metadata.namespace} only, and a list or watch that selects on
 * any other field ({@code spec.nodeName}, {@code reason}) would get nothing. Those selectors are
 * recorded and left out here, so the server answers with every object of the kind, as an API server
 * would with the selector if every object matched; the tests put objects that must not match in the
 * way, which the agent's own checks keep out.
 */
public final class MockApi implements AutoCloseable {
  private final Dispatcher dispatcher = new Dispatcher();
  public final KubernetesMockServer server =
      new KubernetesMockServer(
          new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
  public final KubernetesClient client;

  /** Starts the server on loopback, with a client for it. */
  public MockApi() {
    server.init();
    client = server.createClient();
  }

  /** Every GET so far (lists, gets and watches), its query decoded. */
  List<String> gets() {
    return List.copyOf(dispatcher.paths);
  }

  /** The GETs of one resource's collection: {@code /api/v1/pods}, {@code /api/v1/events}. */
  List<String> gets(String collection) {
    return gets().stream()
        .filter(p -> p.equals(collection) || p.startsWith(collection + "?"))
        .toList();
  }

  /** Stops the client and the server. */
  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  private static final class Dispatcher extends KubernetesCrudDispatcher {
    final List<String> paths = new CopyOnWriteArrayList<>();

    Dispatcher() {
      super(new ArrayList<>());
    }

    @Override
    public MockResponse handleGet(String path) {
      paths.add(URLDecoder.decode(path, StandardCharsets.UTF_8));
      return super.handleGet(withoutFieldSelector(path));
    }

    @Override
    public MockResponse handleWatch(String path) {
      // Reached through handleGet, which recorded the path as asked.
      return super.handleWatch(withoutFieldSelector(path));
    }

    private static String withoutFieldSelector(String path) {
      int q = path.indexOf('?');
      if (q < 0) {
        return path;
      }
      List<String> kept = new ArrayList<>();
      for (String param : path.substring(q + 1).split("&")) {
        if (param.startsWith("fieldSelector=")) {
          String value = URLDecoder.decode(param.substring(14), StandardCharsets.UTF_8);
          boolean mockKnowsIt = true;
          for (String requirement : value.split(",")) {
            mockKnowsIt &= requirement.startsWith("metadata.");
          }
          if (!mockKnowsIt) {
            continue;
          }
        }
        kept.add(param);
      }
      return path.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }
  }
}
