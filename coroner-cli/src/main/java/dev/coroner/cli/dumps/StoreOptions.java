package dev.coroner.cli.dumps;

import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.store.ClusterOptions;
import dev.coroner.kube.store.ClusterStore;
import dev.coroner.kube.store.ClusterUrls;
import dev.coroner.store.DumpReference;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.local.LocalStore;
import dev.coroner.store.open.Stores;
import dev.coroner.store.s3.S3Options;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --store}: which store a command works on, and the lookups every command needs. */
public final class StoreOptions {
  /** The option's name; {@code Main} supplies its default from {@code CliConfig}. */
  public static final String OPTION = "--store";

  /** Defaults to {@code AWS_ENDPOINT_URL_S3} through {@code CliConfig}. */
  public static final String S3_ENDPOINT_OPTION = "--s3-endpoint";

  @Option(
      names = OPTION,
      paramLabel = "URL",
      description =
          "Where the dumps are: a directory, file:///dir, s3://bucket/prefix, or k8s[://CONTEXT]"
              + " (the cluster's CoreDumps through your kubeconfig, no storage credentials;"
              + " docs/access.md)."
              + " Default: $CORONER_STORE, else store= in ~/.config/coroner/config.properties,"
              + " else file:///var/lib/coroner/dumps. Now: ${DEFAULT-VALUE}")
  @Nullable String url;

  @Option(
      names = S3_ENDPOINT_OPTION,
      paramLabel = "URL",
      description =
          "S3-compatible endpoint (MinIO, s3proxy, a VPC endpoint). Default: $AWS_ENDPOINT_URL_S3,"
              + " else $AWS_ENDPOINT_URL, else AWS. Credentials come from the AWS SDK's usual"
              + " chain (env, ~/.aws, IRSA), never from options.")
  @Nullable String s3Endpoint;

  @Option(
      names = "--s3-region",
      paramLabel = "REGION",
      description = "AWS region (default: $AWS_REGION or the profile; us-east-1 with an endpoint).")
  @Nullable String s3Region;

  @Option(
      names = "--s3-path-style",
      paramLabel = "BOOL",
      arity = "0..1",
      description = "Path-style URLs (http://host/bucket/key). Default: on with an endpoint.")
  @Nullable Boolean s3PathStyle;

  /**
   * Which namespaces and cluster a command means (kubectl's {@code -n}, {@code -A}, {@code
   * --context}, {@code --kubeconfig}); every field may be null or false.
   */
  public record Scope(
      @Nullable String namespace,
      boolean allNamespaces,
      @Nullable String context,
      @Nullable Path kubeconfig) {
    /** No namespace, context or kubeconfig named. */
    public static final Scope DEFAULT = new Scope(null, false, null, null);
  }

  @Spec(Spec.Target.MIXEE)
  @Nullable CommandSpec command;

  /**
   * Opens the store (close it when done); a bad URL is a usage error. On one host, scrubs that a
   * killed capture left undone are finished first, so that their dumps are listed.
   */
  public Store open() {
    return open(Scope.DEFAULT, null);
  }

  /**
   * Opens the store for {@code scope}; with the cluster store, {@code err} (or null) is told what a
   * download waits for, at a terminal.
   */
  public Store open(Scope scope, @Nullable PrintWriter err) {
    String where = url == null ? Stores.DEFAULT : url;
    if (ClusterUrls.isCluster(where)) {
      return openCluster(where, scope, err);
    }
    URI endpoint = endpoint();
    boolean pathStyle = s3PathStyle != null ? s3PathStyle : endpoint != null;
    Store store;
    try {
      store = Stores.open(where, S3Options.defaults(endpoint, s3Region, pathStyle));
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, where);
    }
    // One host's own upkeep, not a capability of stores: only a local directory stages scrubs.
    if (store instanceof LocalStore local) {
      UnfinishedScrubs.finish(local.dir(), err());
    }
    return store;
  }

  private PrintWriter err() {
    return command != null
        ? command.commandLine().getErr()
        : new PrintWriter(System.err, true, java.nio.charset.Charset.defaultCharset());
  }

  /** The store's URL as given ({@code --store}, else its configured default), for messages. */
  public String url() {
    return url == null ? Stores.DEFAULT : url;
  }

  /** Whether {@code --store} is the cluster ({@code k8s}, {@code k8s://CONTEXT}). */
  public boolean cluster() {
    return ClusterUrls.isCluster(url == null ? Stores.DEFAULT : url);
  }

  /** The context {@code --store k8s://CONTEXT} names, or null. */
  public @Nullable String clusterContext() {
    return cluster() ? ClusterUrls.contextOf(url == null ? Stores.DEFAULT : url) : null;
  }

  // On Java 22+ System.console() is a Console even when redirected (Console.isTerminal() tells,
  // but not on 17): left as it was, a known gap.
  @SuppressWarnings("SystemConsoleNull")
  private static Store openCluster(String where, Scope scope, @Nullable PrintWriter err) {
    String context = ClusterUrls.contextOf(where);
    if (context != null && scope.context() != null && !context.equals(scope.context())) {
      throw new CliException(
          CliException.USAGE,
          "--store "
              + where
              + " and --context "
              + scope.context()
              + " name two contexts; give one");
    }
    PrintWriter progress = err != null && System.console() != null ? err : null;
    try {
      return ClusterStore.open(
          new ClusterOptions(
              context != null ? context : scope.context(),
              scope.kubeconfig(),
              scope.namespace(),
              scope.allNamespaces(),
              ClusterOptions.DEFAULT_WAIT,
              progress != null ? progress::println : line -> {}));
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, where);
    }
  }

  private @Nullable URI endpoint() {
    if (s3Endpoint == null || s3Endpoint.isBlank()) {
      return null;
    }
    try {
      URI u = new URI(s3Endpoint);
      if (u.getScheme() == null || u.getHost() == null) {
        throw new URISyntaxException(s3Endpoint, "not an http(s)://host[:port] URL");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new CliException(
          CliException.USAGE,
          S3_ENDPOINT_OPTION
              + " must be an http(s)://host[:port] URL: '"
              + s3Endpoint
              + "' ("
              + e.getReason()
              + ")");
    }
  }

  /** The complete dump-info of a dump (a remote listing may carry only part of it). */
  public static DumpInfo info(Store store, StoredDump dump) {
    try {
      return store.info(dump);
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, store.url());
    }
  }

  /** Lists the store, newest first; an unreachable store exits 4. */
  public static List<StoredDump> list(Store store) {
    try {
      return store.list();
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, store.url());
    }
  }

  /**
   * Resolves a reference; unknown or ambiguous exits 3 with a hint. A path to a dump's zip names
   * that file, whatever the store.
   */
  public static StoredDump resolve(Store store, String ref) {
    return resolveAmong(store, ref, null);
  }

  /**
   * Resolves a reference within {@code -n}: a cluster store is opened in that namespace already
   * (its host dumps count there too); in a bucket or directory, among the dumps of its pods.
   */
  public StoredDump resolve(Store store, String ref, NamespaceOptions ns) {
    return resolveAmong(store, ref, cluster() ? null : ns.namespace());
  }

  private static @Nullable String namespaceOf(DumpInfo info) {
    DumpInfo.PodInfo pod = info.pod();
    return pod == null ? null : pod.namespace();
  }

  /** Resolves a reference among the dumps of pods in {@code namespace} (null: among all). */
  private static StoredDump resolveAmong(Store store, String ref, @Nullable String namespace) {
    java.nio.file.Path zip = zipPath(ref);
    if (zip != null) {
      try (Store here =
          new dev.coroner.store.local.LocalStore(
              java.util.Objects.requireNonNull(zip.getParent(), "an absolute file's directory"))) {
        String name = zip.getFileName().toString();
        return list(here).stream()
            .filter(d -> (d.name() + ".zip").equals(name))
            .findFirst()
            .orElseThrow(
                () -> new CliException(CliException.NOT_FOUND, ref + " is not a dump zip"));
      }
    }
    try {
      List<StoredDump> dumps = list(store);
      if (namespace != null) {
        dumps =
            dumps.stream()
                .filter(d -> d.info() != null && namespace.equals(namespaceOf(d.info())))
                .toList();
      }
      return DumpReference.resolve(dumps, ref, store.url());
    } catch (DumpReference.UnresolvedException e) {
      throw new CliException(CliException.NOT_FOUND, e.getMessage(), e);
    }
  }

  /** {@code ref} as the path of an existing zip, or null. */
  private static java.nio.file.@Nullable Path zipPath(String ref) {
    if (!ref.endsWith(".zip") || !ref.contains("/")) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(ref).toAbsolutePath().normalize();
    return java.nio.file.Files.isRegularFile(p) ? p : null;
  }

  /** A dump whose dump-info could be read, else the problem with advice by its kind. */
  public static StoredDump readable(StoredDump dump) {
    if (!dump.readable()) {
      throw StoreErrors.unreadable(dump);
    }
    return dump;
  }
}
