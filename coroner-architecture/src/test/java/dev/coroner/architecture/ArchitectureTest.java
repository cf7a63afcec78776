package dev.coroner.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.EvaluationResult;
import java.net.URL;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The code against the map in docs/ARCHITECTURE.md. */
class ArchitectureTest {
  private static ArchitectureMap map;
  private static JavaClasses classes;

  @BeforeAll
  static void load() throws Exception {
    map =
        ArchitectureMap.read(
            Path.of(System.getProperty("coroner.architecture", "../docs/ARCHITECTURE.md")));
    // Only where coroner's packages are (its jars or class directories): scanning every library
    // on the class path for them would take most of the test's time.
    Set<Location> ours = new LinkedHashSet<>();
    Enumeration<URL> urls = ArchitectureTest.class.getClassLoader().getResources("dev/coroner");
    while (urls.hasMoreElements()) {
      ours.add(Location.of(urls.nextElement()));
    }
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importLocations(ours);
  }

  @Test
  void theMapListsEveryModule() {
    assertThat(map.modules()).isNotEmpty();
    for (ArchitectureMap.Module m : map.modules().values()) {
      assertThat(classes.stream().anyMatch(c -> map.moduleOf(c.getPackageName()) == m))
          .as("classes of " + m.name() + " were found")
          .isTrue();
    }
    assertThat(classes.stream().map(c -> map.moduleOf(c.getPackageName())))
        .as("every class belongs to a module on the map")
        .doesNotContainNull();
  }

  @Test
  void modulesUseOnlyWhatTheMapAllows() {
    assertNoViolations(ArchitectureRules.modules(map, classes));
  }

  @Test
  void packagesUseOnlyWhatTheMapAllows() {
    assertNoViolations(ArchitectureRules.packages(map, classes));
  }

  @Test
  void theMapAndTheCodeHaveTheSamePackages() {
    assertThat(ArchitectureRules.drift(map, classes, "dev.coroner")).isEmpty();
  }

  @Test
  void packagesFormNoCycles() {
    EvaluationResult r =
        slices().matching("dev.coroner.(**)").should().beFreeOfCycles().evaluate(classes);
    assertThat(r.getFailureReport().getDetails()).isEmpty();
  }

  private static void assertNoViolations(List<EvaluationResult> results) {
    assertThat(results).isNotEmpty();
    assertThat(results.stream().flatMap(r -> r.getFailureReport().getDetails().stream()).toList())
        .isEmpty();
  }
}
