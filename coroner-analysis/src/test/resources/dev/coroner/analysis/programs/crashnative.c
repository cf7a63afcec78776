#include <jni.h>
/* volatile: the compiler must not drop the store through NULL. */
__attribute__((noinline)) void poke(int *volatile *slot) { **slot = 42; }
JNIEXPORT void JNICALL Java_app_Crash_nativeWrite(JNIEnv *env, jclass cls) {
  int *volatile p = 0;
  poke(&p);
}
