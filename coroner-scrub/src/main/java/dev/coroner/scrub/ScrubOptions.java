package dev.coroner.scrub;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link Scrubber} looks for and how it works.
 *
 * @param rules the built-in rules to apply ({@link Rule#ENV_SECRET} applies {@code envSecrets})
 * @param custom the caller's regular expressions
 * @param envSecrets exact values to blank, e.g. from {@link EnvSecrets#fromEnviron}
 * @param dropHeap also zero every writable anonymous segment of a core except the threads' stacks
 *     (see {@link Scrubber}): for native programs only, it breaks managed-runtime debugging
 * @param threads how many threads scan a core's segments (1 scans on the calling thread)
 */
public record ScrubOptions(
    Set<Rule> rules,
    List<CustomRule> custom,
    EnvSecrets envSecrets,
    boolean dropHeap,
    int threads) {

  public ScrubOptions {
    rules = rules.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(rules));
    custom = List.copyOf(custom);
    Objects.requireNonNull(envSecrets, "envSecrets");
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("threads must be 1-64: " + threads);
    }
    Set<String> names = new HashSet<>();
    for (CustomRule c : custom) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("two custom rules are named '" + c.name() + "'");
      }
    }
  }

  /** Every built-in rule, no custom rule, no environment values, no heap drop, two threads. */
  public static ScrubOptions defaults() {
    return new ScrubOptions(
        EnumSet.allOf(Rule.class),
        List.of(),
        EnvSecrets.none(),
        false,
        Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
  }

  /** These options with {@code secrets} as the environment values. */
  public ScrubOptions withEnvSecrets(EnvSecrets secrets) {
    return new ScrubOptions(rules, custom, secrets, dropHeap, threads);
  }

  /** These options with {@code rules} as the custom rules. */
  public ScrubOptions withCustom(List<CustomRule> rules) {
    return new ScrubOptions(this.rules, rules, envSecrets, dropHeap, threads);
  }

  /** These options with the heap drop on or off. */
  public ScrubOptions withDropHeap(boolean drop) {
    return new ScrubOptions(rules, custom, envSecrets, drop, threads);
  }

  /** These options with {@code n} threads. */
  public ScrubOptions withThreads(int n) {
    return new ScrubOptions(rules, custom, envSecrets, dropHeap, n);
  }

  /** These options with only {@code enabled} of the built-in rules. */
  public ScrubOptions withRules(Set<Rule> enabled) {
    return new ScrubOptions(enabled, custom, envSecrets, dropHeap, threads);
  }
}
