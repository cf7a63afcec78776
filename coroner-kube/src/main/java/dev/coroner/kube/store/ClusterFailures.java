package dev.coroner.kube.store;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The API's answers as the store's typed failures, with which verb on which resource: a 403 names
 * what RBAC did not allow, so the CLI can say which role is missing.
 */
final class ClusterFailures {
  private final String where;

  /** Failures on the cluster {@code where} describes. */
  ClusterFailures(String where) {
    this.where = where;
  }

  /**
   * The failure to {@code verb} {@code resource} ({@code coredumps.coroner.dev}) in {@code
   * namespace} (null: every namespace); {@code name} is the object's, or null for a collection.
   */
  StoreException of(
      KubernetesClientException e,
      String verb,
      String resource,
      @Nullable String namespace,
      @Nullable String name) {
    int code = e.getCode();
    String server = e.getStatus() == null ? null : e.getStatus().getMessage();
    String in = namespace == null ? "in every namespace (-A)" : "in namespace " + namespace;
    String object = name == null ? resource : resource + " '" + name + "'";
    return switch (code) {
      case 401 ->
          new StoreException(
              StoreFailure.AUTH,
              "the cluster did not accept your credentials for " + where + " (401)",
              e);
      case 403 ->
          new StoreException(
              StoreFailure.PERMISSION,
              "forbidden to "
                  + verb
                  + " "
                  + resource
                  + " "
                  + in
                  + (server == null ? "" : " (" + server + ")")
                  + "; 'kubectl auth can-i "
                  + verb
                  + " "
                  + resource
                  + (namespace == null ? " -A" : " -n " + namespace)
                  + "' checks",
              e);
      case 404 ->
          name == null
              ? new StoreException(
                  StoreFailure.NO_STORE,
                  "no " + resource + " on " + where + ": coroner's CRDs are not installed there",
                  e)
              : new StoreException(StoreFailure.NOT_FOUND, "no " + object + " " + in, e);
      default ->
          code > 0
              ? new StoreException(
                  StoreFailure.OTHER,
                  "the cluster refused to "
                      + verb
                      + " "
                      + object
                      + " "
                      + in
                      + " ("
                      + code
                      + (server == null ? "" : ": " + server)
                      + ")",
                  e)
              : new StoreException(
                  StoreFailure.UNREACHABLE,
                  "cannot reach the cluster at "
                      + where
                      + " to "
                      + verb
                      + " "
                      + resource
                      + ": "
                      + root(e),
                  e);
    };
  }

  /** What went wrong on the way, in words: the JDK's client often leaves its messages empty. */
  static String root(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "no answer on that address (connection refused or timed out)";
      }
      if (t instanceof java.net.http.HttpTimeoutException) {
        return "timed out";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "unknown host " + t.getMessage();
      }
      if (t instanceof IOException && t.getMessage() != null) {
        return t.getMessage();
      }
    }
    return String.valueOf(e.getMessage());
  }
}
