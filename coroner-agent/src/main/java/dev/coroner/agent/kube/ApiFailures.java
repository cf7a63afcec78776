package dev.coroner.agent.kube;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/** Describes failed API calls without credentials, and says which kind is new enough to log. */
public final class ApiFailures {
  // A kubeconfig may put user:password into the server URL, and fabric8 repeats URLs.
  private static final Pattern USER_INFO = Pattern.compile("://[^/@\\s]+@");
  private static final int KINDS = 64;

  private final Set<String> logged =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > KINDS;
            }
          });

  /** True the first time this kind of failure is seen: log it then, only count it after. */
  public synchronized boolean first(Throwable failure) {
    return logged.add(kind(failure));
  }

  /** The kind of failure: the HTTP code, or the innermost exception's class. */
  public static String kind(Throwable failure) {
    if (failure instanceof KubernetesClientException k && k.getCode() > 0) {
      return "HTTP " + k.getCode();
    }
    return root(failure).getClass().getName();
  }

  /**
   * What went wrong, for a log line: the API's status message, or the exceptions fabric8 wrapped.
   */
  public static String describe(Throwable failure) {
    String text;
    if (failure instanceof KubernetesClientException k && k.getCode() > 0) {
      Status status = k.getStatus();
      String message = status != null ? status.getMessage() : null;
      text = "HTTP " + k.getCode() + (message != null ? " " + message : "");
    } else {
      // fabric8 wraps the JDK's errors twice; the names below say what happened, for example
      // "ConnectException, UnresolvedAddressException" for a server name that does not resolve.
      StringJoiner chain = new StringJoiner(", ");
      for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
        boolean wrapper =
            t instanceof KubernetesClientException
                || (t.getClass() == IOException.class && t.getMessage() == null);
        if (!wrapper) {
          chain.add(
              t.getClass().getSimpleName() + (t.getMessage() != null ? " " + t.getMessage() : ""));
        }
      }
      text = chain.length() > 0 ? chain.toString() : root(failure).getClass().getSimpleName();
    }
    return USER_INFO.matcher(text).replaceAll("://***@");
  }

  private static Throwable root(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
