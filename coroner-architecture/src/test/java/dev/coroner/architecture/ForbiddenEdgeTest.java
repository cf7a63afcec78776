package dev.coroner.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules fail on a forbidden edge: the same checks, on fixture classes and a fixture map. */
class ForbiddenEdgeTest {
  private static final JavaClasses FIXTURE =
      new ClassFileImporter().importPackages("dev.coroner.architecture.fixture");

  @Test
  void aModuleThatUsesOneItMayNotFails() {
    ArchitectureMap map =
        ArchitectureMap.parse(
            List.of(
                "## Modules",
                "| module | root | may use | what |",
                "|---|---|---|---|",
                "| `low` | `dev.coroner.architecture.fixture.low` | — | the bottom |",
                "| `high` | `dev.coroner.architecture.fixture.high` | `low` | the top |"));
    List<EvaluationResult> results = ArchitectureRules.modules(map, FIXTURE);
    assertThat(results.stream().anyMatch(EvaluationResult::hasViolation)).isTrue();
    assertThat(results.stream().flatMap(r -> r.getFailureReport().getDetails().stream()))
        .anySatisfy(d -> assertThat(d).contains("Low").contains("High"));
  }

  @Test
  void theSameEdgeIsFineWhenTheMapAllowsIt() {
    ArchitectureMap map =
        ArchitectureMap.parse(
            List.of(
                "## Modules",
                "| module | root | may use | what |",
                "|---|---|---|---|",
                "| `low` | `dev.coroner.architecture.fixture.low` | `high` | allowed |",
                "| `high` | `dev.coroner.architecture.fixture.high` | — | the top |"));
    assertThat(ArchitectureRules.modules(map, FIXTURE)).noneMatch(EvaluationResult::hasViolation);
  }

  @Test
  void aPackageEdgeTheMapDoesNotListFails() {
    ArchitectureMap map =
        ArchitectureMap.parse(
            List.of(
                "## Modules",
                "| module | root | may use | what |",
                "|---|---|---|---|",
                "| `fixture` | `dev.coroner.architecture.fixture` | — | both |",
                "## Packages",
                "| package | uses | contents |",
                "|---|---|---|",
                "| `architecture.fixture.low` | — | Low |",
                "| `architecture.fixture.high` | — | High |"));
    assertThat(ArchitectureRules.packages(map, FIXTURE)).anyMatch(EvaluationResult::hasViolation);
    assertThat(ArchitectureRules.drift(map, FIXTURE, "dev.coroner.architecture.fixture")).isEmpty();
  }
}
