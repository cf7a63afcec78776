package dev.coroner.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** charts/coroner run through embedded Helm (helm-java): lint, and template into objects. */
final class HelmChart {
  static final Path DIR =
      Path.of(System.getProperty("coroner.chart", "../charts/coroner"))
          .toAbsolutePath()
          .normalize();
  static final String STORE = "s3://crash-bucket/prod";
  static final String RELEASE = "coroner";
  static final String NAMESPACE = "crash";

  /** The chart needs 1.25+; helm template otherwise assumes an old cluster. */
  static final String KUBE_VERSION = "1.31.0";

  static final List<String> PRESETS = List.of("gke-cos", "openshift", "bottlerocket", "eks-irsa");

  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  private HelmChart() {}

  static Path preset(String name) {
    return DIR.resolve("presets").resolve(name + ".yaml");
  }

  /** {@code helm template} with {@code --set} values and preset files, in that order of weight. */
  static Manifests render(Map<String, String> set, String... presets) {
    return Manifests.parse(template(set, List.of(), presets));
  }

  /** The same with extra values files, for values that --set cannot express (numbers). */
  static Manifests render(Map<String, String> set, List<Path> valuesFiles, String... presets) {
    return Manifests.parse(template(set, valuesFiles, presets));
  }

  /** The message {@code helm template} fails with; throws if it renders. */
  static String renderError(Map<String, String> set, String... presets) {
    try {
      template(set, List.of(), presets);
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    throw new AssertionError("the chart rendered with " + set + " " + List.of(presets));
  }

  /** {@code helm template} for a cluster of {@code kubeVersion}. */
  static Manifests renderFor(String kubeVersion, Map<String, String> set) {
    return Manifests.parse(template(kubeVersion, set, List.of()));
  }

  private static String template(Map<String, String> set, List<Path> files, String... presets) {
    return template(KUBE_VERSION, set, files, presets);
  }

  private static String template(
      String kubeVersion, Map<String, String> set, List<Path> files, String... presets) {
    TemplateCommand template =
        new Helm(DIR)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(kubeVersion);
    for (String preset : presets) {
      template.withValuesFile(preset(preset));
    }
    files.forEach(template::withValuesFile);
    set.forEach(template::set);
    return template.call();
  }

  /** The NOTES.txt a user sees after {@code helm install}: a client-only dry run, no cluster. */
  static String notes(Map<String, String> set) {
    InstallCommand install =
        new Helm(DIR)
            .install()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .clientOnly()
            .dryRun();
    set.forEach(install::set);
    String output = install.call().getOutput();
    return output.substring(output.indexOf("NOTES:"));
  }

  /**
   * {@code helm lint --strict} of the chart whose defaults are overlaid with the presets and then
   * {@code values}. Lint reads only the chart's own values.yaml, so this lints a copy in {@code
   * workDir} whose values.yaml is the merge.
   */
  static LintResult lint(Path workDir, Map<String, Object> values, String... presets) {
    Path copy = workDir.resolve("coroner");
    copyTree(DIR, copy);
    Map<String, Object> merged = readYaml(DIR.resolve("values.yaml"));
    for (String preset : presets) {
      merge(merged, readYaml(preset(preset)));
    }
    merge(merged, values);
    write(copy.resolve("values.yaml"), YAML.asYaml(merged));
    return new Helm(copy).lint().strict().call();
  }

  /** {@code helm lint --strict} of the chart as it is. */
  static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> readYaml(Path file) {
    try {
      Map<String, Object> map = YAML.unmarshal(Files.readString(file), Map.class);
      return map == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Helm's rule for values files: maps merge key by key, anything else is replaced. */
  @SuppressWarnings("unchecked")
  static void merge(Map<String, Object> base, Map<String, Object> over) {
    over.forEach(
        (key, value) -> {
          if (value instanceof Map<?, ?> m && base.get(key) instanceof Map<?, ?> b) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) b);
            merge(copy, (Map<String, Object>) m);
            base.put(key, copy);
          } else {
            base.put(key, value);
          }
        });
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
