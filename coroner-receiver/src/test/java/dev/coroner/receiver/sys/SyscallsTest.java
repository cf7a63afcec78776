package dev.coroner.receiver.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

class SyscallsTest {

  @Test
  void stubSaysWhichJavaItNeeds() {
    assertThat(UnavailableSyscalls.reasonFor(17, "Linux", "amd64"))
        .startsWith("the coredump socket receiver needs Java 22 or newer (this is Java 17)");
    assertThat(UnavailableSyscalls.reasonFor(25, "Linux", "amd64"))
        .contains("Java 22 classes are missing (this is Java 25)")
        .contains("multi-release jar");
    assertThat(UnavailableSyscalls.reasonFor(25, "Mac OS X", "aarch64"))
        .contains("Linux x86_64 only (this is Mac OS X aarch64)");
  }

  @Test
  void everyStubCallFailsWithTheReason() throws Exception {
    Syscalls stub = new UnavailableSyscalls("the reason");
    assertThat(stub.unavailableReason()).isEqualTo("the reason");
    for (Method m : Syscalls.class.getMethods()) {
      if (m.isDefault()
          || java.lang.reflect.Modifier.isStatic(m.getModifiers())
          || m.getName().equals("unavailableReason")) {
        continue;
      }
      Object[] args = new Object[m.getParameterCount()];
      Class<?>[] types = m.getParameterTypes();
      for (int i = 0; i < args.length; i++) {
        args[i] =
            types[i] == int.class
                ? (Object) 0
                : types[i] == long.class
                    ? (Object) 0L
                    : types[i] == short.class
                        ? (Object) (short) 0
                        : types[i] == boolean.class ? (Object) false : null;
      }
      assertThatThrownBy(
              () -> {
                try {
                  m.invoke(stub, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              })
          .as(m.getName())
          .isInstanceOf(ReceiverUnavailableException.class)
          .hasMessage("the reason");
    }
  }

  @Test
  void pidfdGetInfoRequestNumbers() {
    // _IOWR(0xFF, 11, size), checked with a C probe on 6.18
    assertThat(Linux.pidfdGetInfoRequest(72)).isEqualTo(0xC048FF0BL);
    assertThat(Linux.pidfdGetInfoRequest(80)).isEqualTo(0xC050FF0BL);
    assertThat(Linux.pidfdGetInfoRequest(88)).isEqualTo(0xC058FF0BL);
  }

  @Test
  void errnoExceptionNamesTheCall() {
    ErrnoException e = new ErrnoException("bind(/run/x.sock)", Errno.EADDRINUSE);
    assertThat(e).hasMessage("bind(/run/x.sock) failed: EADDRINUSE (address already in use)");
    assertThat(e.errno()).isEqualTo(98);
    assertThat(Errno.describe(4095)).isEqualTo("errno 4095");
  }
}
