package dev.coroner.cli.k8s;

import dev.coroner.base.retry.RetryPolicy;
import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Opens an exec in the debug container, retrying a connection that fails for a passing reason a few
 * times with backoff (the tutorial's tool retried every 3 s forever), and reads its exit code.
 */
final class Exec {
  /** Three attempts, about 1 s and 2 s apart. */
  static final RetryPolicy RETRY =
      RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(4)).withAttempts(3);

  private Exec() {}

  /** Opens the exec that {@code start} describes in {@code pod}. */
  static ExecWatch open(Supplier<ExecWatch> start, DebugSession.Target pod)
      throws InterruptedException {
    try {
      // fabric8 returns once the WebSocket is upgraded, or throws why it was not.
      return RETRY.call(start::get, KubernetesClientException.class, Exec::passing);
    } catch (KubernetesClientException e) {
      throw KubeErrors.of(
          e, "exec into pod " + pod.qualifiedName(), pod.namespace(), "the cluster");
    }
  }

  /** Connection trouble and server errors pass; a refusal (4xx) will not change. */
  private static boolean passing(KubernetesClientException e) {
    int code = KubeErrors.code(e);
    return code <= 0 || code >= 500;
  }

  /** The exec's exit code, once it ends. */
  static int exitCode(ExecWatch watch, String pod) throws InterruptedException {
    Integer code;
    try {
      code = watch.exitCode().get();
    } catch (ExecutionException e) {
      throw new CliException(
          CliException.FAILURE,
          "the session with pod "
              + pod
              + " broke: "
              + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()),
          e.getCause());
    }
    if (code == null || code < 0) {
      throw new CliException(
          CliException.FAILURE,
          "the session with pod " + pod + " ended without an exit status (connection lost?)");
    }
    return code;
  }
}
