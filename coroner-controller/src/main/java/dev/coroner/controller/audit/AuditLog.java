package dev.coroner.controller.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The controller's audit log: one JSON object per line, one line per decision on a dump (a URL
 * signed or refused, a dump deleted by request, by retention or by resync). It names the verified
 * requester, the namespace, the dump and the decision; never a URL or a key.
 */
public final class AuditLog {
  /** What every line's {@code audit} field says, to tell audit lines from other log lines. */
  public static final String KIND = "coroner.dev/v1";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Consumer<String> sink;
  private final Clock clock;

  /** Lines go to {@code sink} (stdout in the Deployment, a list in tests). */
  public AuditLog(Consumer<String> sink, Clock clock) {
    this.sink = sink;
    this.clock = clock;
  }

  /** Audit lines on standard output, beside the log's. */
  public static AuditLog stdout() {
    return new AuditLog(
        line -> {
          synchronized (System.out) {
            System.out.println(line);
          }
        },
        Clock.systemUTC());
  }

  /**
   * One decision.
   *
   * @param action {@code download} or {@code delete}
   * @param requester who asked; null for the controller's own decisions (resync, retention, the
   *     finalizer) and for a request that names no one
   * @param dump the CoreDump's name; null for a request that names none
   * @param decision {@code signed}, {@code refused}, {@code deleted}, ...
   * @param details more fields (reason, expiresAt, encrypted, request); null values are left out
   */
  public void record(
      String action,
      @Nullable String requester,
      String namespace,
      @Nullable String dump,
      String decision,
      Map<String, Object> details) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("audit", KIND);
    line.put("time", clock.instant().toString());
    line.put("action", action);
    line.put("requester", requester);
    line.put("namespace", namespace);
    line.put("coreDump", dump);
    line.put("decision", decision);
    details.forEach(
        (k, v) -> {
          if (v != null) {
            line.put(k, v);
          }
        });
    try {
      sink.accept(JSON.writeValueAsString(line));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an audit line did not serialize", e);
    }
  }
}
