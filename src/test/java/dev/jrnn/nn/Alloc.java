package dev.jrnn.nn;

/** Bytes allocated by the current thread ({@code com.sun.management.ThreadMXBean}), read by reflection. */
final class Alloc {

    private Alloc() {
    }

    /**
     * {@return what {@code bytes()} itself allocates between two readings (reflection boxes the result)},
     * the minimum over a few back-to-back pairs; subtract it from a measured difference
     */
    static long overhead() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long a = bytes();
            long b = bytes();
            min = Math.min(min, b - a);
        }
        return min;
    }

    /** {@return bytes allocated so far by the current thread}; fails the test when the JVM cannot tell */
    static long bytes() {
        try { // reflection: the test module does not read java.management at compile time
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            Class<?> sun = Class.forName("com.sun.management.ThreadMXBean");
            long v = (long) sun.getMethod("getThreadAllocatedBytes", long.class)
                    .invoke(bean, Thread.currentThread().getId());
            if (v < 0) {
                throw new AssertionError("thread allocation measurement is disabled in this JVM");
            }
            return v;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("com.sun.management.ThreadMXBean is not available", e);
        }
    }

    /**
     * Runs {@code call} until one run allocates at most {@code budget} bytes (net of the measuring
     * overhead), at least three times and then for at most {@code seconds}: on the Vector API path the
     * kernels allocate (boxed vectors) until C2 has compiled them with the intrinsics inlined.
     *
     * @return {@code {bytes of the last run, number of runs}}
     */
    static long[] settle(Runnable call, long budget, int seconds) {
        long overhead = overhead();
        long used = Long.MAX_VALUE;
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int attempt = 0;
        for (; used > budget && (attempt < 3 || System.nanoTime() < deadline); attempt++) {
            long before = bytes();
            call.run();
            used = bytes() - before - overhead;
        }
        return new long[] {used, attempt};
    }

    /** {@return the floats of {@code h_n} (and {@code c_n}) of a batched call of {@code m}: also its state gradients} */
    static long stateFloats(RNNBase m, int batch) {
        RNNConfig c = m.config;
        long groups = (long) c.numLayers() * c.numDirections();
        return groups * batch * c.outputHiddenSize() + (m instanceof LSTM ? groups * batch * c.hiddenSize() : 0);
    }

    /** {@return the floats a batched forward of {@code m} returns: the output and the final states} */
    static long forwardResultFloats(RNNBase m, int seqLen, int batch) {
        RNNConfig c = m.config;
        return (long) seqLen * batch * c.numDirections() * c.outputHiddenSize() + stateFloats(m, batch);
    }
}
