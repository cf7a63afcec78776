package dev.coroner.kube.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The CRDs in charts/coroner/crds are written by hand (descriptions, printer columns, validation);
 * this keeps them true to the model: fabric8's CRD generator makes CRDs from the classes, and every
 * field, its type and the resources' names must be the same in both.
 */
class CrdsTest {
  static final Path CHART_CRDS =
      Path.of(System.getProperty("coroner.crds", "../charts/coroner/crds"))
          .toAbsolutePath()
          .normalize();
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  /** What the generator made, kept for a diff when the test fails. */
  private final Path generated = Path.of("target/generated-crds");

  @Test
  void theChartsCrdsHaveTheModelsFieldsAndTypes() throws IOException {
    Files.createDirectories(generated);
    new CRDGenerator()
        .inOutputDir(generated.toFile())
        .forCRDVersions("v1")
        .customResourceClasses(CoreDump.class, CoreDumpDownload.class, CoreDumpSnapshot.class)
        .generate();
    for (String plural :
        new String[] {CoronerApi.COREDUMPS, CoronerApi.DOWNLOADS, CoronerApi.SNAPSHOTS}) {
      String file = plural + "." + CoronerApi.GROUP + "-v1.yml";
      CustomResourceDefinition model = read(generated.resolve(file));
      CustomResourceDefinition chart =
          read(CHART_CRDS.resolve(plural + "." + CoronerApi.GROUP + ".yaml"));
      assertThat(chart.getMetadata().getName()).isEqualTo(model.getMetadata().getName());
      assertThat(chart.getSpec().getGroup()).isEqualTo(model.getSpec().getGroup());
      assertThat(chart.getSpec().getScope())
          .isEqualTo("Namespaced")
          .isEqualTo(model.getSpec().getScope());
      assertThat(chart.getSpec().getNames().getKind())
          .isEqualTo(model.getSpec().getNames().getKind());
      assertThat(chart.getSpec().getNames().getPlural()).isEqualTo(plural);
      CustomResourceDefinitionVersion mv = model.getSpec().getVersions().get(0);
      CustomResourceDefinitionVersion cv = chart.getSpec().getVersions().get(0);
      assertThat(cv.getName()).isEqualTo(mv.getName());
      assertThat(cv.getServed()).isTrue();
      assertThat(cv.getStorage()).isTrue();
      assertThat(cv.getSubresources() != null && cv.getSubresources().getStatus() != null)
          .as("%s has a status subresource", plural)
          .isEqualTo(mv.getSubresources() != null && mv.getSubresources().getStatus() != null);
      assertThat(fields("", cv.getSchema().getOpenAPIV3Schema()))
          .as(
              "%s: the chart's fields (left) and the model's (right); write the chart's to match",
              plural)
          .isEqualTo(fields("", mv.getSchema().getOpenAPIV3Schema()));
    }
  }

  static CustomResourceDefinition read(Path file) throws IOException {
    return YAML.unmarshal(Files.readString(file), CustomResourceDefinition.class);
  }

  /** Every property's path and type. */
  private static Map<String, String> fields(String path, JSONSchemaProps schema) {
    Map<String, String> out = new TreeMap<>();
    out.put(path.isEmpty() ? "." : path, schema.getType());
    if (schema.getProperties() != null) {
      schema
          .getProperties()
          .forEach(
              (name, p) -> {
                // A CoreDump has no status: the generator writes an empty one for Void.
                boolean emptyStatus =
                    name.equals("status")
                        && (p.getProperties() == null || p.getProperties().isEmpty());
                boolean top = path.isEmpty();
                if (!(top
                    && (emptyStatus || List.of("metadata", "apiVersion", "kind").contains(name)))) {
                  out.putAll(fields(path + "." + name, p));
                }
              });
    }
    return out;
  }
}
