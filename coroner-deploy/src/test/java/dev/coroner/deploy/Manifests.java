package dev.coroner.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The objects one {@code helm template} produced, parsed by fabric8, with finders for tests. */
record Manifests(String yaml, List<HasMetadata> objects) {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Manifests parse(String yaml) {
    Object parsed = SERIALIZATION.unmarshal(yaml);
    List<HasMetadata> objects =
        parsed instanceof List<?> list
            ? list.stream().map(HasMetadata.class::cast).toList()
            : List.of((HasMetadata) parsed);
    return new Manifests(yaml, objects);
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    assertThat(found).as("%s objects", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  /** The object of {@code type} named {@code name}; fails if there is none. */
  <T extends HasMetadata> T named(Class<T> type, String name) {
    return all(type).stream()
        .filter(o -> name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  /** Objects fabric8 has no class for (ServiceMonitor, SecurityContextConstraints). */
  List<GenericKubernetesResource> ofKind(String kind) {
    return all(GenericKubernetesResource.class).stream()
        .filter(r -> kind.equals(r.getKind()))
        .toList();
  }

  List<String> kinds() {
    return objects.stream().map(HasMetadata::getKind).toList();
  }

  DaemonSet daemonSet() {
    return one(DaemonSet.class);
  }

  PodSpec pod() {
    return daemonSet().getSpec().getTemplate().getSpec();
  }

  Container agent() {
    assertThat(pod().getContainers()).hasSize(1);
    return pod().getContainers().get(0);
  }

  /** The agent's environment by name; a name set twice fails the test. */
  Map<String, EnvVar> env() {
    Map<String, EnvVar> env = new LinkedHashMap<>();
    for (EnvVar var : agent().getEnv()) {
      assertThat(env.put(var.getName(), var)).as("%s set twice", var.getName()).isNull();
    }
    return env;
  }

  /** A literal environment value; fails for a variable that is unset or comes from elsewhere. */
  String env(String name) {
    EnvVar var = env().get(name);
    assertThat(var).as("env %s", name).isNotNull();
    assertThat(var.getValueFrom()).as("env %s from a reference", name).isNull();
    return var.getValue();
  }

  Volume volume(String name) {
    return pod().getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  VolumeMount mount(String name) {
    return agent().getVolumeMounts().stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume mount " + name));
  }
}
