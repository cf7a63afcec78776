package dev.coroner.cli.k8s;

import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * {@code coroner debug --k8s --batch}: runs {@code rundebug.sh} with the commands in the debug
 * container without a terminal, prints its output and returns its exit code, for scripts and CI.
 */
final class BatchExec {
  private BatchExec() {}

  /**
   * Runs {@code invocation} in the debug container; its stdout goes to {@code out}, its stderr to
   * {@code err}.
   */
  static int run(
      DebugSession.Target pod, DebugKind.Invocation invocation, PrintWriter out, PrintWriter err)
      throws IOException, InterruptedException {
    OutputStream stdout = new WriterOutputStream(out);
    OutputStream stderr = new WriterOutputStream(err);
    try (ExecWatch watch =
        Exec.open(
            () ->
                pod.resource()
                    .inContainer(DebugPodFactory.DEBUG_CONTAINER)
                    .writingOutput(stdout)
                    .writingError(stderr)
                    .exec(invocation.argv().toArray(String[]::new)),
            pod)) {
      int code = Exec.exitCode(watch, pod.qualifiedName());
      out.flush();
      err.flush();
      return code;
    }
  }
}
