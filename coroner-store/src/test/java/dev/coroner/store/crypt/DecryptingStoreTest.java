package dev.coroner.store.crypt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.store.Store;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decrypting wrapper hides nothing of the store it wraps. */
class DecryptingStoreTest {
  @Test
  void itPassesOnEveryCapabilityTheContractHas() throws Exception {
    // A capability the wrapper does not override reads as absent: a kept binary, a presigned URL
    // or an upload would silently be "not supported" whenever the CLI wraps its store (it always
    // does, for --identity).
    List<String> missing =
        Arrays.stream(Store.class.getMethods())
            .filter(m -> !Modifier.isStatic(m.getModifiers()))
            .filter(m -> !declares(m))
            .map(Method::getName)
            .toList();
    assertThat(missing).as("Store methods DecryptingStore leaves to the default").isEmpty();
  }

  private static boolean declares(Method m) {
    try {
      DecryptingStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
