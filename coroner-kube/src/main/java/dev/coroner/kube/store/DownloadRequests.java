package dev.coroner.kube.store;

import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumpDownloadSpec;
import dev.coroner.kube.api.CoreDumpDownloadStatus;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.kube.seal.Age;
import dev.coroner.kube.seal.AgeException;
import dev.coroner.kube.seal.AgeIdentity;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Asks coroner's controller for one dump: creates a {@link CoreDumpDownload} with this user as the
 * requester and a fresh age key, waits for the answer, and opens the URL sealed to that key. The
 * key lives in memory only, so nobody else who may read requests in the namespace can use the URL.
 */
final class DownloadRequests {
  static final String RESOURCE = CoronerApi.DOWNLOADS + "." + CoronerApi.GROUP;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A signed URL and when it dies (null when the controller did not say). */
  record Answer(URI url, @Nullable Instant expiresAt) {
    /** The URL is a bearer capability: it never reaches a message. */
    @Override
    public String toString() {
      return "Answer[" + url.getHost() + ", expires " + expiresAt + "]";
    }
  }

  private final ClusterConnection kube;
  private final ClusterFailures failures;
  private final ClusterOptions options;

  /** Who asks, once {@link #requester()} has asked the API server. */
  private @Nullable String requester;

  DownloadRequests(ClusterConnection kube, ClusterFailures failures, ClusterOptions options) {
    this.kube = kube;
    this.failures = failures;
    this.options = options;
  }

  /** Asks for the dump {@code dump} stands for and waits for the answer. */
  Answer request(DumpLocation.Resource dump) throws StoreException {
    AgeIdentity key = AgeIdentity.generate();
    CoreDumpDownload request = new CoreDumpDownload();
    request.setMetadata(
        new ObjectMetaBuilder()
            .withName(name(dump.name()))
            .withNamespace(dump.namespace())
            .withLabels(Map.of(CoronerApi.LABEL_MANAGED_BY, CoronerApi.MANAGER))
            .build());
    request.setSpec(new CoreDumpDownloadSpec(dump.name(), requester(), key.recipient().toString()));
    try {
      request = kube.client().resource(request).create();
    } catch (KubernetesClientException e) {
      throw failures.of(e, "create", RESOURCE, dump.namespace(), null);
    }
    CoreDumpDownloadStatus status = await(dump.namespace(), request.getMetadata().getName());
    if (!CoreDumpDownloadStatus.READY.equals(status.phase())) {
      throw refused(dump, status);
    }
    String expiresAt = status.expiresAt();
    return new Answer(open(status, key, dump), CoronerApi.instant(expiresAt));
  }

  private CoreDumpDownloadStatus await(String namespace, String name) throws StoreException {
    Instant deadline = Instant.now().plus(options.answerWait());
    Duration pause = Duration.ofMillis(100);
    boolean told = false;
    Instant tellAt = Instant.now().plusSeconds(1);
    while (true) {
      CoreDumpDownload d;
      try {
        d =
            kube.client()
                .resources(CoreDumpDownload.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
      } catch (KubernetesClientException e) {
        throw failures.of(e, "get", RESOURCE, namespace, name);
      }
      if (d == null) {
        throw new StoreException(
            StoreFailure.OTHER,
            "coredumpdownload " + namespace + "/" + name + " was deleted before it was answered");
      }
      if (d.getStatus() != null && d.getStatus().answered()) {
        return d.getStatus();
      }
      Instant now = Instant.now();
      if (now.isAfter(deadline)) {
        throw new StoreException(
            StoreFailure.UNREACHABLE,
            "coroner's controller did not answer coredumpdownload "
                + namespace
                + "/"
                + name
                + " within "
                + options.answerWait().toSeconds()
                + "s: is it running? 'kubectl get deploy -A -l app.kubernetes.io/component=controller'"
                + " shows it");
      }
      if (!told && now.isAfter(tellAt)) {
        options
            .progress()
            .accept(
                "waiting for coroner's controller to sign a URL (coredumpdownload "
                    + namespace
                    + "/"
                    + name
                    + ")");
        told = true;
      }
      sleep(pause);
      pause = Duration.ofMillis(Math.min(1000, pause.toMillis() * 2));
    }
  }

  private static StoreException refused(DumpLocation.Resource dump, CoreDumpDownloadStatus s) {
    String what =
        "coroner's controller refused to sign coredump " + dump.namespace() + "/" + dump.name();
    String reason = s.reason() == null ? "" : s.reason();
    StoreFailure kind =
        switch (reason) {
          case CoreDumpDownloadStatus.NOT_FOUND -> StoreFailure.NOT_FOUND;
          case CoreDumpDownloadStatus.STORE_FAILED -> StoreFailure.UNREACHABLE;
          case CoreDumpDownloadStatus.NOT_IN_STORE -> StoreFailure.INTEGRITY;
          default -> StoreFailure.OTHER;
        };
    return new StoreException(kind, what + ": " + s.message());
  }

  private static URI open(CoreDumpDownloadStatus s, AgeIdentity key, DumpLocation.Resource dump)
      throws StoreException {
    String url;
    String sealed = s.encryptedUrl();
    if (sealed != null) {
      try {
        url = new String(Age.decrypt(sealed, key), StandardCharsets.UTF_8);
      } catch (AgeException e) {
        throw new StoreException(
            StoreFailure.INTEGRITY,
            "the URL for "
                + dump.namespace()
                + "/"
                + dump.name()
                + " does not open with this request's key: "
                + e.getMessage(),
            e);
      }
    } else if (s.url() != null) {
      url = s.url();
    } else {
      throw new StoreException(StoreFailure.OTHER, "the controller's answer holds no URL");
    }
    try {
      return URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw new StoreException(StoreFailure.OTHER, "the controller's URL is not a URL", e);
    }
  }

  /**
   * Who asks: the API server's own name for this user (SelfSubjectReview, Kubernetes 1.28+), which
   * is what the chart's admission policy compares; else the kubeconfig's user entry.
   */
  String requester() {
    String known = requester;
    if (known == null) {
      String name = null;
      try {
        SelfSubjectReview review =
            kube.client()
                .authentication()
                .v1()
                .selfSubjectReviews()
                .create(new SelfSubjectReview());
        if (review != null
            && review.getStatus() != null
            && review.getStatus().getUserInfo() != null) {
          name = review.getStatus().getUserInfo().getUsername();
        }
      } catch (KubernetesClientException e) {
        // An older API server: the kubeconfig's name for the user is the best guess.
      }
      String user = kube.user();
      known = name != null && !name.isBlank() ? name : user != null ? user : "unknown";
      requester = known;
    }
    return known;
  }

  /** {@code <coredump>-<5 random>}: unique, and says which dump. */
  private static String name(String coreDump) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder s =
        new StringBuilder(coreDump.length() > 200 ? coreDump.substring(0, 200) : coreDump)
            .append('-');
    for (int i = 0; i < 5; i++) {
      s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static void sleep(Duration d) throws StoreException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          StoreFailure.OTHER, "interrupted while waiting for the controller", e);
    }
  }
}
