package dev.coroner.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The rules a map implies, evaluated on a set of classes. */
final class ArchitectureRules {
  private ArchitectureRules() {}

  /** Each module uses only its own packages and those of the modules it may use. */
  static List<EvaluationResult> modules(ArchitectureMap map, JavaClasses classes) {
    List<EvaluationResult> results = new ArrayList<>();
    for (ArchitectureMap.Module m : map.modules().values()) {
      List<String> forbidden = new ArrayList<>();
      for (ArchitectureMap.Module other : map.modules().values()) {
        if (!other.name().equals(m.name())
            && !m.mayUse().contains(other.name())
            && !other.root().startsWith(m.root() + ".")) {
          forbidden.add(other.root() + "..");
        }
      }
      if (forbidden.isEmpty()) {
        continue;
      }
      ArchRule rule =
          noClasses()
              .that()
              .resideInAPackage(m.root() + "..")
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage(forbidden.toArray(String[]::new))
              .because(m.name() + " may use only " + m.mayUse() + " (docs/ARCHITECTURE.md)")
              .allowEmptyShould(true);
      results.add(rule.evaluate(classes));
    }
    return results;
  }

  /** Within a module, each package uses only the packages the map lists for it. */
  static List<EvaluationResult> packages(ArchitectureMap map, JavaClasses classes) {
    List<EvaluationResult> results = new ArrayList<>();
    for (var e : map.packages().entrySet()) {
      String pkg = e.getKey();
      ArchitectureMap.Module module = map.moduleOf(pkg);
      if (module == null) {
        continue;
      }
      List<String> forbidden = new ArrayList<>();
      for (String other : map.packages().keySet()) {
        if (!other.equals(pkg)
            && module.equals(map.moduleOf(other))
            && !e.getValue().contains(other)) {
          forbidden.add(other);
        }
      }
      if (forbidden.isEmpty()) {
        continue;
      }
      ArchRule rule =
          noClasses()
              .that()
              .resideInAPackage(pkg)
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage(forbidden.toArray(String[]::new))
              .because(pkg + " may use only " + e.getValue() + " of " + module.name())
              .allowEmptyShould(true);
      results.add(rule.evaluate(classes));
    }
    return results;
  }

  /** Packages that hold classes but are not on the map, and packages on the map that hold none. */
  static Set<String> drift(ArchitectureMap map, JavaClasses classes, String root) {
    Set<String> inCode = new TreeSet<>();
    classes.forEach(
        c -> {
          if (c.getPackageName().startsWith(root)) {
            inCode.add(c.getPackageName());
          }
        });
    Set<String> drift = new TreeSet<>();
    for (String p : inCode) {
      if (!map.packages().containsKey(p)) {
        drift.add("not on the map: " + p);
      }
    }
    for (String p : map.packages().keySet()) {
      if (p.startsWith(root) && !inCode.contains(p)) {
        drift.add("on the map but not in the code: " + p);
      }
    }
    return drift;
  }
}
