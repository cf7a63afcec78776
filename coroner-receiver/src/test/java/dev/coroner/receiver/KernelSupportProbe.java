package dev.coroner.receiver;

import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.PatternChange;
import dev.coroner.receiver.kernel.SocketPattern;

/** Run by {@link KernelSupportIT} in another mount namespace: what KernelSupport sees there. */
public final class KernelSupportProbe {
  private KernelSupportProbe() {}

  public static void main(String[] args) throws Exception {
    KernelSupport kernel = KernelSupport.host();
    System.out.println("problems=" + kernel.report().problems(SocketPattern.REQUEST));
    String before = kernel.corePattern();
    PatternChange change = kernel.trySet(args[0]);
    System.out.println("status=" + change.status() + " detail=" + change.detail());
    kernel.restore(before);
  }
}
