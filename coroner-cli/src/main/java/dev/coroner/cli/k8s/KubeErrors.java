package dev.coroner.cli.k8s;

import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import java.io.IOException;

/** Turns the API's answers into messages that say what to do, with the CLI's exit codes. */
final class KubeErrors {
  private KubeErrors() {}

  /**
   * The failure of {@code what} (e.g. "create pod shop/x") in {@code namespace}, on the cluster
   * that {@code where} describes.
   */
  static CliException of(KubernetesClientException e, String what, String namespace, String where) {
    int code = code(e);
    if (code <= 0 && ioCause(e)) {
      code = 0;
    }
    String server = e.getStatus() == null ? null : e.getStatus().getMessage();
    String detail = server != null ? server : code > 0 ? "HTTP " + code : rootMessage(e);
    String message =
        switch (code) {
          case 401 ->
              "the cluster did not accept your credentials for "
                  + where
                  + " (401): log in again, then 'kubectl get pods -n "
                  + namespace
                  + "' should work";
          case 403 ->
              "forbidden to "
                  + what
                  + ": "
                  + detail
                  + ". In namespace "
                  + namespace
                  + " coroner needs pods create/get/list/watch/delete and pods/exec create (README,"
                  + " 'Debug in the cluster'); 'kubectl auth can-i create pods -n "
                  + namespace
                  + "' checks";
          case 404 -> "cannot " + what + ": " + detail + " (on " + where + "); pass -n NAMESPACE";
          case 0 ->
              "cannot reach the cluster at "
                  + where
                  + " to "
                  + what
                  + ": "
                  + rootMessage(e)
                  + "; check 'kubectl config current-context' and the network";
          default ->
              code > 0
                  ? "the cluster refused to " + what + " (" + code + "): " + detail
                  : "cannot " + what + ": " + detail;
        };
    int exit =
        switch (code) {
          case 0, 401, 403 -> CliException.UNREACHABLE;
          case 404 -> CliException.NOT_FOUND;
          default -> CliException.FAILURE;
        };
    return new CliException(exit, message, e);
  }

  /**
   * The HTTP status. An exec's WebSocket upgrade refused by the server reaches fabric8 as code -1
   * with the status only on the handshake's response (the JDK client drops the body).
   */
  static int code(KubernetesClientException e) {
    if (e.getCode() > 0) {
      return e.getCode();
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof WebSocketHandshakeException h && h.getResponse() != null) {
        return h.getResponse().code();
      }
    }
    return e.getCode();
  }

  /**
   * Whether the request never got an answer: fabric8 reports that as -1 or 0, with an IOException.
   */
  private static boolean ioCause(Throwable e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IOException && !(t instanceof WebSocketHandshakeException)) {
        return true;
      }
    }
    return false;
  }

  /** What went wrong on the way, in words: the JDK's client often leaves its messages empty. */
  private static String rootMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (t instanceof java.net.ConnectException) {
        return "no answer on that address (connection refused or timed out)";
      }
      if (t instanceof java.net.http.HttpTimeoutException) {
        return "timed out";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "unknown host " + m;
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return "TLS failed: " + m;
      }
      if (t instanceof IOException && m != null) {
        return m;
      }
    }
    return String.valueOf(e.getMessage());
  }
}
