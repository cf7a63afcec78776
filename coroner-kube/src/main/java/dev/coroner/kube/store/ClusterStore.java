package dev.coroner.kube.store;

import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.Transfers;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Dumps as the cluster shows them (cluster mode, {@code --store k8s}): CoreDumps listed through the
 * Kubernetes API with the user's own kubeconfig, and each dump read through a CoreDumpDownload that
 * coroner's controller answers. No storage credentials on this machine: RBAC on {@code coredumps}
 * and {@code coredumpdownloads} decides who sees and reads what.
 */
public final class ClusterStore implements Store {
  /** The resource, as RBAC and kubectl name it. */
  static final String COREDUMPS = CoronerApi.COREDUMPS + "." + CoronerApi.GROUP;

  private final ClusterConnection kube;
  private final ClusterOptions options;
  private final ClusterFailures failures;
  private final DownloadRequests downloads;

  private ClusterStore(ClusterConnection kube, ClusterOptions options) {
    this.kube = kube;
    this.options = options;
    this.failures = new ClusterFailures(kube.describe());
    this.downloads = new DownloadRequests(kube, failures, options);
  }

  /**
   * Connects with the user's kubeconfig; nothing is sent yet.
   *
   * @throws StoreException with {@link StoreFailure#CONFIG} for a missing kubeconfig or an unknown
   *     context
   */
  public static ClusterStore open(ClusterOptions options) throws StoreException {
    return new ClusterStore(ClusterConnection.open(options), options);
  }

  /** The kube context in use, or null for a pod's service account. */
  public @Nullable String context() {
    return kube.context();
  }

  /** {@code k8s://CONTEXT}. */
  @Override
  public String url() {
    return "k8s://" + (kube.context() == null ? "" : kube.context());
  }

  /**
   * The client on the user's kubeconfig, for requests beside the store's own ({@code coroner
   * snapshot POD} reads the pod and creates a CoreDumpSnapshot with it): the same context, the same
   * deadlines and retries.
   */
  public KubernetesClient client() {
    return kube.client();
  }

  /**
   * Who asks, as the API server names this user (a SelfSubjectReview, Kubernetes 1.28+; else the
   * kubeconfig's user entry): what the chart's admission policy compares with {@code
   * spec.requester}. Asked once per store.
   */
  public String requester() {
    return downloads.requester();
  }

  /**
   * The failure to {@code verb} {@code resource} ({@code coredumpsnapshots.coroner.dev}, {@code
   * pods}) in {@code namespace}, as the store's own failures read: a 403 names the verb and the
   * resource and how to check them; {@code name} is the object's, or null for a collection.
   */
  public StoreException failure(
      KubernetesClientException e,
      String verb,
      String resource,
      String namespace,
      @Nullable String name) {
    return failures.of(e, verb, resource, namespace, name);
  }

  /** Where the client goes, for messages: {@code context 'prod' (https://...)}. */
  public String describe() {
    return kube.describe();
  }

  /** The namespace this store lists, or null with {@code -A}. */
  public @Nullable String namespace() {
    return options.allNamespaces() ? null : kube.namespace();
  }

  @Override
  public List<StoredDump> list() throws StoreException {
    String ns = namespace();
    List<CoreDump> items;
    try {
      var resources = kube.client().resources(CoreDump.class);
      items =
          (ns == null ? resources.inAnyNamespace() : resources.inNamespace(ns)).list().getItems();
    } catch (KubernetesClientException e) {
      throw failures.of(e, "list", COREDUMPS, ns, null);
    }
    List<StoredDump> dumps = new ArrayList<>();
    for (CoreDump d : items) {
      dumps.add(stored(d));
    }
    dumps.sort(Comparator.comparing(StoredDump::time).thenComparing(StoredDump::stored).reversed());
    return dumps;
  }

  /** A CoreDump as a listed dump; one that lacks what every dump has is listed as damaged. */
  static StoredDump stored(CoreDump d) {
    String ns = d.getMetadata().getNamespace();
    String name = d.getMetadata().getName();
    Instant created =
        java.util.Objects.requireNonNullElse(
            CoronerApi.instant(d.getMetadata().getCreationTimestamp()), Instant.EPOCH);
    long size =
        d.getSpec() == null || d.getSpec().object() == null || d.getSpec().object().bytes() == null
            ? 0
            : d.getSpec().object().bytes();
    DumpLocation where = new DumpLocation.Resource(ns, name);
    try {
      DumpInfo info = CoreDumps.info(d);
      return new StoredDump(info.name(), size, created, where, info, null);
    } catch (RuntimeException e) {
      return new StoredDump(name, size, created, where, null, DumpProblem.damaged(e.getMessage()));
    }
  }

  /** What the CoreDump carries: the command line, files and warnings stay in the zip. */
  @Override
  public DumpInfo info(StoredDump dump) throws StoreException {
    if (dump.info() == null) {
      throw new StoreException(
          StoreFailure.INTEGRITY, "no dump-info for " + dump.location().display());
    }
    return dump.info();
  }

  @Override
  public void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException {
    UrlFetch.Body body = download(dump);
    try (InputStream in = body.in()) {
      Transfers.receive(in, body.length() >= 0 ? body.length() : dump.size(), target, listener);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot download " + dump.name() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream open(StoredDump dump) throws StoreException {
    return download(dump).in();
  }

  private UrlFetch.Body download(StoredDump dump) throws StoreException {
    DownloadRequests.Answer a = downloads.request(resource(dump));
    return UrlFetch.get(a.url(), dump.name());
  }

  /** Deletes the CoreDump; the controller's finalizer then deletes the dump's object. */
  @Override
  public void delete(StoredDump dump) throws StoreException {
    DumpLocation.Resource r = resource(dump);
    List<StatusDetails> deleted;
    try {
      deleted =
          kube.client()
              .resources(CoreDump.class)
              .inNamespace(r.namespace())
              .withName(r.name())
              .delete();
    } catch (KubernetesClientException e) {
      throw failures.of(e, "delete", COREDUMPS, r.namespace(), r.name());
    }
    if (deleted == null || deleted.isEmpty()) {
      throw new StoreException(
          StoreFailure.NOT_FOUND, "no coredump '" + r.name() + "' in namespace " + r.namespace());
    }
  }

  /** URLs that the controller signs; it decides how long they live (5 to 15 minutes). */
  @Override
  public Optional<PresignedDownloads> presignedDownloads() {
    return Optional.of(this::presign);
  }

  private java.net.URI presign(StoredDump dump, Duration ttl) throws StoreException {
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(PresignedDownloads.MAX_TTL) > 0) {
      throw new IllegalArgumentException("a presigned URL lives between 1s and 1h: " + ttl);
    }
    return downloads.request(resource(dump)).url();
  }

  private DumpLocation.Resource resource(StoredDump dump) throws StoreException {
    if (dump.location() instanceof DumpLocation.Resource r) {
      return r;
    }
    throw new StoreException(
        StoreFailure.NOT_FOUND, dump.location().display() + " is not in " + url());
  }

  @Override
  public void close() {
    kube.close();
  }
}
